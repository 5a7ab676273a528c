// One market stream per (network, category, symbol, interval), shared by every bot in the process
// that trades it. Each bot gets a view with the CandleSource shape; the upstream (a public Bybit
// venue) is started once, subscribed once and closed when the last view closes. A candle goes to
// all subscribed bots at once; each bot serialises its own work, so a slow bot delays only itself
// (and the next candle, which the upstream hands out after every bot has taken this one).
import type { Candle } from '../market/candle.ts';
import type { InstrumentRules } from '../market/instrument.ts';
import type { MarketPlan } from '../plan/plan.ts';
import type { CandleSource } from '../venue/sim/source.ts';
import type { Unsubscribe } from '../venue/venue.ts';

type Handler = (c: Candle) => void | Promise<void>;

interface Subscriber {
  handler: Handler;
  /** Start of the newest candle this subscriber has. */
  after: number | undefined;
  active: boolean;
}

class SharedMarket {
  private started: Promise<void> | undefined;
  private subscribed: Promise<Unsubscribe> | undefined;
  private readonly subs = new Set<Subscriber>();
  private last: number | undefined;
  refs = 0;

  constructor(readonly upstream: CandleSource, private readonly onEmpty: () => void) {}

  start(): Promise<void> {
    this.started ??= this.upstream.start();
    return this.started;
  }

  async subscribe(handler: Handler, afterStart?: number): Promise<Unsubscribe> {
    const sub: Subscriber = { handler, after: afterStart, active: true };
    this.subs.add(sub);
    if (!this.subscribed) {
      this.subscribed = this.upstream.subscribeCandles((c) => this.deliver(c), afterStart);
    } else if (afterStart !== undefined && this.last !== undefined && afterStart < this.last) {
      // Joined late: hand over what the others already got.
      for (const c of await this.upstream.closedCandles(afterStart + 1, this.last)) await this.give(sub, c);
    }
    await this.subscribed;
    return () => {
      sub.active = false;
      this.subs.delete(sub);
    };
  }

  private async deliver(c: Candle): Promise<void> {
    this.last = Math.max(this.last ?? c.start, c.start);
    await Promise.all([...this.subs].map((s) => this.give(s, c)));
  }

  private async give(s: Subscriber, c: Candle): Promise<void> {
    if (!s.active || (s.after !== undefined && c.start <= s.after)) return;
    s.after = c.start;
    await s.handler(c);
  }

  async release(): Promise<void> {
    if (--this.refs > 0) return;
    const unsub = await this.subscribed?.catch(() => undefined);
    unsub?.();
    this.onEmpty();
    await this.upstream.close();
  }
}

export class MarketHub {
  private readonly markets = new Map<string, SharedMarket>();

  constructor(private readonly connect: (m: MarketPlan) => CandleSource) {}

  /** How many upstream connections are open (tests). */
  get size(): number {
    return this.markets.size;
  }

  source(m: MarketPlan): CandleSource {
    const key = `${m.network}|${m.category}|${m.symbol}|${m.interval}`;
    let shared = this.markets.get(key);
    if (!shared) {
      shared = new SharedMarket(this.connect(m), () => this.markets.delete(key));
      this.markets.set(key, shared);
    }
    shared.refs++;
    const s = shared;
    let closed = false;
    return {
      start: () => s.start(),
      instrument: (): Promise<InstrumentRules> => s.upstream.instrument(),
      closedCandles: (from, to) => s.upstream.closedCandles(from, to),
      recentClosedCandles: (count) => s.upstream.recentClosedCandles(count),
      subscribeCandles: (handler, afterStart) => s.subscribe(handler, afterStart),
      close: async () => {
        if (closed) return;
        closed = true;
        await s.release();
      },
    };
  }
}

// Everything `botctl run` starts for a list of bots: per bot a venue (simulated or Bybit), its
// strategy and a BotRunner; per market one shared candle stream (feed.ts). Paper and live bots
// read live public candles; a replay gives every bot its own pass over the CSV file.
import type { MarketPlan, Network, Plan } from '../plan/plan.ts';
import { bundledInstrument } from '../market/instruments.ts';
import type { Decision } from '../core/types.ts';
import type { Logger } from '../log/index.ts';
import type { NotificationEvent } from '../notify/index.ts';
import { instantiateStrategy } from '../strategy/load.ts';
import type { BybitVenueOptions } from '../venue/bybit/index.ts';
import { SimVenue } from '../venue/sim/venue.ts';
import { CsvCandleSource } from '../venue/sim/csv-source.ts';
import type { CandleSource } from '../venue/sim/source.ts';
import type { Venue } from '../venue/venue.ts';
import { MarketHub } from './feed.ts';
import type { ApiKeys } from './keys.ts';
import { BotRunner, type RunRecorder, type RunnerOptions } from './runner.ts';
import type { ShutdownReport } from './shutdown.ts';

export interface SessionOptions {
  plans: Plan[];
  /** 'live': real orders on Bybit; 'paper': live candles, simulated fills; 'replay': a CSV file. */
  mode: 'paper' | 'live' | 'replay';
  /** Overrides every spec's market.network. */
  network?: Network;
  data?: string;
  /** Replays: run on a candle file that names another symbol (or whose prices do not fit). */
  allowOtherSymbol?: boolean;
  speed?: number;
  /** Replays: ends the check of the candle file early (Ctrl-C during a long check). */
  abort?: AbortSignal;
  keys?: ApiKeys;
  log: Logger;
  /** Tests only: point every Bybit connection at a loopback fake. */
  restUrl?: string;
  wsUrl?: string;
  /** Extra adapter settings (tests shorten timeouts and retries). */
  bybit?: Partial<BybitVenueOptions>;
  /** How a close that did not go through is retried (tests shorten it). */
  exitRetry?: RunnerOptions['exitRetry'];
  recorderFor?: (plan: Plan) => RunRecorder | undefined;
  onDecision?: (plan: Plan, d: Decision) => void;
  onFatal?: (e: Error) => void;
  notify?: (e: NotificationEvent) => void;
}

export interface BotSession {
  runners: BotRunner[];
  /** Replays: per bot, the CSV source (delivered counts for the summary). */
  sources: CsvCandleSource[];
  /** Replays: resolves when every bot has processed the whole file. */
  finished: Promise<void> | undefined;
  /** `graceful`: each bot cancels its entries and handles its position (shutdown.ts); returns what each did. */
  stop(graceful?: boolean): Promise<ShutdownReport[]>;
}

export function bybitOptions(o: SessionOptions, m: MarketPlan): BybitVenueOptions {
  return {
    network: o.network ?? m.network,
    category: m.category,
    symbol: m.symbol,
    interval: m.interval,
    logger: o.log,
    // Orders over the trade socket, REST as the fallback (the adapter opens it only with keys).
    orderEntry: 'websocket',
    ...(o.restUrl ? { restBaseUrl: o.restUrl } : {}),
    ...(o.wsUrl ? { wsBaseUrl: o.wsUrl } : {}),
    ...o.bybit,
  };
}

/** Builds and starts every bot; on any startup failure, closes what was opened and rethrows. */
export async function startSession(o: SessionOptions): Promise<BotSession> {
  // A replay talks to no exchange: bybit-api (slow to load) is left out of it.
  const BybitVenue = o.mode === 'replay' ? undefined : (await import('../venue/bybit/index.ts')).BybitVenue;
  const bybit = (m: MarketPlan, keys?: ApiKeys) => {
    if (!BybitVenue) throw new Error('a replay has no Bybit venue');
    return new BybitVenue({ ...bybitOptions(o, m), ...(keys ? { key: keys.key, secret: keys.secret } : {}) });
  };
  const hub = new MarketHub((m) => bybit(m));
  const runners: BotRunner[] = [];
  const sources: CsvCandleSource[] = [];
  /** Live bots read candles from a shared feed besides their own venue; closed after the bots. */
  const feeds: CandleSource[] = [];
  const stop = async (graceful = false) => {
    const reports: ShutdownReport[] = [];
    for (const r of runners) {
      const report = await r.stop({ graceful }).catch(() => undefined);
      if (report) reports.push(report);
    }
    for (const f of feeds) await f.close().catch(() => {});
    return reports;
  };
  try {
    for (const plan of o.plans) {
      const market = { ...plan.market, network: o.network ?? plan.market.network };
      let venue: Venue;
      let candles: CandleSource | undefined;
      let now: (() => number) | undefined;
      if (o.mode === 'replay') {
        const rules = bundledInstrument(market.symbol, market.category);
        const source = new CsvCandleSource({
          file: o.data as string, rules, market, bot: plan.name, allowOtherSymbol: Boolean(o.allowOtherSymbol), ...(o.speed ? { speed: o.speed } : {}),
          ...(o.abort ? { abort: o.abort } : {}),
        });
        sources.push(source);
        const sim = new SimVenue({ plan, source });
        venue = sim;
        now = () => sim.now();
      } else if (o.mode === 'paper') {
        const sim = new SimVenue({ plan, source: hub.source(market) });
        venue = sim;
      } else {
        const keys = o.keys as ApiKeys;
        venue = bybit(market, keys);
        candles = hub.source(market);
        feeds.push(candles);
        await candles.start();
      }
      const runner = new BotRunner({
        plan, venue, mode: o.mode, log: o.log,
        strategy: await instantiateStrategy(plan),
        ...(candles ? { candles } : {}),
        ...(now ? { now } : {}),
        ...(o.onDecision ? { onDecision: (d: Decision) => o.onDecision?.(plan, d) } : {}),
        ...(o.recorderFor?.(plan) ? { recorder: o.recorderFor(plan) as RunRecorder } : {}),
        ...(o.onFatal ? { onFatal: o.onFatal } : {}),
        ...(o.notify ? { notify: o.notify } : {}),
        ...(o.exitRetry ? { exitRetry: o.exitRetry } : {}),
      });
      runners.push(runner);
      await runner.start();
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const finished = o.mode === 'replay'
    ? Promise.all(sources.map((s) => s.finished)).then(async () => {
      for (const r of runners) await r.idle();
    })
    : undefined;
  return { runners, sources, finished, stop };
}

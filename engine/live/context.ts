// What every part of a live bot shares: its options, identity and clock, the decision core and the
// instrument rules, the account and order books, the serial lane, and the parts themselves. The
// runner (runner.ts) builds one per bot and hands it to each part:
//
//   records.ts     decisions, journal rows, notifications, errors
//   intents.ts     the core's intents → venue calls (enter, exit, move the stop, re-price, cancel)
//   stream.ts      the account stream's events → the order and account books; stream health
//   settlement.ts  final orders → the core (fills, refusals, unknown outcomes, partial closes)
//   protection.ts  an open position keeps its exchange-side stop, or is closed
//   exits.ts       a decided close carried out until the position is flat (retries, restarts)
//   reconcile.ts   the journal and the exchange at start-up; positions that appear mid-run
//   rules.ts       instrument rules read again (hourly, on precision refusals) and followed
import type { Plan } from '../plan/plan.ts';
import type { InstrumentRules } from '../market/instrument.ts';
import { DecisionCore } from '../core/core.ts';
import type { CoreState } from '../core/state.ts';
import type { Logger } from '../log/index.ts';
import type { Venue } from '../venue/venue.ts';
import { intervalMs } from '../market/candle.ts';
import { AccountBook } from './account.ts';
import { botIdOf } from './ids.ts';
import { OrderBook } from './orders.ts';
import type { SerialQueue } from './queue.ts';
import type { RunnerOptions } from './types.ts';
import type { Records } from './records.ts';
import type { Intents } from './intents.ts';
import type { AccountStream } from './stream.ts';
import type { Settlement } from './settlement.ts';
import type { Protection } from './protection.ts';
import type { Reconciler } from './reconcile.ts';
import type { Exits } from './exits.ts';
import type { InstrumentWatch } from './rules.ts';

export class LiveContext {
  readonly botId: string;
  readonly log: Logger;
  /** Candle length in ms. */
  readonly step: number;
  /** Live trading: checks the exchange over REST where a simulator would not need it. */
  readonly live: boolean;
  readonly now: () => number;
  readonly book = new AccountBook();
  readonly orders = new OrderBook();
  core!: DecisionCore;
  rules!: InstrumentRules;
  /** Start of the newest candle processed (history included). */
  lastStart: number | null = null;
  /** Candles seen, history included; decisions before `preload` are warm-up and discarded. */
  bar = 0;
  preload = 0;
  stopped = false;
  /** The strategy module failed: candles are no longer decided on (stop() still shuts down as usual). */
  halted = false;

  records!: Records;
  intents!: Intents;
  stream!: AccountStream;
  settlement!: Settlement;
  protection!: Protection;
  reconciler!: Reconciler;
  exits!: Exits;
  rulesWatch!: InstrumentWatch;

  constructor(readonly o: RunnerOptions, readonly queue: SerialQueue) {
    this.botId = botIdOf(o.plan.name, o.plan.market.symbol);
    this.log = o.log.child({ bot: o.plan.name });
    this.step = intervalMs(o.plan.market.interval);
    this.live = o.mode === 'live';
    this.now = o.now ?? Date.now;
  }

  get plan(): Plan {
    return this.o.plan;
  }

  get venue(): Venue {
    return this.o.venue;
  }

  /** A new core on `state` (or a fresh one); the float caches of the position follow. */
  rebuildCore(state?: CoreState): void {
    this.core = new DecisionCore(this.o.plan, this.rules, (d) => {
      if (this.bar >= this.preload) this.records.record(d); // warm-up decisions are discarded, as in the backtest
    }, state);
  }
}

// The live runner: one bot, one symbol, driven by closed candles from a Venue. The same code runs
// paper trading (SimVenue on live public candles), CSV replays (SimVenue on a file) and live
// trading (BybitVenue); only the venue differs. The decision core stays pure: the runner feeds it
// candles and fills in the order the backtest does and turns its intents into venue calls.
//
// Per closed candle, inside one serial lane (queue.ts):
//   1. settle (settlement.ts): apply final orders (fills, rejections) to the core, refresh the
//      account if a fill made it stale, check that an open position still has its exchange-side
//      stop (protection.ts), take over a position nobody opened (reconcile.ts);
//   2. the strategy sees the candle (signals muted during warm-up, as in the backtest);
//   3. the core decides; each intent is executed (intents.ts) and awaited before the next candle.
// The parts share one LiveContext (context.ts); this file is the bot's life: start, the candle
// loop, stop, status.
//
// Safety rules:
// - Order ids are deterministic (ids.ts): a retry or restart never duplicates an order.
// - An entry with exchange-side protection carries its stop-loss/take-profit; after the fill the
//   position is checked; missing levels are set with trading-stop; if that fails too the position
//   is closed at market. A partial fill is covered because the levels are whole-position (Full).
// - An order whose fate is unknown (timeout after sending) is looked up before anything else.
// - Trailing stops move the position's stop-loss with trading-stop, one core decision at a time,
//   rather than Bybit's native trailing stop, so live and backtest trail the same way.
// - A limit entry that times out is cancelled, or with on_timeout amend re-priced in place.
// - Any position on the exchange is managed: found at startup or appearing later, it is adopted.
// - A restart continues from the journal (restore.ts, reconcile-report.ts): unfinished orders are
//   looked up, this bot's orphan orders cancelled, the position resumed with its journaled stop (or
//   adopted and protected), cooldowns and protections restored, and a "recovered:" line printed.
// - Ctrl-C / SIGTERM (shutdown.ts): working entries cancelled, the position kept under verified
//   exchange stops or closed at market, as run.on_shutdown says.
import { Decimal } from 'decimal.js';
import type { Plan } from '../plan/plan.ts';
import type { Candle } from '../market/candle.ts';
import type { InstrumentRules } from '../market/instrument.ts';
import { NO_SIGNALS, type Signal } from '../strategy/strategy.ts';
import type { DecisionCore } from '../core/core.ts';
import type { Decision, Intent } from '../core/types.ts';
import type { WorkingEntry } from '../core/state.ts';
import { fmtDec } from '../core/format.ts';
import { UserError } from '../cli/exit.ts';
import { nextStart } from '../venue/bybit/candles.ts';
import type { Unsubscribe } from '../venue/venue.ts';
import type { AccountBook } from './account.ts';
import { LiveContext } from './context.ts';
import { Intents } from './intents.ts';
import type { OrderBook } from './orders.ts';
import { Protection } from './protection.ts';
import { SerialQueue } from './queue.ts';
import { Reconciler } from './reconcile.ts';
import { Exits } from './exits.ts';
import { InstrumentWatch } from './rules.ts';
import { MAX_KEPT, Records } from './records.ts';
import { Settlement } from './settlement.ts';
import { gracefulShutdown, type ShutdownReport } from './shutdown.ts';
import { AccountStream } from './stream.ts';
import type { CandleFeed, RunnerOptions, RunnerStatus } from './types.ts';

export type { CandleFeed, RunnerOptions, RunnerStatus, RunRecorder } from './types.ts';

const ZERO = new Decimal(0);

export class BotRunner {
  readonly botId: string;
  private readonly x: LiveContext;
  private readonly queue: SerialQueue;
  private readonly feed: CandleFeed;
  private unsubscribe: Unsubscribe | undefined;
  private offEvents: Unsubscribe | undefined;
  private duplicates = 0;
  /** Candle starts processed (the newest MAX_KEPT), for tests that assert none is seen twice. */
  readonly processed: number[] = [];
  private processedCount = 0;

  constructor(private readonly o: RunnerOptions) {
    this.queue = new SerialQueue((e) => this.x.records.failed('internal error while processing', e));
    const x = new LiveContext(o, this.queue);
    x.records = new Records(x);
    x.intents = new Intents(x);
    x.stream = new AccountStream(x);
    x.settlement = new Settlement(x);
    x.protection = new Protection(x);
    x.reconciler = new Reconciler(x);
    x.exits = new Exits(x);
    x.rulesWatch = new InstrumentWatch(x);
    this.x = x;
    this.botId = x.botId;
    this.feed = o.candles ?? o.venue;
  }

  get plan(): Plan {
    return this.o.plan;
  }

  get core(): DecisionCore {
    return this.x.core;
  }

  get rules(): InstrumentRules {
    return this.x.rules;
  }

  get book(): AccountBook {
    return this.x.book;
  }

  get orders(): OrderBook {
    return this.x.orders;
  }

  /** Decisions after warm-up, in order; the first MAX_KEPT are kept, the rest only counted. */
  get decisions(): Decision[] {
    return this.x.records.decisions;
  }

  get decisionCounts(): { total: number; entry: number; exit: number; skipped: number } {
    return this.x.records.counts;
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /** Instrument → leverage → reconcile → preload history → subscribe to closed candles. */
  async start(): Promise<void> {
    const x = this.x;
    const { venue, plan, strategy } = this.o;
    const ex = plan.exits;
    if (x.live && plan.market.category === 'spot' && ex.placement === 'exchange' && (ex.stopLoss || ex.takeProfit || ex.trailingStop)) {
      // Bybit spot has no position to hang a stop on, so the runner could never verify one.
      throw new UserError(`${plan.specFile}: Bybit spot cannot hold a stop-loss or take-profit on a position; set \`risk.placement: bot\` so botctl exits on closed candles itself`);
    }
    await venue.start();
    x.rules = await venue.instrument();
    x.rebuildCore();
    const maxLeverage = x.rules.maxLeverage;
    if (x.live && plan.market.category === 'linear' && maxLeverage && plan.risk.leverage.gt(maxLeverage)) {
      throw new UserError(`${plan.specFile}: risk.leverage ${fmtDec(plan.risk.leverage)} is above Bybit's maximum leverage for ${plan.market.symbol} (${fmtDec(maxLeverage)}); set risk.leverage to ${fmtDec(maxLeverage)} or less`);
    }
    if (plan.market.category === 'linear') await venue.setLeverage(plan.risk.leverage);
    this.offEvents = venue.onEvent((e) => x.stream.onEvent(e));

    const found = await x.reconciler.findOnExchange();
    x.preload = Math.max(strategy.preloadBars, strategy.warmupBars);
    const history = x.preload > 0 ? await this.feed.recentClosedCandles(x.preload) : [];
    for (const c of history) this.warmUp(c);
    x.log.info('history loaded', { candles: history.length, warmup: x.preload, last: x.lastStart === null ? null : new Date(x.lastStart).toISOString() });
    await x.reconciler.resume(found);

    this.unsubscribe = await this.feed.subscribeCandles((c) => this.onClosedCandle(c), x.lastStart ?? undefined);
    x.log.info('waiting for closed candles', { symbol: plan.market.symbol, interval: plan.market.interval, mode: this.o.mode });
  }

  /**
   * Stops taking candles, lets queued work finish, closes the venue's sockets. Idempotent.
   * `graceful` (Ctrl-C, SIGTERM): working entries are cancelled and the open position is handled
   * as run.on_shutdown says (shutdown.ts); returns what was done. Without it (a failed start, a
   * fatal error) orders and position are left as they are for the next start to reconcile.
   */
  async stop(how: { graceful?: boolean } = {}): Promise<ShutdownReport | undefined> {
    const x = this.x;
    if (x.stopped) return undefined;
    x.stopped = true;
    x.exits.stop();
    this.unsubscribe?.();
    await this.queue.idle();
    let report: ShutdownReport | undefined;
    if (how.graceful && x.core && x.rules && this.o.mode !== 'replay') {
      try {
        await x.settlement.beforeShutdown();
        report = await gracefulShutdown({
          plan: this.o.plan, botId: x.botId, venue: this.o.venue, rules: x.rules, core: x.core, log: x.log, live: x.live,
          place: (req, purpose, reason) => x.intents.place(req, purpose, reason),
          orderUpdate: (o) => x.records.journal((r) => r.orderUpdate?.(o)),
          positionLeft: (p) => x.records.journal((r) => r.position?.(p)),
          now: x.now,
        });
        x.records.saveCore(x.now());
      } catch (e) {
        x.records.failed('shutdown could not finish', e);
      }
    } else {
      const p = x.core?.state.position;
      if (p && this.o.mode !== 'replay') {
        const where = this.o.plan.exits.placement === 'exchange' ? 'under its exchange-side stops' : 'WITHOUT exchange-side stops (placement: bot)';
        x.log.warn(`stopping with the ${p.side} ${fmtDec(p.qty)} open, ${where}`);
      }
    }
    x.records.tellQuiet();
    this.offEvents?.();
    await this.o.venue.close();
    return report;
  }

  /** Resolves when every candle and event queued so far has been handled. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /**
   * Work in hand whose outcome the core has not heard yet: a queued job, or an order placed at
   * market (or unanswered) whose end is not applied. The core and the exchange may differ meanwhile.
   */
  get settling(): boolean {
    return this.queue.size > 0 || this.x.orders.unsettled().some((t) => t.unknown || t.state?.type !== 'limit');
  }

  status(): RunnerStatus {
    const x = this.x;
    const p = x.book.position;
    const flat = p.side === 'flat' || p.size.isZero();
    return {
      bot: this.o.plan.name,
      symbol: this.o.plan.market.symbol,
      mode: this.o.mode,
      candles: this.processedCount,
      lastCandle: x.lastStart,
      nextCloseAt: x.lastStart === null ? null : nextStart(x.lastStart, this.o.plan.market.interval) + x.step,
      position: flat ? { side: 'flat', size: ZERO, avgPrice: ZERO } : {
        side: p.side, size: p.size, avgPrice: p.avgPrice, ...(p.stopLoss ? { stopLoss: p.stopLoss } : {}), ...(p.takeProfit ? { takeProfit: p.takeProfit } : {}),
      },
      equity: x.book.equity(),
      unrealised: x.book.unrealised(),
      realisedToday: x.core?.state.dayRealised ?? ZERO,
      decisions: x.records.counts.total,
      duplicatesSkipped: this.duplicates,
      errors: x.records.errors,
      streamsDown: [...x.stream.down].map(([stream, since]) => ({ stream, since })),
    };
  }

  // ---- candles ---------------------------------------------------------------------------------

  private warmUp(c: Candle): void {
    const x = this.x;
    this.o.strategy.onCandle(c);
    x.book.markTo(c.close);
    x.core.onCandle(c, NO_SIGNALS, x.book);
    x.bar++;
    x.lastStart = c.start;
  }

  /**
   * The feed's handler: queued, so candle N+1 waits for everything candle N started. Returns
   * nothing when the candle was handled there and then (nothing to settle, nothing to execute).
   */
  private onClosedCandle(c: Candle): Promise<void> | void {
    return this.queue.runNow(this.processCandleJob, c);
  }

  private readonly processCandleJob = (c: Candle): Promise<void> | void => this.processCandle(c);

  /** Synchronous unless there is something to settle first or an intent to execute. */
  private processCandle(c: Candle): Promise<void> | void {
    const x = this.x;
    if (x.stopped || x.halted) return;
    if (x.lastStart !== null && c.start <= x.lastStart) {
      this.duplicates++;
      x.log.warn('candle already processed; skipped', { candle: new Date(c.start).toISOString() });
      return;
    }
    if (x.lastStart !== null && c.start !== nextStart(x.lastStart, this.o.plan.market.interval)) {
      x.log.warn('candles missing before this one (the feed could not backfill them)', { after: new Date(x.lastStart).toISOString(), candle: new Date(c.start).toISOString() });
    }
    x.lastStart = c.start;
    if (this.processed.length >= MAX_KEPT) this.processed.splice(0, MAX_KEPT / 2);
    this.processed.push(c.start);
    this.processedCount++;
    if (x.settlement.idle) return this.decide(c);
    return x.settlement.settle()
      .catch((e) => x.records.failed('could not bring the account up to date before deciding', e))
      .then(() => this.decide(c));
  }

  private decide(c: Candle): Promise<void> | void {
    const x = this.x;
    let signals: readonly Signal[] = this.o.strategy.onCandle(c);
    if (x.bar < x.preload) signals = NO_SIGNALS;
    x.book.markTo(c.close);
    const working = x.core.state.entryOrder;
    x.records.defer();
    let intents: readonly Intent[];
    try {
      const resume = this.o.recorder?.resumeRequest?.();
      if (resume !== undefined) x.core.resume(resume);
      // The core reuses its array; a copy only when there is something to execute (most candles: nothing).
      const decided = x.core.onCandle(c, signals, x.book);
      intents = decided.length === 0 ? decided : [...decided];
      x.bar++;
    } catch (e) {
      x.records.flush();
      throw e;
    }
    if (intents.length === 0) {
      x.records.flush();
      this.afterCandle(c);
      return;
    }
    return this.execute(c, intents, working);
  }

  /** Carries out the candle's intents in order, each awaited before the next. */
  private async execute(c: Candle, intents: readonly Intent[], working: WorkingEntry | null): Promise<void> {
    const x = this.x;
    try {
      let skipEntry = false;
      for (let i = 0; i < intents.length; i++) {
        const intent = intents[i] as Intent;
        if (x.stopped) break;
        const next = intents[i + 1];
        if (intent.kind === 'cancel_entry' && next?.kind === 'enter' && x.intents.amendsOnTimeout() && (await x.intents.amendEntry(next, working))) {
          i++; // the working order now carries the re-priced entry
          continue;
        }
        if (intent.kind === 'enter' && skipEntry) {
          x.records.decide(c, 'order', 'entry', 'skipped', 'the re-priced entry was not sent: the old order filled while being cancelled');
          x.core.state.entryOrder = null;
          continue;
        }
        const filledOnCancel = await x.intents.execute(intent, c, working);
        if (filledOnCancel) skipEntry = true;
      }
    } finally {
      x.records.flush();
    }
    this.afterCandle(c);
  }

  /** The core's state journaled; live, an open position's check and the hourly rules check queued. */
  private afterCandle(c: Candle): void {
    const x = this.x;
    x.records.saveCore(c.start + x.step);
    if (x.live && x.core.state.position !== null) x.settlement.verifyPosition();
    if (x.rulesWatch.due()) void x.queue.run(async () => void (await x.rulesWatch.refreshQuietly('the hourly check')));
  }
}

// The live runner: one bot, one symbol, driven by closed candles from a Venue. The same code runs
// paper trading (SimVenue on live public candles), CSV replays (SimVenue on a file) and live
// trading (BybitVenue); only the venue differs. The decision core stays pure: the runner feeds it
// candles and fills in the order the backtest does and turns its intents into venue calls.
//
// Per closed candle, inside one serial lane (queue.ts):
//   1. settle: apply final orders (fills, rejections) to the core, refresh the account if a fill
//      made it stale, check that an open position still has its exchange-side stop;
//   2. the strategy sees the candle (signals muted during warm-up, as in the backtest);
//   3. the core decides; each intent is executed and awaited before the next candle.
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
import { intervalMs } from '../market/candle.ts';
import type { InstrumentRules } from '../market/instrument.ts';
import { NO_SIGNALS, type Signal } from '../strategy/strategy.ts';
import { DecisionCore } from '../core/core.ts';
import { deserializeState, serializeState, type CoreState, type WorkingEntry } from '../core/state.ts';
import type { Decision, DecisionKind, DecisionOutcome, ExitReason, Intent, Side } from '../core/types.ts';
import { entryLevels } from '../core/sizing.ts';
import { fmtDec, fmtTime } from '../core/format.ts';
import type { Logger } from '../log/index.ts';
import { UserError } from '../cli/exit.ts';
import type { NotificationEvent } from '../notify/index.ts';
import { nextStart } from '../venue/bybit/candles.ts';
import {
  InsufficientBalanceError, OrderNotFoundError, OrderRejectedError, VenueAuthError, VenueUnsupportedError,
} from '../venue/errors.ts';
import { isOpenStatus, type OrderRequest, type OrderState, type Unsubscribe, type VenueEvent } from '../venue/venue.ts';
import { AccountBook } from './account.ts';
import { botIdOf, orderLinkIdFor, purposeOf } from './ids.ts';
import { OrderBook, type TrackedOrder } from './orders.ts';
import { SerialQueue } from './queue.ts';
import { exitFromFills, reconcileAtStart, type FoundPosition } from './recover.ts';
import { mergeSavedState } from './restore.ts';
import { gracefulShutdown, type ShutdownReport } from './shutdown.ts';
import { closePaperOrders, emptySummary, formatRecovery, hasNews, journalClosingFills, settleJournalOrders, type RecoverySummary } from './reconcile-report.ts';
import type { CandleFeed, RunnerOptions, RunnerStatus, RunRecorder } from './types.ts';

export type { CandleFeed, RunnerOptions, RunnerStatus, RunRecorder } from './types.ts';

const ZERO = new Decimal(0);
/** Our own close orders per decision: the first and two retries for a partly filled rest. */
const MAX_CLOSE_ATTEMPTS = 3;
/** Decisions and processed candle times kept in memory (the journal has them all). */
const MAX_KEPT = 100_000;
/** A market order's fill normally arrives on the stream within milliseconds; after this, ask. */
const FILL_LOOKUP_MS = 1000;
const NONE_TRACKED: readonly TrackedOrder[] = [];

export class BotRunner {
  readonly botId: string;
  readonly book = new AccountBook();
  readonly orders = new OrderBook();
  /** Decisions after warm-up, in order; the first MAX_KEPT are kept, the rest only counted. */
  readonly decisions: Decision[] = [];
  readonly decisionCounts = { total: 0, entry: 0, exit: 0, skipped: 0 };
  core!: DecisionCore;
  rules!: InstrumentRules;
  private readonly queue: SerialQueue;
  private readonly log: Logger;
  private readonly step: number;
  private readonly live: boolean;
  private readonly feed: CandleFeed;
  private readonly now: () => number;
  private preload = 0;
  private bar = 0;
  private lastStart: number | null = null;
  private settleQueued = false;
  /** A trailing stop the exchange refused to take; retried on the next settle. */
  private stopToRetry: Decimal | null = null;
  /** Closes of a partly filled close's rest, queued but not done (the rest is not a stray position). */
  private remaindersPending = 0;
  /** Decisions of the candle being executed, published once its orders are sent. */
  private deferred: Decision[] | null = null;
  private reconcileNeeded = false;
  private unsubscribe: Unsubscribe | undefined;
  private offEvents: Unsubscribe | undefined;
  private stopped = false;
  private duplicates = 0;
  private errors = 0;
  /** Candle starts processed (the newest MAX_KEPT), for tests that assert none is seen twice. */
  readonly processed: number[] = [];
  private processedCount = 0;

  constructor(private readonly o: RunnerOptions) {
    this.botId = botIdOf(o.plan.name, o.plan.market.symbol);
    this.log = o.log.child({ bot: o.plan.name });
    this.step = intervalMs(o.plan.market.interval);
    this.live = o.mode === 'live';
    this.feed = o.candles ?? o.venue;
    this.now = o.now ?? Date.now;
    this.queue = new SerialQueue((e) => this.failed('internal error while processing', e));
  }

  get plan(): Plan {
    return this.o.plan;
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /** Instrument → leverage → reconcile → preload history → subscribe to closed candles. */
  async start(): Promise<void> {
    const { venue, plan, strategy } = this.o;
    const ex = plan.exits;
    if (this.live && plan.market.category === 'spot' && ex.placement === 'exchange' && (ex.stopLoss || ex.takeProfit || ex.trailingStop)) {
      // Bybit spot has no position to hang a stop on, so the runner could never verify one.
      throw new UserError(`${plan.specFile}: Bybit spot cannot hold a stop-loss or take-profit on a position; set \`risk.placement: bot\` so botctl exits on closed candles itself`);
    }
    await venue.start();
    this.rules = await venue.instrument();
    this.rebuildCore();
    if (plan.market.category === 'linear') await venue.setLeverage(plan.risk.leverage);
    this.offEvents = venue.onEvent((e) => this.onVenueEvent(e));

    const summary = emptySummary(plan.market.symbol);
    const existing = await reconcileAtStart(venue, this.botId, this.book, this.log, (what, e) => this.failed(what, e), summary);
    const journal = this.o.mode === 'replay' ? undefined : this.o.recorder?.recovery?.();
    if (journal && this.live) await settleJournalOrders(venue, this.botId, journal, summary, this.log, this.now(), undefined);
    else if (journal) closePaperOrders(journal, summary, this.now());

    this.preload = Math.max(strategy.preloadBars, strategy.warmupBars);
    const history = this.preload > 0 ? await this.feed.recentClosedCandles(this.preload) : [];
    for (const c of history) this.warmUp(c);
    this.log.info('history loaded', { candles: history.length, warmup: this.preload, last: this.lastStart === null ? null : new Date(this.lastStart).toISOString() });
    const saved = this.o.mode === 'replay' ? undefined : this.o.recorder?.savedCoreState?.();
    if (saved) this.restoreSaved(saved, existing, summary);
    if (existing) await this.adopt(existing, summary);
    else if (this.core.state.position) {
      const p = this.core.state.position;
      // Only live keeps a journaled position (restore.ts). Without closing fills (too old for the
      // exchange's history) no exit price is invented: the position is dropped without a P&L.
      const found = await journalClosingFills(venue, journal, p, summary, this.log);
      summary.closedWhileAway = { side: p.side, qty: p.qty, fromFills: found > 0 };
      if (found > 0) await this.recoverExit().catch((e) => this.failed('could not record the exit of the position closed while the bot was away', e));
      else {
        this.core.state.position = null;
        this.rebuildCore(this.core.snapshot());
      }
    }
    this.reportRecovery(summary);

    this.unsubscribe = await this.feed.subscribeCandles((c) => this.onClosedCandle(c), this.lastStart ?? undefined);
    this.log.info('waiting for closed candles', { symbol: plan.market.symbol, interval: plan.market.interval, mode: this.o.mode });
  }

  /** Stops taking candles, lets queued work finish, closes the venue's sockets. Idempotent. */
  /**
   * `graceful` (Ctrl-C, SIGTERM): working entries are cancelled and the open position is handled
   * as run.on_shutdown says (shutdown.ts); returns what was done. Without it (a failed start, a
   * fatal error) orders and position are left as they are for the next start to reconcile.
   */
  async stop(how: { graceful?: boolean } = {}): Promise<ShutdownReport | undefined> {
    if (this.stopped) return undefined;
    this.stopped = true;
    this.unsubscribe?.();
    await this.queue.idle();
    let report: ShutdownReport | undefined;
    if (how.graceful && this.core && this.rules && this.o.mode !== 'replay') {
      try {
        report = await gracefulShutdown({
          plan: this.o.plan, botId: this.botId, venue: this.o.venue, rules: this.rules, core: this.core, log: this.log, live: this.live,
          place: (req, purpose, reason) => this.place(req, purpose, reason),
          orderUpdate: (o) => this.journal((r) => r.orderUpdate?.(o)),
          now: this.now,
        });
        this.saveCore(this.now());
      } catch (e) {
        this.failed('shutdown could not finish', e);
      }
    } else {
      const p = this.core?.state.position;
      if (p && this.o.mode !== 'replay') {
        const where = this.o.plan.exits.placement === 'exchange' ? 'under its exchange-side stops' : 'WITHOUT exchange-side stops (placement: bot)';
        this.log.warn(`stopping with the ${p.side} ${fmtDec(p.qty)} open, ${where}`);
      }
    }
    this.offEvents?.();
    await this.o.venue.close();
    return report;
  }

  /** Resolves when every candle and event queued so far has been handled. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  status(): RunnerStatus {
    const p = this.book.position;
    const flat = p.side === 'flat' || p.size.isZero();
    return {
      bot: this.o.plan.name,
      symbol: this.o.plan.market.symbol,
      mode: this.o.mode,
      candles: this.processedCount,
      lastCandle: this.lastStart,
      nextCloseAt: this.lastStart === null ? null : nextStart(this.lastStart, this.o.plan.market.interval) + this.step,
      position: flat ? { side: 'flat', size: ZERO, avgPrice: ZERO } : {
        side: p.side, size: p.size, avgPrice: p.avgPrice, ...(p.stopLoss ? { stopLoss: p.stopLoss } : {}), ...(p.takeProfit ? { takeProfit: p.takeProfit } : {}),
      },
      equity: this.book.equity(),
      unrealised: this.book.unrealised(),
      realisedToday: this.core?.state.dayRealised ?? ZERO,
      decisions: this.decisionCounts.total,
      duplicatesSkipped: this.duplicates,
      errors: this.errors,
    };
  }

  // ---- candles ---------------------------------------------------------------------------------

  private warmUp(c: Candle): void {
    this.o.strategy.onCandle(c);
    this.book.markTo(c.close);
    this.core.onCandle(c, NO_SIGNALS, this.book);
    this.bar++;
    this.lastStart = c.start;
  }

  /** The feed's handler: queued, so candle N+1 waits for everything candle N started. */
  private onClosedCandle(c: Candle): Promise<void> {
    return this.queue.run(() => this.processCandle(c));
  }

  private async processCandle(c: Candle): Promise<void> {
    if (this.stopped) return;
    if (this.lastStart !== null && c.start <= this.lastStart) {
      this.duplicates++;
      this.log.warn('candle already processed; skipped', { candle: new Date(c.start).toISOString() });
      return;
    }
    if (this.lastStart !== null && c.start !== nextStart(this.lastStart, this.o.plan.market.interval)) {
      this.log.warn('candles missing before this one (the feed could not backfill them)', { after: new Date(this.lastStart).toISOString(), candle: new Date(c.start).toISOString() });
    }
    this.lastStart = c.start;
    if (this.processed.length >= MAX_KEPT) this.processed.splice(0, MAX_KEPT / 2);
    this.processed.push(c.start);
    this.processedCount++;
    await this.settle().catch((e) => this.failed('could not bring the account up to date before deciding', e));

    let signals: readonly Signal[] = this.o.strategy.onCandle(c);
    if (this.bar < this.preload) signals = NO_SIGNALS;
    this.book.markTo(c.close);
    const working = this.core.state.entryOrder;
    this.deferred = [];
    try {
      const intents = [...this.core.onCandle(c, signals, this.book)];
      this.bar++;
      let skipEntry = false;
      for (let i = 0; i < intents.length; i++) {
        const intent = intents[i] as Intent;
        if (this.stopped) break;
        const next = intents[i + 1];
        if (intent.kind === 'cancel_entry' && next?.kind === 'enter' && this.amendsOnTimeout() && (await this.amendEntry(next, working))) {
          i++; // the working order now carries the re-priced entry
          continue;
        }
        if (intent.kind === 'enter' && skipEntry) {
          this.decide(c, 'order', 'entry', 'skipped', 'the re-priced entry was not sent: the old order filled while being cancelled');
          this.core.state.entryOrder = null;
          continue;
        }
        const filledOnCancel = await this.execute(intent, c, working);
        if (filledOnCancel) skipEntry = true;
      }
    } finally {
      const list = this.deferred;
      this.deferred = null;
      for (const d of list) this.publish(d);
    }
    this.saveCore(c.start + this.step);
  }

  /** The core's state and the account into the journal: after each candle and each applied fill (a restart continues from it). */
  private saveCore(time: number): void {
    if (!this.o.recorder?.candle) return;
    const b = this.book;
    const state = serializeState(this.core.snapshot());
    this.journal((r) => r.candle?.(time, state, { equity: b.equity(), walletBalance: b.walletBalance, available: b.availableBalance }));
  }

  // ---- intents ---------------------------------------------------------------------------------

  /** Returns true when a cancelled entry turned out to have fills. */
  private async execute(intent: Intent, c: Candle, working: WorkingEntry | null): Promise<boolean> {
    switch (intent.kind) {
      case 'enter':
        await this.enter(intent, c);
        return false;
      case 'exit':
        await this.exit(intent.side, intent.reason, c);
        return false;
      case 'move_stop':
        await this.moveStop(intent.stopLoss, c);
        return false;
      case 'cancel_entry':
        return this.cancelEntry(working);
    }
  }

  private async enter(intent: Extract<Intent, { kind: 'enter' }>, c: Candle): Promise<void> {
    const link = orderLinkIdFor(this.botId, c.start, 'entry');
    const t = this.orders.track({
      key: link, purpose: 'entry', side: intent.side, reason: 'signal', qty: intent.qty,
      stopLoss: intent.onExchange ? intent.stopLoss : null, takeProfit: intent.onExchange ? intent.takeProfit : null,
    });
    const req: OrderRequest = { orderLinkId: link, side: intent.side === 'long' ? 'buy' : 'sell', type: intent.order.type, qty: intent.qty };
    if (intent.order.type === 'limit') req.price = intent.order.price;
    if (intent.onExchange) {
      if (intent.stopLoss) req.stopLoss = intent.stopLoss;
      if (intent.takeProfit) req.takeProfit = intent.takeProfit;
    }
    const closeTime = c.start + this.step;
    try {
      const st = await this.place(req, 'entry', 'signal');
      this.orders.update(t, st);
      this.lookUpLater(t);
      this.log.info('entry order placed', { orderLinkId: link, side: req.side, type: req.type, qty: req.qty.toFixed(), status: st.status });
    } catch (e) {
      if (e instanceof InsufficientBalanceError || e instanceof OrderRejectedError || e instanceof VenueUnsupportedError) {
        t.applied = true;
        this.log.warn('entry order refused', { orderLinkId: link, error: errText(e) });
        this.core.onEntryRejected(closeTime, e instanceof InsufficientBalanceError ? `not enough balance (${errText(e)})` : errText(e));
        return;
      }
      if (e instanceof VenueAuthError) throw e;
      // Sent but unanswered: the exchange may have it. Settle looks it up before anything else.
      t.unknown = true;
      this.failed(`entry order ${link} may or may not have reached the exchange; looking it up`, e);
      await this.settle().catch((err) => this.failed('lookup after an unanswered entry failed', err));
    }
  }

  private async exit(side: Side, reason: ExitReason, c: Candle): Promise<void> {
    const link = orderLinkIdFor(this.botId, c.start, 'exit');
    const p = this.book.position;
    const coreQty = this.core.state.position?.qty ?? ZERO;
    const qty = p.side === side && p.size.gt(0) ? p.size : coreQty;
    const t = this.orders.track({ key: link, purpose: 'exit', side, reason, stopLoss: null, takeProfit: null, qty });
    try {
      const st = await this.place({ orderLinkId: link, side: side === 'long' ? 'sell' : 'buy', type: 'market', qty, reduceOnly: true }, 'exit', reason);
      this.orders.update(t, st);
      this.lookUpLater(t);
      this.log.info('exit order placed', { orderLinkId: link, reason, qty: qty.toFixed(), status: st.status });
    } catch (e) {
      if (e instanceof VenueAuthError) throw e;
      if (e instanceof OrderRejectedError || e instanceof InsufficientBalanceError) {
        t.applied = true;
        // Most often the exchange stop closed the position first; settle will see it. Otherwise
        // the core may try again on the next candle.
        this.core.state.exitPending = null;
        this.decide(c, 'order', reason, 'rejected', `exit order refused: ${errText(e)}`);
        return;
      }
      t.unknown = true;
      this.failed(`exit order ${link} may or may not have reached the exchange; looking it up`, e);
      await this.settle().catch((err) => this.failed('lookup after an unanswered exit failed', err));
    }
  }

  private async moveStop(stopLoss: Decimal, c: Candle): Promise<void> {
    if (this.o.plan.exits.placement !== 'exchange') return;
    try {
      await this.o.venue.setTradingStop({ stopLoss });
      this.stopToRetry = null;
      this.log.info('trailing stop moved', { stopLoss: stopLoss.toFixed() });
      const side = this.core.state.position?.side;
      if (side) this.tell({ kind: 'stop_changed', time: c.start + this.step, side, stopLoss, reason: 'trailing stop' });
    } catch (e) {
      if (e instanceof VenueAuthError) throw e;
      this.stopToRetry = stopLoss;
      this.decide(c, 'order', 'trailing_stop', 'rejected', `trailing stop not moved to ${fmtDec(stopLoss)}: ${errText(e)}; the previous stop stays on the position (retried on the next candle)`);
    }
  }

  private amendsOnTimeout(): boolean {
    const eo = this.o.plan.entryOrder;
    return eo.type === 'limit' && eo.onTimeout === 'amend';
  }

  /**
   * on_timeout amend: re-price the working limit order in place. Only an untouched order is
   * amended; one with fills goes the cancel-then-new way, which settles the fills first.
   * Returns false to fall back to cancel + new order.
   */
  private async amendEntry(intent: Extract<Intent, { kind: 'enter' }>, working: WorkingEntry | null): Promise<boolean> {
    const t = this.orders.workingEntry();
    if (!t || !t.state || t.state.filledQty.gt(0) || intent.order.type !== 'limit') return false;
    const stops = intent.onExchange ? { ...(intent.stopLoss ? { stopLoss: intent.stopLoss } : {}), ...(intent.takeProfit ? { takeProfit: intent.takeProfit } : {}) } : {};
    let st: OrderState;
    try {
      st = await this.o.venue.amendOrder({ orderLinkId: t.key, price: intent.order.price, qty: intent.qty, ...stops });
    } catch (e) {
      if (e instanceof VenueAuthError) throw e;
      this.log.warn('re-pricing the entry in place failed; cancelling it and placing a new one', { orderLinkId: t.key, error: errText(e) });
      return false;
    }
    this.orders.update(t, st);
    if (!isOpenStatus(st.status) || st.filledQty.gt(0)) {
      // It filled (or ended) before the amend landed: what happened is the old order's business.
      t.working = working ?? undefined;
      this.core.state.entryOrder = null;
      this.log.warn('the entry order filled or ended before it could be re-priced', { orderLinkId: t.key, status: st.status });
      await this.settle();
      return true;
    }
    t.qty = intent.qty;
    t.stopLoss = intent.onExchange ? intent.stopLoss : null;
    t.takeProfit = intent.onExchange ? intent.takeProfit : null;
    this.log.info('entry order re-priced', { orderLinkId: t.key, price: intent.order.price.toFixed(), qty: intent.qty.toFixed() });
    return true;
  }

  private async cancelEntry(working: WorkingEntry | null): Promise<boolean> {
    const t = this.orders.workingEntry();
    if (!t) return false;
    t.cancelledByCore = true;
    if (working) t.working = working;
    try {
      const st = await this.o.venue.cancelOrder(t.key);
      this.orders.update(t, st);
    } catch (e) {
      if (e instanceof OrderNotFoundError) {
        t.applied = true;
        return false;
      }
      if (e instanceof VenueAuthError) throw e;
      this.failed(`cancelling entry order ${t.key} failed; checking its state`, e);
      const st = await this.o.venue.orderStatus(t.key).catch(() => undefined);
      if (st) this.orders.update(t, st);
    }
    const filled = t.state?.filledQty.gt(0) ?? false;
    if (filled) {
      this.log.warn('the entry order filled (partly) before the cancel; keeping the position under its stops', { orderLinkId: t.key, filled: t.state?.filledQty.toFixed() });
      await this.settle();
    }
    return filled;
  }

  /** Intent first, durably; an order the journal could not write down is not sent (it would be lost on a crash). */
  private async place(req: OrderRequest, purpose: string, reason: string): Promise<OrderState> {
    try {
      this.o.recorder?.orderIntent?.(req, purpose, reason, this.now());
    } catch (e) {
      this.errors++;
      this.log.error('journal write failed: the order is not sent', { orderLinkId: req.orderLinkId, error: errText(e) });
      throw new OrderRejectedError(`not sent: the journal could not record it first (${errText(e)})`);
    }
    return this.o.venue.placeOrder(req);
  }

  /** Journal writes never take the runner down; a failure is logged loudly. */
  private journal(write: (r: RunRecorder) => void): void {
    const r = this.o.recorder;
    if (!r) return;
    try {
      write(r);
    } catch (e) {
      this.errors++;
      this.log.error('journal write failed', { error: errText(e) });
    }
  }

  // ---- venue events and settling ---------------------------------------------------------------

  private onVenueEvent(e: VenueEvent): void {
    switch (e.kind) {
      case 'wallet':
        this.book.setWallet(e.equity);
        return;
      case 'position':
        this.book.setPosition(e.position);
        this.journal((r) => r.position?.(e.position));
        return;
      case 'connection':
        if (e.stream === 'account' && e.state === 'up') {
          this.reconcileNeeded = true;
          this.requestSettle();
        }
        return;
      case 'fill': {
        this.book.sawFill();
        if (purposeOf(this.botId, e.fill.orderLinkId) || e.fill.orderLinkId === '') this.journal((r) => r.fill?.(e.fill));
        const t = this.trackedFor(e.fill.orderLinkId, e.fill.orderId, e.fill.side === 'buy' ? 'short' : 'long');
        if (t) {
          this.orders.sawFill(t, e.fill);
          this.requestSettle();
        }
        return;
      }
      case 'order': {
        const o = e.order;
        const t = this.trackedFor(o.orderLinkId, o.orderId, o.side === 'buy' ? 'short' : 'long', o.origin);
        if (!t) return;
        // Exchange-side stop/target closes have no orderLinkId; the journal keeps them by exchange id
        // so `botctl trades` can say what closed the position.
        if (o.orderLinkId || o.origin !== 'user') this.journal((r) => r.orderUpdate?.(o));
        if (t.purpose === 'exchange') t.reason = this.exitReasonOf(o.origin);
        if (this.orders.update(t, o) || o.filledQty.gt(0)) this.requestSettle();
      }
    }
  }

  private trackedFor(link: string, orderId: string, closingSide: Side, origin?: OrderState['origin']): TrackedOrder | undefined {
    if (link) return purposeOf(this.botId, link) ? this.orders.get(link) : undefined;
    if (origin === 'user') return undefined;
    // The exchange's own close of our position (stop-loss, take-profit, trailing stop).
    return this.orders.exchangeOrder(orderId, closingSide);
  }

  private exitReasonOf(origin: OrderState['origin']): ExitReason {
    if (origin === 'takeProfit') return 'take_profit';
    if (origin === 'trailingStop') return 'trailing_stop';
    return this.core?.state.position?.stopKind ?? 'stop_loss';
  }

  /** Live market orders: if the stream has not reported the outcome soon, settle asks over REST. */
  private lookUpLater(t: TrackedOrder): void {
    if (!this.live || t.state?.type !== 'market') return;
    setTimeout(() => {
      if (!t.applied) this.requestSettle();
    }, FILL_LOOKUP_MS).unref();
  }

  private requestSettle(): void {
    if (this.settleQueued || this.stopped || !this.core) return;
    this.settleQueued = true;
    void this.queue.run(async () => {
      this.settleQueued = false;
      await this.settle();
    });
  }

  /** Brings the core and the account up to date with what the exchange did. */
  private async settle(): Promise<void> {
    const venue = this.o.venue;
    const reconcile = this.reconcileNeeded && this.live;
    if (reconcile) {
      this.reconcileNeeded = false;
      this.book.setPosition(await venue.position());
      this.book.setWallet(await venue.equity());
      this.log.info('account stream back: position and wallet re-read');
    }
    for (const t of this.orders.hasUnsettled() ? this.orders.unsettled() : NONE_TRACKED) {
      // Unanswered placements always; open orders only when the stream may have missed their end.
      if (!t.unknown && !this.live) continue;
      if (!t.unknown && t.state && !reconcile && !this.reconcileNeededFor(t)) continue;
      const st = await venue.orderStatus(t.key);
      if (st) this.orders.update(t, st);
      else if (t.unknown) {
        t.applied = true;
        this.log.warn('the exchange has no such order: it was never placed', { orderLinkId: t.key });
        if (t.purpose === 'entry' && this.core.state.entryOrder) this.core.onEntryRejected(this.now(), 'the order never reached the exchange (no answer, and the exchange does not know it)');
        if (t.purpose !== 'entry' && this.core.state.position) {
          this.core.state.exitPending = null;
          const p = this.core.state.position;
          this.decideAt(this.now(), 'order', t.reason, 'rejected', `the close of the ${p.side} never reached the exchange (no answer, and the exchange does not know it): the position stays open${p.stopLoss ? ` under its stop-loss ${fmtDec(p.stopLoss)}` : ''}; the next exit decision closes it`);
        }
      }
    }
    let enteredNow = false;
    const done = this.orders.takeDone();
    for (const t of done) enteredNow = this.apply(t) || enteredNow;
    if (done.length) this.saveCore(this.now());
    this.orders.prune();
    if (this.book.stale) {
      this.book.setWallet(await venue.equity());
      this.book.setPosition(await venue.position());
    }
    // Each step is awaited only when it has something to do: a candle with nothing to settle
    // reaches the strategy (and its order) without three idle promise round trips.
    if (this.core.state.position !== null) await this.checkPosition(enteredNow);
    if (this.stopToRetry !== null) await this.retryStop();
    if (this.mayHoldStray()) await this.adoptStray();
  }

  /** A trailing-stop move the exchange refused is tried again while the position lasts. */
  private async retryStop(): Promise<void> {
    const want = this.stopToRetry;
    if (want === null) return;
    const p = this.core.state.position;
    if (p === null || p.stopLoss === null || !p.stopLoss.eq(want)) {
      this.stopToRetry = null;
      return;
    }
    try {
      await this.o.venue.setTradingStop({ stopLoss: want });
      this.stopToRetry = null;
      this.log.info('trailing stop moved on retry', { stopLoss: want.toFixed() });
    } catch (e) {
      if (e instanceof VenueAuthError) throw e;
      this.log.warn('trailing stop still refused; the previous stop stays', { stopLoss: want.toFixed(), error: errText(e) });
    }
  }

  /**
   * Live: a position on the exchange the core knows nothing about (opened by hand, or by an order
   * that surfaced after it was written off) is taken over like one found at startup, never ignored.
   */
  private mayHoldStray(): boolean {
    if (!this.live || this.o.plan.market.category !== 'linear') return false;
    const s = this.core.state;
    if (s.position !== null || s.entryOrder !== null || this.remaindersPending > 0 || this.orders.hasUnsettled()) return false;
    const cached = this.book.position;
    return !(cached.side === 'flat' || cached.size.isZero());
  }

  private async adoptStray(): Promise<void> {
    if (!this.mayHoldStray()) return;
    const pos = await this.o.venue.position();
    this.book.setPosition(pos);
    if (pos.side === 'flat' || pos.size.isZero()) return;
    this.log.warn('a position the bot did not open is on the exchange; the bot takes it over', { side: pos.side, size: pos.size.toFixed() });
    await this.adopt({ side: pos.side, size: pos.size, avgPrice: pos.avgPrice, ...(pos.stopLoss ? { stopLoss: pos.stopLoss } : {}), ...(pos.takeProfit ? { takeProfit: pos.takeProfit } : {}) });
  }

  private reconcileNeededFor(t: TrackedOrder): boolean {
    // A market order is final within milliseconds; still open a candle later means we missed it.
    return t.state?.type === 'market';
  }

  /** Tells the core about one final order. Returns true for an entry that opened a position. */
  private apply(t: TrackedOrder): boolean {
    t.applied = true;
    const s = t.state as OrderState;
    const filled = s.filledQty;
    const time = s.updatedAt;
    if (t.purpose === 'entry') {
      if (filled.gt(0)) {
        if (this.core.state.entryOrder === null && t.working) this.core.state.entryOrder = t.working;
        const price = s.avgFillPrice ?? s.price ?? ZERO;
        this.core.onFill({
          time, kind: 'entry', side: t.side, qty: filled, price, fee: s.fee,
          liquidity: (t.maker ?? s.type === 'limit') ? 'maker' : 'taker', reason: 'signal',
        });
        const pos = this.core.state.position;
        this.tell({
          kind: 'entry', time, side: t.side, qty: filled, price, reason: 'signal',
          ...(pos?.stopLoss ? { stopLoss: pos.stopLoss } : {}), ...(pos?.takeProfit ? { takeProfit: pos.takeProfit } : {}),
        });
        if (filled.lt(s.qty)) {
          this.decideAt(time, 'order', 'entry', 'filled', `entry order filled ${fmtDec(filled)} of ${fmtDec(s.qty)} (${s.status}); the position's stops cover the filled ${fmtDec(filled)}`);
        }
        return true;
      }
      if (!t.cancelledByCore) this.core.onEntryRejected(time, `entry order ${s.status.toLowerCase()}${s.reason ? `: ${s.reason}` : ''}`);
      return false;
    }
    if (filled.gt(0)) {
      const p = this.core.state.position;
      // An exchange close older than the position (a late repeat of an old stop) is not its exit.
      if (p && (t.purpose !== 'exchange' || time >= p.entryTime)) {
        const price = s.avgFillPrice ?? ZERO;
        const before = this.core.state.dayRealised;
        this.core.onFill({ time, kind: 'exit', side: p.side, qty: filled, price, fee: s.fee, liquidity: 'taker', reason: t.reason });
        this.tell({ kind: 'exit', time, side: p.side, qty: filled, price, pnl: this.core.state.dayRealised.sub(before), reason: t.reason });
      }
      if (t.purpose !== 'exchange' && filled.lt(s.qty)) {
        this.remaindersPending++;
        void this.queue.run(() => this.closeRemainder(t, filled, s.qty).finally(() => this.remaindersPending--));
      }
    } else if (t.purpose !== 'exchange' && this.core.state.position) {
      // Our close did nothing (e.g. cancelled, nothing to reduce): let the core decide again.
      this.core.state.exitPending = null;
    }
    return false;
  }

  /**
   * Our close filled only partly (IOC remainder cancelled): the rest is closed at market too, a
   * couple of times at most. Until then the position keeps its whole-position stop on the exchange.
   */
  private async closeRemainder(t: TrackedOrder, filled: Decimal, asked: Decimal): Promise<void> {
    const pos = await this.o.venue.position();
    this.book.setPosition(pos);
    if (pos.side !== t.side || pos.size.isZero()) return;
    const attempt = Number(/(\d+)$/.exec(t.key)?.[1] ?? 1) + 1;
    if (attempt > MAX_CLOSE_ATTEMPTS) {
      this.failed(`the ${t.side} could not be closed completely: ${fmtDec(pos.size)} remains on the exchange under its stop-loss`, new Error('close attempts exhausted'));
      return;
    }
    this.decideAt(this.now(), 'order', t.reason, 'exit', `close order filled ${fmtDec(filled)} of ${fmtDec(asked)}: closing the remaining ${fmtDec(pos.size)} at market`);
    const start = this.lastStart ?? 0;
    const link = orderLinkIdFor(this.botId, start, t.purpose === 'protect' ? 'protect' : 'exit', attempt);
    const rest = this.orders.track({ key: link, purpose: t.purpose, side: t.side, reason: t.reason, stopLoss: null, takeProfit: null, qty: pos.size });
    try {
      this.orders.update(rest, await this.place({ orderLinkId: link, side: t.side === 'long' ? 'sell' : 'buy', type: 'market', qty: pos.size, reduceOnly: true }, 'exit', `rest of a partly filled close (${t.reason})`));
    } catch (e) {
      rest.unknown = !(e instanceof OrderRejectedError);
      if (!rest.unknown) rest.applied = true;
      this.failed(`closing the remaining ${fmtDec(pos.size)} failed`, e);
    }
  }

  /**
   * A position the core believes in must exist on the exchange with its stops; a position the
   * exchange closed without us seeing the order must be recorded as closed.
   */
  private async checkPosition(afterEntry: boolean): Promise<void> {
    const p = this.core.state.position;
    if (p === null) return;
    if (!this.live && !afterEntry) return;
    const wantStop = this.o.plan.exits.placement === 'exchange' ? p.stopLoss : null;
    const wantTarget = this.o.plan.exits.placement === 'exchange' ? p.takeProfit : null;
    const cached = this.book.position;
    const looksFine = cached.side === p.side && cached.size.gt(0) && (!wantStop || cached.stopLoss) && (!wantTarget || cached.takeProfit);
    if (looksFine && !afterEntry) return;
    const pos = await this.o.venue.position();
    this.book.setPosition(pos);
    if (pos.side === 'flat' || pos.size.isZero()) {
      if (afterEntry) return; // stopped out at once; the close arrives as its own order
      await this.recoverExit();
      return;
    }
    const missStop = Boolean(wantStop && !pos.stopLoss);
    const missTarget = Boolean(wantTarget && !pos.takeProfit);
    if (!missStop && !missTarget) return;
    const what = [missStop ? `stop-loss ${fmtDec(wantStop as Decimal)}` : '', missTarget ? `take-profit ${fmtDec(wantTarget as Decimal)}` : ''].filter(Boolean).join(' and ');
    try {
      await this.o.venue.setTradingStop({ ...(missStop ? { stopLoss: wantStop } : {}), ...(missTarget ? { takeProfit: wantTarget } : {}) });
      this.decideAt(this.now(), 'protection', 'stop_loss', 'none', `the ${p.side} position had no ${what} on the exchange: set with trading-stop`);
    } catch (e) {
      if (e instanceof VenueAuthError) throw e;
      if (!missStop) {
        this.decideAt(this.now(), 'protection', 'take_profit', 'none', `the ${p.side} position has no take-profit on the exchange and setting it failed (${errText(e)}); the stop-loss is in place`);
        return;
      }
      this.log.error('position without its stop-loss and trading-stop failed: closing it at market', { error: errText(e) });
      this.decideAt(this.now(), 'protection', 'stop_loss', 'exit', `the ${p.side} position had no ${what} on the exchange and trading-stop failed (${errText(e)}): closing it at market rather than leave it unprotected`);
      await this.protectiveClose(pos.size, p.side);
    }
  }

  private async protectiveClose(size: Decimal, side: Side): Promise<void> {
    const link = orderLinkIdFor(this.botId, this.lastStart ?? 0, 'protect');
    const t = this.orders.track({ key: link, purpose: 'protect', side, reason: 'stop_loss', stopLoss: null, takeProfit: null, qty: size });
    this.core.state.exitPending = 'stop_loss';
    try {
      const st = await this.place({ orderLinkId: link, side: side === 'long' ? 'sell' : 'buy', type: 'market', qty: size, reduceOnly: true }, 'exit', 'protective close: no stop-loss on the position');
      this.orders.update(t, st);
    } catch (e) {
      t.unknown = !(e instanceof OrderRejectedError);
      this.failed(`protective close ${link} failed: the position may be open without a stop-loss`, e);
    }
  }

  /** The exchange is flat but the core still holds a position: find the closing fills. */
  private async recoverExit(): Promise<void> {
    const p = this.core.state.position;
    if (!p) return;
    const fills = await this.o.venue.fills(p.entryTime);
    const exit = exitFromFills(p, fills, this.rules.tickSize, this.book.lastClose, this.now());
    this.log.warn('the exchange closed the position while the stream was away; recorded from the fill history', { fills: exit.fills, reason: exit.reason });
    this.core.onFill({ time: exit.time, kind: 'exit', side: p.side, qty: p.qty, price: exit.price, fee: exit.fee, liquidity: 'taker', reason: exit.reason });
  }

  // ---- startup reconciliation ------------------------------------------------------------------

  /** An open position found at startup is managed, never ignored: the core takes it over. */
  private async adopt(p: FoundPosition, summary?: RecoverySummary): Promise<void> {
    if (p.avgPrice.isZero()) {
      this.log.warn('the account holds the traded coin without an entry price (spot); botctl does not manage that holding', { size: p.size.toFixed() });
      return;
    }
    // The journal's position (restored by restoreSaved): its levels, a trailed stop included, come first.
    const known = this.core.state.position?.side === p.side ? this.core.state.position : null;
    let stopLoss = p.stopLoss ?? null;
    let takeProfit = p.takeProfit ?? null;
    const set: string[] = [];
    let failed: string | undefined;
    const time = this.lastStart !== null ? this.lastStart + this.step : this.now();
    if (this.o.plan.exits.placement === 'exchange' && (!stopLoss || !takeProfit)) {
      const levels = entryLevels(this.o.plan, this.rules, p.side, p.avgPrice, this.core.atr);
      const sl = stopLoss ? undefined : known?.stopLoss ?? (levels.ok ? levels.value.stopLoss ?? undefined : undefined);
      const tp = takeProfit ? undefined : known?.takeProfit ?? (levels.ok ? levels.value.takeProfit ?? undefined : undefined);
      if (sl || tp) {
        try {
          await this.o.venue.setTradingStop({ ...(sl ? { stopLoss: sl } : {}), ...(tp ? { takeProfit: tp } : {}) });
          stopLoss = stopLoss ?? sl ?? null;
          takeProfit = takeProfit ?? tp ?? null;
          if (sl) set.push(`stop-loss ${fmtDec(sl)}`);
          if (tp) set.push(`take-profit ${fmtDec(tp)}`);
        } catch (e) {
          failed = `setting ${sl ? `stop-loss ${fmtDec(sl)}` : `take-profit ${fmtDec(tp as Decimal)}`} failed (${errText(e)})`;
          this.failed('could not put the plan\'s stops on the existing position', e);
        }
      }
    }
    if (summary) summary.position = { side: p.side, size: p.size, avgPrice: p.avgPrice, known: known !== null, stopLoss, takeProfit, set, ...(failed ? { failed } : {}) };
    if (known) {
      // Resumed, not a new entry: no entry cooldown or trade count again; the exchange's size and levels win.
      known.qty = p.size;
      known.entryPrice = p.avgPrice;
      known.stopLoss = stopLoss ?? known.stopLoss;
      known.takeProfit = takeProfit ?? known.takeProfit;
      this.rebuildCore(this.core.snapshot());
      this.decideAt(time, 'order', 'entry', 'filled',
        `resumed the ${p.side} ${fmtDec(p.size)} at ${fmtDec(p.avgPrice)} from the journal${known.stopLoss ? `, stop ${fmtDec(known.stopLoss)}` : ', no stop-loss'}${known.takeProfit ? `, target ${fmtDec(known.takeProfit)}` : ''}${set.length ? ` (${set.join(' and ')} set: missing on the exchange)` : ''}`);
      return;
    }
    this.core.state.entryOrder = {
      side: p.side, qty: p.size, order: { type: 'market' }, refPrice: p.avgPrice, stopLoss, takeProfit, sentBar: this.core.state.bar, sentTime: time,
    };
    this.core.onFill({ time, kind: 'entry', side: p.side, qty: p.size, price: p.avgPrice, fee: ZERO, liquidity: 'taker', reason: 'signal' });
    this.decideAt(time, 'order', 'entry', 'filled',
      `adopted the ${p.side} ${fmtDec(p.size)} at ${fmtDec(p.avgPrice)} already open on the exchange${stopLoss ? `, stop ${fmtDec(stopLoss)}` : ', no stop-loss'}${takeProfit ? `, target ${fmtDec(takeProfit)}` : ''}`);
  }

  // ---- crash recovery (restore.ts, reconcile-report.ts) ------------------------------------------

  /** A new core on `state` (or a fresh one); the float caches of the position follow. */
  private rebuildCore(state?: CoreState): void {
    this.core = new DecisionCore(this.o.plan, this.rules, (d) => {
      if (this.bar >= this.preload) this.record(d); // warm-up decisions are discarded, as in the backtest
    }, state);
  }

  /** Continues the previous run's cooldowns, protections and position details from the journal. */
  private restoreSaved(text: string, existing: FoundPosition | undefined, summary: RecoverySummary): void {
    let saved: CoreState;
    try {
      saved = deserializeState(text);
    } catch (e) {
      this.failed('the journal\'s saved core state is unreadable; starting without cooldowns and protections', e);
      return;
    }
    const r = mergeSavedState(this.core.snapshot(), saved, this.step, this.live);
    if (r.position && existing && existing.side === r.position.side) {
      // The exchange is the truth for size and price; its levels replace the journal's where it has them.
      r.position.qty = existing.size;
      r.position.entryPrice = existing.avgPrice;
      if (existing.stopLoss) r.position.stopLoss = existing.stopLoss;
      if (existing.takeProfit) r.position.takeProfit = existing.takeProfit;
    } else if (r.position && existing) {
      r.state.position = null; // the exchange holds the other side: adopted as found
    }
    this.rebuildCore(r.state);
    const s = r.state;
    for (const c of r.cooldowns) {
      summary.cooldowns.push(c.untilBar !== null ? `cooldown after ${c.cause} (${c.untilBar - s.bar - 1} bar${c.untilBar - s.bar - 1 === 1 ? '' : 's'} left)` : `cooldown after ${c.cause} (until ${fmtTime(c.untilMs as number)})`);
    }
    if (s.dailyLossPausedDay !== null && s.dailyLossPausedDay === s.day) summary.protections.push('daily loss pause');
    if (s.tradesPausedDay !== null && s.tradesPausedDay === s.day) summary.protections.push('max trades per day pause');
    if (s.drawdownPause) summary.protections.push('max drawdown pause');
  }

  private reportRecovery(summary: RecoverySummary): void {
    if (!hasNews(summary)) return;
    const text = formatRecovery(summary);
    this.log.warn(text);
    this.journal((r) => r.recovered?.(summary, this.now()));
  }

  // ---- records ---------------------------------------------------------------------------------

  private record(d: Decision): void {
    const n = this.decisionCounts;
    n.total++;
    if (d.outcome === 'entry' || d.outcome === 'exit' || d.outcome === 'skipped') n[d.outcome]++;
    if (this.decisions.length < MAX_KEPT) this.decisions.push(d);
    if (this.deferred) this.deferred.push(d);
    else this.publish(d);
  }

  /** Log line, journal row, notification: after the candle's orders are out (they cost time). */
  private publish(d: Decision): void {
    if (d.kind === 'protection') this.tell({ kind: 'protection', time: d.time, protection: String(d.action), message: d.reason });
    this.o.onDecision?.(d);
    this.journal((r) => r.decision(d));
    const level = d.outcome === 'rejected' || (d.kind === 'protection' && d.outcome === 'exit') ? 'warn' : 'info';
    if (this.log.isLevelEnabled(level)) this.log[level](`decision: ${d.text}`, { kind: d.kind, action: d.action, outcome: d.outcome, candle: new Date(d.candle).toISOString() });
  }

  private tell(e: DistributiveOmit<NotificationEvent, 'bot' | 'symbol' | 'mode'>): void {
    const notify = this.o.notify;
    if (!notify || this.o.mode === 'replay') return;
    notify({ ...e, bot: this.o.plan.name, symbol: this.o.plan.market.symbol, mode: this.o.mode } as NotificationEvent);
  }

  private decide(c: Candle, kind: DecisionKind, action: Decision['action'], outcome: DecisionOutcome, reason: string): void {
    this.record({ time: c.start + this.step, candle: c.start, kind, action, outcome, reason, text: `${fmtTime(c.start)} ${reason}` });
  }

  private decideAt(time: number, kind: DecisionKind, action: Decision['action'], outcome: DecisionOutcome, reason: string): void {
    this.record({ time, candle: this.lastStart ?? time, kind, action, outcome, reason, text: `${fmtTime(time)} ${reason}` });
  }

  private failed(what: string, e: unknown): void {
    this.errors++;
    const text = errText(e);
    this.log.error(what, { error: text });
    this.o.recorder?.error?.(`${what}: ${text}`, this.now());
    this.tell({ kind: 'error', time: this.now(), message: `${what}: ${text}`, source: 'runner' });
    if (e instanceof VenueAuthError) this.o.onFatal?.(e);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

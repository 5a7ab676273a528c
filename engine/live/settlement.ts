// Order settlement: bringing the core up to date with what the exchange did. Orders whose fate is
// unknown are looked up first; final orders are applied to the core once each, oldest first
// (fills → entries and exits, refusals → the core may decide again); a close that did not close
// everything is handed back to exits.ts, which tries again. Then the position is checked (protection.ts) and a
// position nobody opened is taken over (reconcile.ts). Runs in the bot's serial lane.
import { Decimal } from 'decimal.js';
import { fmtDec } from '../core/format.ts';
import type { OrderState } from '../venue/venue.ts';
import type { LiveContext } from './context.ts';
import { purposeOf } from './ids.ts';
import type { TrackedOrder } from './orders.ts';
import { emptySummary, settleJournalOrders } from './reconcile-report.ts';
import { errText } from './records.ts';

const ZERO = new Decimal(0);
/** A market order's fill normally arrives on the stream within milliseconds; after this, ask. */
const FILL_LOOKUP_MS = 1000;
const NONE_TRACKED: readonly TrackedOrder[] = [];
/** The exchange's clock and ours differ a little: history is read from a little earlier. */
const CLOCK_MARGIN_MS = 60_000;

export class Settlement {
  private settleQueued = false;
  /** Orders whose fills the stream did not deliver; read from the history, again on later settles if that fails. */
  private readonly unjournaled: OrderState[] = [];
  /** Read the position over REST at the next settle (live, after each candle in a position). */
  private verifyNext = false;

  constructor(private readonly x: LiveContext) {}

  /** Live market orders: if the stream has not reported the outcome soon, settle asks over REST. */
  lookUpLater(t: TrackedOrder): void {
    if (!this.x.live || t.state?.type !== 'market') return;
    setTimeout(() => {
      if (!t.applied) this.requestSettle();
    }, FILL_LOOKUP_MS).unref();
  }

  /**
   * Live, in a position: once per candle, after its orders are out, the position is read over REST
   * (one cheap call, off the order path): a stop-out, liquidation or ADL the account stream never
   * pushed is found within a candle, not at the next refused exit.
   */
  verifyPosition(): void {
    this.verifyNext = true;
    this.requestSettle();
  }

  requestSettle(): void {
    const x = this.x;
    if (this.settleQueued || x.stopped || !x.core) return;
    this.settleQueued = true;
    void x.queue.run(async () => {
      this.settleQueued = false;
      await this.settle();
    });
  }

  /**
   * Nothing for settle() to do: no order in flight or ended, the book current, no position to
   * check, no close or stop to retry, nothing to re-read. Most candles of a flat bot; checked
   * first so such a candle costs no settle call (a replay runs millions of them). Every
   * condition settle() acts on below must keep this false.
   */
  get idle(): boolean {
    const x = this.x;
    return !x.live && !this.verifyNext && this.unjournaled.length === 0 && x.core.state.position === null
      && !x.orders.hasDone() && !x.book.stale && x.protection.stopToRetry === null && !x.exits.active
      && !x.reconciler.mayHoldStray() && !x.orders.hasUnsettled();
  }

  /** Brings the core and the account up to date with what the exchange did. */
  async settle(): Promise<void> {
    const x = this.x;
    const venue = x.venue;
    const reconcile = x.stream.reconcileNeeded && x.live;
    if (reconcile) {
      x.stream.reconcileNeeded = false;
      x.book.setPosition(await venue.position());
      x.book.setWallet(await venue.equity());
      x.log.info('account stream back: position and wallet re-read');
      const since = x.stream.downSince;
      x.stream.downSince = null;
      if (since !== null) await this.journalSince(since);
    } else if (this.verifyNext && x.live && x.core.state.position !== null) {
      x.book.setPosition(await venue.position());
    }
    this.verifyNext = false;
    for (const t of x.orders.hasUnsettled() ? x.orders.unsettled() : NONE_TRACKED) {
      // Unanswered placements always; open orders only when the stream may have missed their end.
      if (!t.unknown && !x.live) continue;
      if (!t.unknown && t.state && !reconcile && !this.reconcileNeededFor(t)) continue;
      const st = await venue.orderStatus(t.key);
      if (st) x.orders.update(t, st);
      else if (t.unknown) {
        t.applied = true;
        const why = `${t.unknownWhy ?? 'no answer'}, and the exchange does not know it`;
        x.log.warn('the exchange has no such order: it was never placed', { orderLinkId: t.key });
        x.records.journal((r) => r.neverPlaced?.(t.key, why, x.now()));
        if (t.purpose === 'entry' && x.core.state.entryOrder) x.core.onEntryRejected(x.now(), `the order never reached the exchange (${why})`);
        if (t.purpose !== 'entry' && !x.exits.attemptFailed(t, `it never reached the exchange (${why})`)) x.core.state.exitPending = null;
      }
    }
    let enteredNow = false;
    const done = x.orders.takeDone();
    // Fills the stream never delivered (it was down or silent; the order's end came over REST):
    // read from the history so the journal, which trades are built from, has every one.
    // They moved the position too, and the book has not heard of it: it is read again below.
    for (const t of done) {
      if (x.live && t.state && t.state.filledQty.gt(t.seenQty ?? ZERO)) {
        this.unjournaled.push(t.state);
        x.book.sawFill();
      }
    }
    if (this.unjournaled.length > 0) await this.journalMissedFills();
    for (const t of done) enteredNow = this.apply(t) || enteredNow;
    if (done.length) x.records.saveCore(x.now());
    x.orders.prune();
    if (x.book.stale) {
      x.book.setWallet(await venue.equity());
      x.book.setPosition(await venue.position());
    }
    // Each step is awaited only when it has something to do: a candle with nothing to settle
    // reaches the strategy (and its order) without three idle promise round trips.
    if (x.core.state.position !== null) await x.protection.checkPosition(enteredNow);
    if (x.protection.stopToRetry !== null) await x.protection.retryStop();
    if (x.exits.active) x.exits.check();
    if (x.reconciler.mayHoldStray()) await x.reconciler.adoptStray();
  }

  /**
   * A graceful stop: an order whose outcome the stream has not brought yet (a fill racing Ctrl-C)
   * is looked up, booked into the core, and written into the journal with its fills, so the journal
   * closes with every order's final state and the next start resumes what the exchange holds.
   */
  async beforeShutdown(): Promise<void> {
    const x = this.x;
    if (!x.live) return;
    await this.settle().catch((e) => x.records.failed('could not bring the account up to date before shutting down', e));
    const journal = x.o.recorder?.recovery?.();
    if (!journal) return;
    const summary = emptySummary(x.plan.market.symbol);
    await settleJournalOrders(x.venue, x.botId, journal, summary, x.log, x.now(), undefined);
    const settled = summary.journalOrders.map((o) => `${o.orderLinkId} ${o.was} → ${o.now}`);
    if (settled.length || summary.fillsAdded) x.log.info('journal brought up to date before shutdown', { orders: settled, fillsAdded: summary.fillsAdded });
  }

  private async journalMissedFills(): Promise<void> {
    const x = this.x;
    const orders = this.unjournaled;
    try {
      const fills = await x.venue.fills(Math.min(...orders.map((o) => o.createdAt)) - CLOCK_MARGIN_MS);
      const ids = new Set(orders.map((o) => o.orderId));
      for (const f of fills) if (ids.has(f.orderId)) x.records.journal((r) => r.fill?.(f));
      orders.length = 0;
    } catch (e) {
      x.log.warn('could not read the fills the stream missed; trying again at the next settle', { orders: orders.map((o) => o.orderLinkId || o.orderId), error: errText(e) });
    }
  }

  /** After the account stream was down since `since`: everything it would have pushed that the journal keeps (our fills, the exchange's closes, funding). */
  async journalSince(since: number): Promise<void> {
    const x = this.x;
    try {
      for (const f of await x.venue.fills(since - CLOCK_MARGIN_MS)) {
        if (purposeOf(x.botId, f.orderLinkId) || f.orderLinkId === '') x.records.journal((r) => r.fill?.(f));
      }
    } catch (e) {
      x.log.warn('could not read the fills of the time the account stream was down; the journal may lack them', { error: errText(e) });
    }
  }

  private reconcileNeededFor(t: TrackedOrder): boolean {
    // A market order is final within milliseconds; still open a candle later means we missed it.
    return t.state?.type === 'market';
  }

  /** Tells the core about one final order. Returns true for an entry that opened a position. */
  private apply(t: TrackedOrder): boolean {
    const x = this.x;
    t.applied = true;
    const s = t.state as OrderState;
    const filled = s.filledQty;
    const time = s.updatedAt;
    if (t.purpose === 'entry') {
      if (filled.gt(0)) {
        if (x.core.state.entryOrder === null && t.working) x.core.state.entryOrder = t.working;
        const price = s.avgFillPrice ?? s.price ?? ZERO;
        x.core.onFill({
          time, kind: 'entry', side: t.side, qty: filled, price, fee: s.fee,
          liquidity: (t.maker ?? s.type === 'limit') ? 'maker' : 'taker', reason: 'signal',
        });
        const pos = x.core.state.position;
        x.records.tell({
          kind: 'entry', time, side: t.side, qty: filled, price, reason: 'signal',
          ...(pos?.stopLoss ? { stopLoss: pos.stopLoss } : {}), ...(pos?.takeProfit ? { takeProfit: pos.takeProfit } : {}),
        });
        if (filled.lt(s.qty)) {
          x.records.decideAt(time, 'order', 'entry', 'filled', `entry order filled ${fmtDec(filled)} of ${fmtDec(s.qty)} (${s.status}); the position's stops cover the filled ${fmtDec(filled)}`);
        }
        return true;
      }
      if (!t.cancelledByCore) x.core.onEntryRejected(time, `entry order ${s.status.toLowerCase()}${s.reason ? `: ${s.reason}` : ''}`);
      return false;
    }
    if (filled.gt(0)) {
      const p = x.core.state.position;
      // An exchange close older than the position (a late repeat of an old stop) is not its exit.
      if (p && (t.purpose !== 'exchange' || time >= p.entryTime)) {
        const price = s.avgFillPrice ?? ZERO;
        const before = x.core.state.dayRealised;
        x.core.onFill({ time, kind: 'exit', side: p.side, qty: filled, price, fee: s.fee, liquidity: 'taker', reason: t.reason });
        x.records.tell({ kind: 'exit', time, side: p.side, qty: filled, price, pnl: x.core.state.dayRealised.sub(before), reason: t.reason });
      }
      // Ours filled partly (IOC rest cancelled): the rest is closed at once (exits.ts).
      if (t.purpose !== 'exchange' && filled.lt(s.qty)) x.exits.attemptFailed(t, 'partly filled', { filled, asked: s.qty });
      else if (t.purpose !== 'exchange') x.exits.filled(t);
    } else if (t.purpose !== 'exchange') {
      // Our close did nothing (e.g. cancelled, nothing to reduce): tried again while the position lasts.
      const why = `the close order ended ${s.status.toLowerCase()} without a fill${s.reason ? ` (${s.reason})` : ''}`;
      if (!x.exits.attemptFailed(t, why) && x.core.state.position) x.core.state.exitPending = null;
    }
    return false;
  }
}

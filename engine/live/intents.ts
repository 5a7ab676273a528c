// The core's intents turned into venue calls, one at a time inside the candle's lane: enter, exit
// (carried out by exits.ts), move the trailing stop, re-price or cancel a working limit entry. Every order is written to the
// journal before it is sent (an order the journal could not record is not sent: it would be lost
// on a crash) and carries a deterministic orderLinkId (ids.ts), so a retry never doubles it.
import type { Decimal } from 'decimal.js';
import type { Candle } from '../market/candle.ts';
import type { WorkingEntry } from '../core/state.ts';
import type { ExitReason, Intent, Side } from '../core/types.ts';
import { fmtDec, fmtTime } from '../core/format.ts';
import { roundLimitEntry, roundQty } from '../core/precision.ts';
import {
  InsufficientBalanceError, OrderNotFoundError, OrderRejectedError, OrderStateUnknownError, StopBeyondPriceError, VenueAuthError,
  VenueBannedError, VenueSetupError,
  VenueUnsupportedError,
} from '../venue/errors.ts';
import { isOpenStatus, type OrderRequest, type OrderState } from '../venue/venue.ts';
import type { LiveContext } from './context.ts';
import { orderLinkIdFor } from './ids.ts';
import { refusedWords } from './protection.ts';
import { errText } from './records.ts';

export type EnterIntent = Extract<Intent, { kind: 'enter' }>;

export class Intents {
  constructor(private readonly x: LiveContext) {}

  /** Returns true when a cancelled entry turned out to have fills. */
  async execute(intent: Intent, c: Candle, working: WorkingEntry | null): Promise<boolean> {
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

  private async enter(intent: EnterIntent, c: Candle, attempt = 1): Promise<void> {
    const x = this.x;
    if (!x.rulesWatch.trading()) {
      x.core.onEntryRejected(c.start + x.step, `not sent: ${x.rules.symbol} does not trade on Bybit now (status ${x.rules.status})`);
      return;
    }
    const link = orderLinkIdFor(x.botId, c.start, 'entry', attempt);
    const t = x.orders.track({
      key: link, purpose: 'entry', side: intent.side, reason: 'signal', qty: intent.qty,
      stopLoss: intent.onExchange ? intent.stopLoss : null, takeProfit: intent.onExchange ? intent.takeProfit : null,
    });
    const req: OrderRequest = { orderLinkId: link, side: intent.side === 'long' ? 'buy' : 'sell', type: intent.order.type, qty: intent.qty };
    if (intent.order.type === 'limit') req.price = intent.order.price;
    if (intent.onExchange) {
      if (intent.stopLoss) req.stopLoss = intent.stopLoss;
      if (intent.takeProfit) req.takeProfit = intent.takeProfit;
    }
    const closeTime = c.start + x.step;
    try {
      const st = await this.place(req, 'entry', 'signal');
      x.orders.update(t, st);
      x.settlement.lookUpLater(t);
      x.records.log('info', 'entry order placed', { orderLinkId: link, side: req.side, type: req.type, qty: req.qty.toFixed(), status: st.status });
    } catch (e) {
      if (e instanceof InsufficientBalanceError || e instanceof OrderRejectedError || e instanceof VenueUnsupportedError) {
        t.applied = true;
        x.records.log('warn', 'entry order refused', { orderLinkId: link, error: errText(e) });
        if (e instanceof OrderRejectedError && (e.kind === 'precision' || e.kind === 'not_trading') && attempt === 1) {
          // Off the grid, or not trading: the instrument's rules may have changed under us. Read
          // them; when the grid did, the entry goes out once more on it (a new orderLinkId: this one
          // was refused). A symbol that stopped trading says so.
          const changed = await x.rulesWatch.refreshQuietly(`an entry was refused: ${errText(e)}`);
          const next = changed && x.rulesWatch.trading() ? this.onNewGrid(intent) : null;
          if (next) {
            x.records.decide(c, 'order', 'entry', 'none', `entry order refused for its precision (${errText(e)}); sent again on the new rules: ${fmtDec(next.qty)}${next.order.type === 'limit' ? ` at ${fmtDec(next.order.price)}` : ''}${next.stopLoss ? `, stop ${fmtDec(next.stopLoss)}` : ''}${next.takeProfit ? `, target ${fmtDec(next.takeProfit)}` : ''}`);
            await this.enter(next, c, attempt + 1);
            return;
          }
        }
        x.core.onEntryRejected(closeTime, e instanceof InsufficientBalanceError ? `not enough balance (${errText(e)})` : errText(e));
        return;
      }
      if (e instanceof VenueAuthError || e instanceof VenueSetupError) throw e;
      if (e instanceof VenueBannedError) {
        // Refused before Bybit looked at it: no order exists. Sent when the ban lifts, if no newer
        // candle has closed by then (a later signal decides on fresher prices).
        x.orders.forget(link);
        x.records.banned(e);
        x.records.decide(c, 'order', 'entry', 'none', `entry order not sent: Bybit's IP ban lasts until ${fmtTime(e.until)} UTC; it is sent then if no newer candle has closed`);
        this.afterBan(e, () => {
          if (x.core.state.entryOrder === null) return undefined; // cancelled meanwhile
          if (x.lastStart !== c.start) {
            x.core.onEntryRejected(x.now(), `not sent: Bybit's IP ban lasted past the candle it was decided on (${fmtTime(c.start)})`);
            return undefined;
          }
          return this.enter(intent, c);
        });
        return;
      }
      // Sent but unanswered: the exchange may have it. Settle looks it up before anything else.
      t.unknown = true;
      t.unknownWhy = unknownWhy(e);
      x.records.failed(`entry order ${link} may or may not have reached the exchange; looking it up`, e);
      await x.settlement.settle().catch((err) => x.records.failed('lookup after an unanswered entry failed', err));
    }
  }

  private async exit(side: Side, reason: ExitReason, c: Candle): Promise<void> {
    await this.x.exits.close(side, reason, 'exit', c.start);
  }

  /** The core's trailed level goes to the exchange; the core holds it only once the exchange does. */
  private async moveStop(wanted: Decimal, c: Candle): Promise<void> {
    const x = this.x;
    const p = x.core.state.position;
    if (p === null) return;
    if (x.plan.exits.placement !== 'exchange') {
      x.core.confirmStop(wanted, true); // the bot watches closes itself: nothing to confirm
      return;
    }
    // A retry still pending may be tighter than this candle's level (it came from a better close).
    const stopLoss = x.protection.tighterOf(wanted, p.side);
    try {
      await x.venue.setTradingStop({ stopLoss });
      x.protection.stopMoved(stopLoss);
      x.records.log('info', 'trailing stop moved', { stopLoss: stopLoss.toFixed() });
      x.records.tell({ kind: 'stop_changed', time: c.start + x.step, side: p.side, stopLoss, reason: 'trailing stop' });
    } catch (e) {
      if (e instanceof VenueAuthError) throw e;
      if (e instanceof StopBeyondPriceError && e.level === 'stopLoss') {
        x.protection.stopToRetry = null;
        x.records.decide(c, 'order', 'trailing_stop', 'exit', `trailing stop not moved to ${fmtDec(stopLoss)}: ${refusedWords(e, `stop-loss ${fmtDec(stopLoss)}`)}: the stop would have triggered; closing the ${p.side} at market`);
        await x.protection.protectiveClose(p.side, 'trailing_stop');
        return;
      }
      x.protection.stopToRetry = stopLoss;
      x.records.decide(c, 'order', 'trailing_stop', 'rejected', `trailing stop not moved to ${fmtDec(stopLoss)}: ${errText(e)}; the previous stop stays on the position (retried on the next candle)`);
    }
  }

  /** Runs `send` in the bot's lane once the IP ban is over (it decides itself whether it still applies). */
  private afterBan(e: VenueBannedError, send: () => Promise<void> | undefined): void {
    const x = this.x;
    setTimeout(() => {
      if (!x.stopped) void x.queue.run(async () => (x.stopped ? undefined : send()));
    }, Math.max(0, e.until - Date.now()) + 50).unref(); // the ban is on the wall clock (call.ts), not the bot's
  }

  /** The entry re-rounded to the instrument's current rules (the working entry follows), or null if too small now. */
  private onNewGrid(intent: EnterIntent): EnterIntent | null {
    const x = this.x;
    const r = x.rules;
    const qty = roundQty(intent.qty, r);
    if (qty.lt(r.minQty) || qty.isZero()) return null;
    const levels = x.rulesWatch.onGrid(intent.side, intent.stopLoss, intent.takeProfit);
    const order = intent.order.type === 'limit' ? { type: 'limit' as const, price: roundLimitEntry(intent.order.price, intent.side, r) } : intent.order;
    const w = x.core.state.entryOrder;
    if (w) Object.assign(w, { qty, order, stopLoss: levels.stopLoss, takeProfit: levels.takeProfit });
    return { ...intent, qty, order, stopLoss: levels.stopLoss, takeProfit: levels.takeProfit };
  }

  amendsOnTimeout(): boolean {
    const eo = this.x.plan.entryOrder;
    return eo.type === 'limit' && eo.onTimeout === 'amend';
  }

  /**
   * on_timeout amend: re-price the working limit order in place. Only an untouched order is
   * amended; one with fills goes the cancel-then-new way, which settles the fills first.
   * Returns false to fall back to cancel + new order.
   */
  async amendEntry(intent: EnterIntent, working: WorkingEntry | null): Promise<boolean> {
    const x = this.x;
    const t = x.orders.workingEntry();
    if (!t || !t.state || t.state.filledQty.gt(0) || intent.order.type !== 'limit') return false;
    const stops = intent.onExchange ? { ...(intent.stopLoss ? { stopLoss: intent.stopLoss } : {}), ...(intent.takeProfit ? { takeProfit: intent.takeProfit } : {}) } : {};
    let st: OrderState;
    try {
      st = await x.venue.amendOrder({ orderLinkId: t.key, price: intent.order.price, qty: intent.qty, ...stops });
    } catch (e) {
      if (e instanceof VenueAuthError) throw e;
      x.log.warn('re-pricing the entry in place failed; cancelling it and placing a new one', { orderLinkId: t.key, error: errText(e) });
      return false;
    }
    x.orders.update(t, st);
    if (!isOpenStatus(st.status) || st.filledQty.gt(0)) {
      // It filled (or ended) before the amend landed: what happened is the old order's business.
      t.working = working ?? undefined;
      x.core.state.entryOrder = null;
      x.log.warn('the entry order filled or ended before it could be re-priced', { orderLinkId: t.key, status: st.status });
      await x.settlement.settle();
      return true;
    }
    t.qty = intent.qty;
    t.stopLoss = intent.onExchange ? intent.stopLoss : null;
    t.takeProfit = intent.onExchange ? intent.takeProfit : null;
    x.records.log('info', 'entry order re-priced', { orderLinkId: t.key, price: intent.order.price.toFixed(), qty: intent.qty.toFixed() });
    return true;
  }

  private async cancelEntry(working: WorkingEntry | null): Promise<boolean> {
    const x = this.x;
    const t = x.orders.workingEntry();
    if (!t) return false;
    t.cancelledByCore = true;
    if (working) t.working = working;
    try {
      const st = await x.venue.cancelOrder(t.key);
      x.orders.update(t, st);
    } catch (e) {
      if (e instanceof OrderNotFoundError) {
        t.applied = true;
        return false;
      }
      if (e instanceof VenueAuthError) throw e;
      x.records.failed(`cancelling entry order ${t.key} failed; checking its state`, e);
      const st = await x.venue.orderStatus(t.key).catch(() => undefined);
      if (st) x.orders.update(t, st);
    }
    const filled = t.state?.filledQty.gt(0) ?? false;
    if (filled) {
      x.log.warn('the entry order filled (partly) before the cancel; keeping the position under its stops', { orderLinkId: t.key, filled: t.state?.filledQty.toFixed() });
      await x.settlement.settle();
    }
    return filled;
  }

  /**
   * Intent first, durably; an order the journal could not write down is not sent (it would be lost
   * on a crash), except a reduce-only close: the next start reads the position from the exchange
   * (and cancels this bot's unknown orders), so an unwritten close is found there, while a close
   * held back leaves the position exposed.
   */
  async place(req: OrderRequest, purpose: string, reason: string): Promise<OrderState> {
    const x = this.x;
    try {
      x.o.recorder?.orderIntent?.(req, purpose, reason, x.now());
    } catch (e) {
      x.records.journalFailed(e);
      if (req.reduceOnly) {
        x.log.warn('journal write failed: the close is sent all the same', { orderLinkId: req.orderLinkId, error: errText(e) });
        return x.venue.placeOrder(req);
      }
      x.log.error('journal write failed: the order is not sent', { orderLinkId: req.orderLinkId, error: errText(e) });
      throw new OrderRejectedError(`not sent: the journal could not record it first (${errText(e)})`);
    }
    return x.venue.placeOrder(req);
  }
}

/** What came back instead of an answer: the venue's words when it says, else "no answer". */
export function unknownWhy(e: unknown): string {
  return e instanceof OrderStateUnknownError ? e.why : 'no answer';
}

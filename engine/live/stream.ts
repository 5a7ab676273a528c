// The account stream as the runner hears it: wallet and position pushes into the account book,
// order and fill pushes into the order book (our orders by orderLinkId, the exchange's own
// stop/target closes, liquidations and auto-deleveraging by orderId), funding payments into the
// journal, and the stream's health: after it comes back, pushes sent while
// it was down are gone, so the next settle re-reads the position and wallet and looks up every
// order it may have missed.
import type { ExitReason, Side } from '../core/types.ts';
import { fmtDec } from '../core/format.ts';
import type { OrderState, VenueEvent } from '../venue/venue.ts';
import type { LiveContext } from './context.ts';
import { purposeOf } from './ids.ts';
import type { TrackedOrder } from './orders.ts';

export class AccountStream {
  /** The account stream came back: the next settle reconciles over REST. */
  reconcileNeeded = false;
  /** Streams that lost their connection and have not come back yet, with when they dropped. */
  readonly down = new Map<'market' | 'account', number>();
  /** When the account stream last went down (venue time); what it would have pushed since is read from the history once it is back. */
  downSince: number | null = null;

  constructor(private readonly x: LiveContext) {}

  onEvent(e: VenueEvent): void {
    const x = this.x;
    switch (e.kind) {
      case 'wallet':
        x.book.setWallet(e.equity);
        return;
      case 'position':
        x.book.setPosition(e.position);
        x.records.journal((r) => r.position?.(e.position));
        return;
      case 'connection':
        if (e.state === 'down') {
          if (!this.down.has(e.stream)) this.down.set(e.stream, e.time);
          if (e.stream === 'account' && this.downSince === null) this.downSince = e.time;
        } else this.down.delete(e.stream);
        if (e.stream === 'account' && e.state === 'up') {
          this.reconcileNeeded = true;
          x.settlement.requestSettle();
        }
        return;
      case 'fill': {
        x.book.sawFill();
        if (e.fill.kind === 'funding') {
          // No order behind it: journaled as funding, which the trade's P&L includes.
          const f = e.fill;
          x.records.journal((r) => r.fill?.(f));
          x.log.info(`funding ${f.fee.isNegative() ? 'received' : 'paid'}: ${fmtDec(f.fee.abs())} ${f.feeCurrency || 'USDT'} on ${fmtDec(f.qty)} at mark ${fmtDec(f.price)}`);
          return;
        }
        if (purposeOf(x.botId, e.fill.orderLinkId) || e.fill.orderLinkId === '') x.records.journal((r) => r.fill?.(e.fill));
        const t = this.trackedFor(e.fill.orderLinkId, e.fill.orderId, e.fill.side === 'buy' ? 'short' : 'long');
        if (t) {
          x.orders.sawFill(t, e.fill);
          x.settlement.requestSettle();
        }
        return;
      }
      case 'order': {
        const o = e.order;
        const t = this.trackedFor(o.orderLinkId, o.orderId, o.side === 'buy' ? 'short' : 'long', o.origin);
        if (!t) return;
        // Exchange-side stop/target closes have no orderLinkId; the journal keeps them by exchange id
        // so `botctl trades` can say what closed the position.
        if (o.orderLinkId || o.origin !== 'user') x.records.journal((r) => r.orderUpdate?.(o));
        if (t.purpose === 'exchange') t.reason = this.exitReasonOf(o.origin);
        if (o.status === 'Triggered' && t.triggeredAt === undefined) t.triggeredAt = x.now();
        if (x.orders.update(t, o) || o.filledQty.gt(0)) x.settlement.requestSettle();
      }
    }
  }

  private trackedFor(link: string, orderId: string, closingSide: Side, origin?: OrderState['origin']): TrackedOrder | undefined {
    if (link) return purposeOf(this.x.botId, link) ? this.x.orders.get(link) : undefined;
    if (origin === 'user') return undefined;
    // The exchange's own close of our position (stop-loss, take-profit, trailing stop).
    return this.x.orders.exchangeOrder(orderId, closingSide);
  }

  private exitReasonOf(origin: OrderState['origin']): ExitReason {
    if (origin === 'takeProfit') return 'take_profit';
    if (origin === 'trailingStop') return 'trailing_stop';
    if (origin === 'liquidation') return 'liquidation';
    if (origin === 'adl') return 'adl';
    return this.x.core?.state.position?.stopKind ?? 'stop_loss';
  }
}

// Working out what happened on the exchange from what it can tell us afterwards: the orders and
// position found at startup, and the fills that closed a position while the stream was away.
import { Decimal } from 'decimal.js';
import type { PositionState as CorePosition } from '../core/state.ts';
import type { ExitReason, Side } from '../core/types.ts';
import type { Logger } from '../log/index.ts';
import type { Fill, Venue } from '../venue/venue.ts';
import type { AccountBook } from './account.ts';
import { purposeOf } from './ids.ts';
import type { RecoverySummary } from './reconcile-report.ts';

const ZERO = new Decimal(0);

export interface FoundPosition {
  side: Side;
  size: Decimal;
  avgPrice: Decimal;
  stopLoss?: Decimal;
  takeProfit?: Decimal;
}

/**
 * Reads position, wallet and open orders into the book. This bot's own orders from an earlier run
 * are cancelled (their decision context is gone; crash recovery that resumes them is a later
 * step); everyone else's are left alone. Returns the open position, if any, for adoption.
 */
export async function reconcileAtStart(
  venue: Venue,
  botId: string,
  book: AccountBook,
  log: Logger,
  failed: (what: string, e: unknown) => void,
  summary?: RecoverySummary,
): Promise<FoundPosition | undefined> {
  const pos = await venue.position();
  book.setPosition(pos);
  book.setWallet(await venue.equity());
  let foreign = 0;
  for (const o of await venue.openOrders()) {
    if (!purposeOf(botId, o.orderLinkId)) {
      foreign++;
      continue;
    }
    log.warn("cancelling this bot's order left from an earlier run", { orderLinkId: o.orderLinkId, status: o.status });
    const cancelled = await venue.cancelOrder(o.orderLinkId).then(() => true, (e) => {
      failed(`could not cancel ${o.orderLinkId}`, e);
      return false;
    });
    if (cancelled && summary) summary.orphansCancelled[purposeOf(botId, o.orderLinkId) === 'entry' ? 'entry' : 'other']++;
  }
  if (foreign) log.info('open orders that do not belong to this bot are left alone', { count: foreign });
  if (pos.side === 'flat' || pos.size.isZero()) return undefined;
  return { side: pos.side, size: pos.size, avgPrice: pos.avgPrice, ...(pos.stopLoss ? { stopLoss: pos.stopLoss } : {}), ...(pos.takeProfit ? { takeProfit: pos.takeProfit } : {}) };
}

export interface RecoveredExit {
  time: number;
  price: Decimal;
  fee: Decimal;
  reason: ExitReason;
  fills: number;
}

/**
 * The exit of `qty` (default: all) of position `p` from the exchange's fill history: the newest
 * closing fills that add up to it (older ones closed earlier parts), their volume-weighted price
 * (or the last close when none are listed), and what closed it: a liquidation or auto-deleveraging
 * when Bybit's execution says so, else the nearer of stop and target to that price.
 */
export function exitFromFills(p: CorePosition, all: Fill[], tick: Decimal, lastClose: number, now: number, qty: Decimal = p.qty): RecoveredExit {
  const closing = closingFills(p, all);
  const fills: Fill[] = [];
  let sum = ZERO;
  for (let i = closing.length - 1; i >= 0 && sum.lt(qty); i--) {
    const f = closing[i] as Fill;
    fills.unshift(f);
    sum = sum.add(f.qty);
  }
  const time = fills.length ? (fills[fills.length - 1] as Fill).time : now;
  const raw = sum.gt(0) ? fills.reduce((a, f) => a.add(f.price.mul(f.qty)), ZERO).div(sum) : new Decimal(lastClose);
  const price = raw.toDecimalPlaces(tick.decimalPlaces());
  const fee = fills.reduce((a, f) => a.add(f.fee), ZERO);
  const dStop = p.stopLoss ? price.sub(p.stopLoss).abs() : null;
  const dTarget = p.takeProfit ? price.sub(p.takeProfit).abs() : null;
  // Bybit's own closes say what they were; otherwise the level nearest the price was hit.
  const last = fills[fills.length - 1];
  const reason: ExitReason = last?.kind === 'liquidation' || last?.kind === 'adl' ? last.kind
    : last?.origin === 'takeProfit' ? 'take_profit'
    : last?.origin === 'stopLoss' || last?.origin === 'trailingStop' ? p.stopKind
    : dTarget && (!dStop || dTarget.lt(dStop)) ? 'take_profit' : p.stopKind;
  return { time, price, fee, reason, fills: fills.length };
}

/**
 * What the journal may have missed of position `p` while the stream was away: the exchange's own
 * closes (no orderLinkId: stop, target, liquidation, ADL) and the funding paid or received.
 */
export function unjournaledFills(p: { side: Side; entryTime: number }, all: readonly Fill[]): Fill[] {
  return all.filter((f) => f.time >= p.entryTime && (f.kind === 'funding' || (f.orderLinkId === '' && closingFills(p, [f]).length === 1)));
}

/** The executions that closed (part of) position `p`: on its closing side, after its entry; funding is not one. */
export function closingFills(p: { side: Side; entryTime: number }, all: readonly Fill[]): Fill[] {
  return all.filter((f) => f.kind !== 'funding' && (f.side === 'sell') === (p.side === 'long') && f.time >= p.entryTime);
}

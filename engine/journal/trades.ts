// Round trips and realised P&L from fills alone: the fills are the one record the exchange and the
// journal agree on, so trades and daily P&L are derived from them rather than stored separately.
//
// A trade opens when a fill moves the position away from flat and closes when a fill brings it
// back. A fill that crosses through flat (long 1 → sell 3 → short 2) closes one trade and opens the
// next; its fee is split by quantity. Entry fees are realised with the exit, pro rata to the
// quantity closed, as Bybit's closed P&L does. A funding payment is no trade: it is booked to the
// open trade as funding (realised when paid, as Bybit books it to the wallet), and counts in its
// net P&L.
import { Decimal } from 'decimal.js';
import type { OrderSide, Trade } from './types.ts';

export interface TradeFill {
  execId: string;
  time: number;
  side: OrderSide;
  qty: Decimal;
  price: Decimal;
  fee: Decimal;
  /** 'funding': a funding payment (`fee` paid, negative when received), not a trade. Absent: a trade. */
  kind?: string;
}

/** P&L realised by one closing fill (or the closing part of it). */
export interface RealisedPnl {
  time: number;
  execId: string;
  pnl: Decimal;
}

export interface TradeLedger {
  /** Closed trades, then the open one (exitTime null) if the position is not flat. */
  trades: Trade[];
  realised: RealisedPnl[];
  /** What the fills leave open: side, size and the average entry price of what is still open. */
  position: { side: 'long' | 'short' | 'flat'; qty: Decimal; entryPrice: Decimal | null };
}

const ZERO = new Decimal(0);

interface Open {
  trade: Trade;
  /** Signed size: > 0 long, < 0 short. */
  pos: Decimal;
  /** Entry value (price × qty) of what is still open. */
  openCost: Decimal;
  /** Entry fees of what is still open. */
  openFees: Decimal;
  entryValue: Decimal;
  exitValue: Decimal;
}

/** `fills` in event order (time, then journal order). */
export function buildTrades(fills: readonly TradeFill[]): TradeLedger {
  const trades: Trade[] = [];
  const realised: RealisedPnl[] = [];
  let open: Open | undefined;

  for (const f of fills) {
    if (f.kind === 'funding') {
      const pnl = f.fee.neg();
      realised.push({ time: f.time, execId: f.execId, pnl });
      if (open) {
        open.trade.funding = open.trade.funding.add(pnl);
        open.trade.netPnl = open.trade.netPnl.add(pnl);
      }
      continue;
    }
    if (f.qty.lte(0)) continue;
    const dir = f.side === 'buy' ? 1 : -1;
    let qty = f.qty;
    let fee = f.fee;

    if (open && open.pos.s !== dir) {
      // Closing (part of) the position.
      const size = open.pos.abs();
      const closeQty = Decimal.min(qty, size);
      const exitFee = closeQty.eq(qty) ? fee : fee.mul(closeQty).div(qty);
      const isFull = closeQty.eq(size);
      const cost = isFull ? open.openCost : open.openCost.mul(closeQty).div(size);
      const entryFee = isFull ? open.openFees : open.openFees.mul(closeQty).div(size);
      const proceeds = f.price.mul(closeQty);
      const gross = open.trade.side === 'long' ? proceeds.sub(cost) : cost.sub(proceeds);
      const net = gross.sub(exitFee).sub(entryFee);
      const t = open.trade;
      t.exitQty = t.exitQty.add(closeQty);
      open.exitValue = open.exitValue.add(proceeds);
      t.exitPrice = open.exitValue.div(t.exitQty);
      t.grossPnl = t.grossPnl.add(gross);
      t.fees = t.fees.add(exitFee);
      t.netPnl = t.netPnl.add(net);
      t.exitTime = f.time;
      t.execIds.push(f.execId);
      realised.push({ time: f.time, execId: f.execId, pnl: net });
      open.pos = open.pos.add(closeQty.mul(dir));
      open.openCost = open.openCost.sub(cost);
      open.openFees = open.openFees.sub(entryFee);
      qty = qty.sub(closeQty);
      fee = fee.sub(exitFee);
      if (open.pos.isZero()) {
        trades.push(t);
        open = undefined;
      } else {
        t.exitTime = null;
      }
      if (qty.isZero()) continue;
    }

    if (!open) {
      open = {
        trade: {
          side: dir === 1 ? 'long' : 'short',
          entryTime: f.time,
          exitTime: null,
          qty: ZERO,
          entryQty: ZERO,
          exitQty: ZERO,
          entryPrice: f.price,
          exitPrice: null,
          grossPnl: ZERO,
          fees: ZERO,
          funding: ZERO,
          netPnl: ZERO,
          execIds: [],
        },
        pos: ZERO,
        openCost: ZERO,
        openFees: ZERO,
        entryValue: ZERO,
        exitValue: ZERO,
      };
    }
    // Opening or adding to the position.
    const t = open.trade;
    const value = f.price.mul(qty);
    open.pos = open.pos.add(qty.mul(dir));
    open.openCost = open.openCost.add(value);
    open.openFees = open.openFees.add(fee);
    open.entryValue = open.entryValue.add(value);
    t.entryQty = t.entryQty.add(qty);
    t.entryPrice = open.entryValue.div(t.entryQty);
    t.qty = Decimal.max(t.qty, open.pos.abs());
    t.fees = t.fees.add(fee);
    if (t.execIds[t.execIds.length - 1] !== f.execId) t.execIds.push(f.execId);
  }
  if (open) trades.push(open.trade);
  const position: TradeLedger['position'] = open
    ? { side: open.trade.side, qty: open.pos.abs(), entryPrice: open.openCost.div(open.pos.abs()) }
    : { side: 'flat', qty: ZERO, entryPrice: null };
  return { trades, realised, position };
}

/** Start of the UTC day containing `time`. */
export function utcDayStart(time: number): number {
  const d = new Date(time);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

export interface TradeSummary {
  /** Closed trades only. */
  count: number;
  wins: number;
  losses: number;
  grossPnl: Decimal;
  fees: Decimal;
  netPnl: Decimal;
  /** Net P&L of the best and worst closed trade; null with no closed trades. */
  best: Decimal | null;
  worst: Decimal | null;
}

/** Totals over the closed trades in `trades` (open ones are skipped). A trade at exactly 0 is neither win nor loss. */
export function summariseTrades(trades: readonly Trade[]): TradeSummary {
  const s: TradeSummary = { count: 0, wins: 0, losses: 0, grossPnl: ZERO, fees: ZERO, netPnl: ZERO, best: null, worst: null };
  for (const t of trades) {
    if (t.exitTime === null) continue;
    s.count++;
    if (t.netPnl.gt(0)) s.wins++;
    else if (t.netPnl.lt(0)) s.losses++;
    s.grossPnl = s.grossPnl.add(t.grossPnl);
    s.fees = s.fees.add(t.fees);
    s.netPnl = s.netPnl.add(t.netPnl);
    s.best = s.best === null || t.netPnl.gt(s.best) ? t.netPnl : s.best;
    s.worst = s.worst === null || t.netPnl.lt(s.worst) ? t.netPnl : s.worst;
  }
  return s;
}

// Exchange precision. Every price and quantity the engine sends is a multiple of the instrument's
// tick or step, rounded to the side that can only make the trade safer or cheaper:
//
// - Quantity: DOWN to qtyStep. Never buy more than sized, risked or affordable.
// - Stop-loss: toward the entry (long: UP, short: DOWN). The stop becomes a hair tighter, so the
//   loss if it is hit is never larger than the sizing assumed.
// - Take-profit: toward the entry (long: DOWN, short: UP). The target becomes a hair easier to
//   reach; it never promises a price beyond what the plan asked for.
// - Limit entry price: the side that never pays more (buy: DOWN, sell: UP).
// - Simulated market fills with slippage: against the trader (buy: UP, sell: DOWN), so the
//   backtest never flatters.
import { Decimal } from 'decimal.js';
import type { InstrumentRules } from '../market/instrument.ts';

export type Side = 'long' | 'short';

export function roundDown(x: Decimal, step: Decimal): Decimal {
  return x.div(step).floor().mul(step);
}

export function roundUp(x: Decimal, step: Decimal): Decimal {
  return x.div(step).ceil().mul(step);
}

export function roundQty(qty: Decimal, rules: InstrumentRules): Decimal {
  return roundDown(qty, rules.qtyStep);
}

export function roundStopLoss(price: Decimal, side: Side, rules: InstrumentRules): Decimal {
  return side === 'long' ? roundUp(price, rules.tickSize) : roundDown(price, rules.tickSize);
}

export function roundTakeProfit(price: Decimal, side: Side, rules: InstrumentRules): Decimal {
  return side === 'long' ? roundDown(price, rules.tickSize) : roundUp(price, rules.tickSize);
}

/** `side` is the position side the order opens: a long entry buys, a short entry sells. */
export function roundLimitEntry(price: Decimal, side: Side, rules: InstrumentRules): Decimal {
  return side === 'long' ? roundDown(price, rules.tickSize) : roundUp(price, rules.tickSize);
}

/** `buying` true for a buy fill (long entry, short exit). */
export function roundAdverseFill(price: Decimal, buying: boolean, tick: Decimal): Decimal {
  return buying ? roundUp(price, tick) : roundDown(price, tick);
}

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
  const places = decimalPlacesOf(step);
  return places >= 0 ? x.toDecimalPlaces(places, Decimal.ROUND_FLOOR) : x.div(step).floor().mul(step);
}

export function roundUp(x: Decimal, step: Decimal): Decimal {
  const places = decimalPlacesOf(step);
  return places >= 0 ? x.toDecimalPlaces(places, Decimal.ROUND_CEIL) : x.div(step).ceil().mul(step);
}

const stepPlaces = new WeakMap<Decimal, number>();

/**
 * n when `step` is 10^−n (0.1, 0.001, 1; most ticks and quantity steps), else −1. Rounding to such
 * a step is rounding to n decimal places: the same value as divide, round, multiply, without the
 * division (every entry and fill rounds several prices; a sweep makes millions of them).
 */
function decimalPlacesOf(step: Decimal): number {
  let n = stepPlaces.get(step);
  if (n === undefined) {
    const dp = step.decimalPlaces();
    n = step.eq(new Decimal(10).pow(-dp)) ? dp : -1;
    stepPlaces.set(step, n);
  }
  return n;
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

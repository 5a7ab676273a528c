// Prices as whole numbers of ticks, for the comparisons that decide money on every candle.
// Candle prices are float64 copies of decimal strings on the exchange's tick grid, and the levels
// the core holds (entry, stops) are exact Decimals on the same grid, so both are whole numbers of
// ticks. Counting in ticks makes "moved 1R", "one tick better" and "at the stop" exact: a short
// entered at 1257.5 with 1R = 3.6 is 36 ticks in favour at a close of 1253.9, where the float
// difference 1257.5 − 1253.9 is 3.5999… and the comparison fails.
import type { Decimal } from 'decimal.js';

/**
 * `x` (a price divided by the tick) snapped to the whole number it stands for. Division leaves
 * float noise of about 1e-16 × x; anything within 1e-12 × x of a whole number is that number. A
 * price off the grid (data with more decimals than the tick) keeps its fraction.
 */
export function snapTicks(x: number): number {
  const n = Math.round(x);
  const d = x - n;
  const tol = 1e-12 * (x < 0 ? -x : x) + 1e-9;
  return d <= tol && d >= -tol ? n : x;
}

/** A float price in ticks (see snapTicks). */
export function priceTicks(price: number, tick: number): number {
  return snapTicks(price / tick);
}

/** An exact Decimal price in ticks: a whole number when the price is on the grid. */
export function decimalTicks(price: Decimal, tick: Decimal): number {
  return price.div(tick).toNumber();
}

// Entry levels and position size. Called only when an entry signal passed every gate, so Decimal
// arithmetic here is off the per-candle hot path.
import { Decimal } from 'decimal.js';
import type { Distance, Plan, TargetDistance } from '../plan/plan.ts';
import type { InstrumentRules } from '../market/instrument.ts';
import { roundAdverseFill, roundQty, roundStopLoss, roundTakeProfit, type Side } from './precision.ts';

/** Looks up ATR(length) at the signal candle; NaN while it is still warming up. */
export type AtrLookup = (length: number) => number;

export type Result<T> = { ok: true; value: T } | { ok: false; reason: string };

const HUNDRED = new Decimal(100);

/** Distance in price units, or a reason why it cannot be computed yet. */
export function distanceOf(d: Distance, ref: Decimal, atr: AtrLookup): Result<Decimal> {
  if (d.kind === 'percent') return { ok: true, value: ref.mul(d.percent).div(HUNDRED) };
  const a = atr(d.length);
  if (!(a === a)) return { ok: false, reason: `ATR(${d.length}) is not ready yet (needs ${d.length} candles)` };
  return { ok: true, value: new Decimal(a).mul(d.multiple) };
}

export function targetDistanceOf(d: TargetDistance, ref: Decimal, stop: Decimal | null, atr: AtrLookup): Result<Decimal> {
  if (d.kind !== 'risk_reward') return distanceOf(d, ref, atr);
  if (stop === null) return { ok: false, reason: 'a risk-reward target needs a stop-loss' };
  return { ok: true, value: ref.sub(stop).abs().mul(d.multiple) };
}

export interface EntryLevels {
  stopLoss: Decimal | null;
  takeProfit: Decimal | null;
}

/**
 * Stop-loss and take-profit prices for an entry at `ref`, rounded to the tick (see precision.ts).
 * Without a stop-loss, a trailing stop with no activation starts at its distance from the entry.
 */
export function entryLevels(plan: Plan, rules: InstrumentRules, side: Side, ref: Decimal, atr: AtrLookup): Result<EntryLevels> {
  const dir = side === 'long' ? -1 : 1;
  let stopLoss: Decimal | null = null;
  const stopDistance = plan.exits.stopLoss ?? (plan.exits.trailingStop && !plan.exits.trailingStop.activation ? plan.exits.trailingStop.distance : undefined);
  if (stopDistance) {
    const d = distanceOf(stopDistance, ref, atr);
    if (!d.ok) return d;
    const raw = dir < 0 ? ref.sub(d.value) : ref.add(d.value);
    stopLoss = roundStopLoss(raw, side, rules);
    if (stopLoss.lte(0)) return { ok: false, reason: `stop-loss would be at ${raw.toFixed()} (not above zero)` };
    if (side === 'long' ? stopLoss.gte(ref) : stopLoss.lte(ref)) {
      return { ok: false, reason: `stop-loss distance ${d.value.toFixed()} is less than one price tick (${rules.tickSize.toFixed()})` };
    }
  }
  let takeProfit: Decimal | null = null;
  if (plan.exits.takeProfit) {
    const d = targetDistanceOf(plan.exits.takeProfit, ref, stopLoss, atr);
    if (!d.ok) return d;
    const raw = dir < 0 ? ref.add(d.value) : ref.sub(d.value);
    takeProfit = roundTakeProfit(raw, side, rules);
    if (takeProfit.lte(0)) return { ok: false, reason: `take-profit would be at ${raw.toFixed()} (not above zero)` };
    if (side === 'long' ? takeProfit.lte(ref) : takeProfit.gte(ref)) {
      return { ok: false, reason: `take-profit distance ${d.value.toFixed()} is less than one price tick (${rules.tickSize.toFixed()})` };
    }
  }
  return { ok: true, value: { stopLoss, takeProfit } };
}

export interface SizingInput {
  plan: Plan;
  rules: InstrumentRules;
  ref: Decimal;
  stopLoss: Decimal | null;
  equity: Decimal;
  /** Spot: free quote balance. */
  available: Decimal;
  /** Taker fee and slippage as fractions: the order must stay affordable when it fills at the next open. */
  takerFee: Decimal;
  slippage: Decimal;
}

export interface Sized {
  qty: Decimal;
  /** Plain words on what limited the size, e.g. "capped by leverage 3x". */
  note: string;
}

/**
 * Quantity for one entry, capped and rounded down to the step; refuses anything the exchange would
 * reject (below minQty or minNotional). Risk sizing: qty = equity × pct / |ref − stop|.
 */
export function sizeEntry(s: SizingInput): Result<Sized> {
  const { plan, rules, ref } = s;
  const sizing = plan.risk.sizing;
  let qty: Decimal;
  let note = '';
  if (sizing.kind === 'quantity') qty = sizing.quantity;
  else if (sizing.kind === 'quote') qty = sizing.amount.div(ref);
  else {
    if (s.stopLoss === null) return { ok: false, reason: 'risk-percent sizing needs a stop-loss' };
    if (s.equity.lte(0)) return { ok: false, reason: `equity is ${s.equity.toFixed()}` };
    qty = s.equity.mul(sizing.percent).div(HUNDRED).div(ref.sub(s.stopLoss).abs());
  }
  // The note is worded only when the cap applies: most entries are capped by nothing.
  const cap = (limit: Decimal, why: () => string): void => {
    if (qty.gt(limit)) {
      qty = limit;
      note = why();
    }
  };
  const { maxPositionQty, maxPositionQuote } = plan.risk;
  if (maxPositionQty) cap(maxPositionQty, () => `capped by max position ${maxPositionQty.toFixed()}`);
  if (maxPositionQuote) cap(maxPositionQuote.div(ref), () => `capped by max position value ${maxPositionQuote.toFixed()}`);
  // What one unit costs at the price the fill will use: ref a slippage worse, rounded a tick up as
  // the simulated fill rounds a buy (a sell fills lower, so this covers shorts too). Margin (the
  // whole value on spot) plus the taker fee: notional ≤ equity × leverage with room for the fee,
  // so the order is not refused for margin when it fills at an unchanged open.
  const fillPrice = roundAdverseFill(ref.mul(s.slippage.add(1)), true, rules.tickSize);
  if (rules.category === 'spot') {
    cap(Decimal.max(s.available, 0).div(fillPrice.mul(s.takerFee.add(1))), () => `capped by available balance ${s.available.toFixed()}`);
  } else {
    const perUnit = fillPrice.mul(new Decimal(1).div(plan.risk.leverage).add(s.takerFee));
    cap(Decimal.max(s.equity, 0).div(perUnit), () => `capped by leverage ${plan.risk.leverage.toFixed()}x`);
  }
  const maxQty = rules.maxQty;
  if (maxQty) cap(maxQty, () => `capped by the exchange's max order quantity ${maxQty.toFixed()}`);
  const raw = qty;
  qty = roundQty(qty, rules);
  if (qty.lt(rules.minQty) || qty.isZero()) {
    return { ok: false, reason: `quantity ${raw.toSignificantDigits(6).toFixed()} rounds to ${qty.toFixed()}, below the minimum order quantity ${rules.minQty.toFixed()}${note ? ` (${note})` : ''}` };
  }
  const notional = qty.mul(ref);
  if (notional.lt(rules.minNotional)) {
    return { ok: false, reason: `order value ${notional.toFixed()} is below the minimum order value ${rules.minNotional.toFixed()}${note ? ` (${note})` : ''}` };
  }
  return { ok: true, value: { qty, note } };
}

/**
 * A float64 upper bound of the quantity `sizeEntry` could give, or NaN when it cannot tell (e.g.
 * ATR not ready). Lets the core refuse an entry that is hopelessly below the exchange minimum
 * (a drained account, a tiny quote amount) without the Decimal work: every input is taken at its
 * most generous (the stop a tick closer, no rounding), so a bound below the minimum proves the
 * exact computation would refuse too. Never used to size an order.
 */
export function maxQtyBound(plan: Plan, rules: InstrumentRules, ref: number, equity: number, atr: AtrLookup, tick: number): number {
  const sizing = plan.risk.sizing;
  let q: number;
  if (sizing.kind === 'quantity') q = sizing.quantity.toNumber();
  else if (sizing.kind === 'quote') q = sizing.amount.toNumber() / ref;
  else {
    const d = plan.exits.stopLoss ?? (plan.exits.trailingStop && !plan.exits.trailingStop.activation ? plan.exits.trailingStop.distance : undefined);
    if (!d) return NaN;
    const dist = (d.kind === 'percent' ? (ref * d.percent.toNumber()) / 100 : atr(d.length) * d.multiple.toNumber()) - tick;
    if (!(dist > 0)) return NaN;
    q = (Math.max(equity, 0) * sizing.percent.toNumber()) / 100 / dist;
  }
  const r = plan.risk;
  if (r.maxPositionQty) q = Math.min(q, r.maxPositionQty.toNumber());
  if (r.maxPositionQuote) q = Math.min(q, r.maxPositionQuote.toNumber() / ref);
  const lev = rules.category === 'spot' ? 1 : r.leverage.toNumber();
  q = Math.min(q, Math.max(equity, 0) / (ref * (1 / lev)));
  return q === q ? q : NaN;
}

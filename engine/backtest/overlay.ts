// The indicator lines a report draws over the price: every moving average, Bollinger band,
// highest/lowest channel and VWAP the rules use, labelled as the spec writes them
// (`ema(close, fast)`). Computed by the rules' tracer (the same kernels as the strategy), stepped
// on every candle only when a report is being made.
import { compileRules } from '../../dsl/index.ts';
import type { Plan } from '../plan/plan.ts';
import type { IndicatorOverlay } from './runner.ts';

/** Functions whose values live on the price scale; others (rsi, atr, macd) would flatten the chart. */
const ON_PRICE = /^(?:ta\.)?(?:ema|sma|wma|rma|bb_upper|bb_mid|bb_lower|highest|lowest|vwap)\b/;

/** The overlay for a rules spec, or undefined (a strategy module, or rules without such lines). */
export function indicatorOverlay(plan: Plan): IndicatorOverlay | undefined {
  if (plan.strategy.kind !== 'rules') return undefined;
  const compiled = compileRules(plan.strategy.expressions, new Map(Object.entries(plan.strategy.params)));
  if (!compiled.ok || !compiled.rules.createTracer) return undefined;
  const tracer = compiled.rules.createTracer();
  // A shifted value (`lowest(low, 10)[1]`) is the same line one bar later: the line itself is drawn.
  const picked = tracer.columns.flatMap((c, i) => (c.type === 'number' && ON_PRICE.test(c.label) && !c.label.endsWith(']') ? [{ label: c.label, i }] : []));
  if (picked.length === 0) return undefined;
  const out = new Float64Array(picked.length);
  return {
    labels: picked.map((p) => p.label),
    step(c) {
      const values = tracer.step(c).values;
      for (let k = 0; k < picked.length; k++) out[k] = values[(picked[k] as { i: number }).i] as number;
      return out;
    },
  };
}

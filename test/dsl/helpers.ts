// Shared test support: the real BTCUSDT candles, and running an expression through the whole
// language (parse → check → DAG → kernels) to get its per-bar series.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Candle } from '../../engine/market/candle.ts';
import { compileRules, renderExpressionError } from '../../dsl/index.ts';

const DATA = fileURLToPath(new URL('../../bots/data/BTCUSDT-1h-2021-10_2022-03.csv', import.meta.url));

let cached: Candle[] | undefined;
export function btcCandles(): Candle[] {
  if (cached) return cached;
  const lines = readFileSync(DATA, 'utf8').trim().split('\n').slice(1);
  cached = lines.map((line) => {
    const [start, open, high, low, close, volume] = line.split(',').map(Number) as [number, number, number, number, number, number];
    return { start, open, high, low, close, volume };
  });
  return cached;
}

/** Candles from closes only (open = high = low = close), one hour apart from a UTC midnight. */
export function fromCloses(closes: number[]): Candle[] {
  const t0 = Date.UTC(2024, 0, 1);
  return closes.map((c, i) => ({ start: t0 + i * 3_600_000, open: c, high: c, low: c, close: c, volume: 1 }));
}

/** The per-bar value of `expr` (number or bool as 1/0; NaN for na) over the candles. */
export function evaluate(expr: string, candles: readonly Candle[], params = new Map<string, number | boolean>()): number[] {
  let r = compileRules({ strength: expr }, params);
  let field: 'strength' | 'long_entry' = 'strength';
  if (!r.ok && r.diagnostics.some((d) => d.message.includes('must be a number'))) {
    r = compileRules({ long_entry: expr }, params);
    field = 'long_entry';
  }
  if (!r.ok) throw new Error(r.diagnostics.map((d) => renderExpressionError(expr, d)).join('\n'));
  const tracer = r.rules.createTracer!();
  return candles.map((c) => tracer.step(c).fields.get(field)!);
}

export function firstValid(xs: readonly number[]): number {
  return xs.findIndex((x) => !Number.isNaN(x));
}

/** Same na positions, values equal to a relative 1e-9 (different but equivalent float orderings). */
export function sameSeries(actual: readonly number[], expected: readonly number[], rel = 1e-9): string | undefined {
  if (actual.length !== expected.length) return `length ${actual.length} vs ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(a) !== Number.isNaN(e)) return `bar ${i}: got ${a}, expected ${e}`;
    if (Number.isNaN(a)) continue;
    if (Math.abs(a - e) > rel * Math.max(1, Math.abs(e))) return `bar ${i}: got ${a}, expected ${e}`;
  }
  return undefined;
}

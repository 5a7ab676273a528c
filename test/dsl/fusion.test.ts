// The fused kernels (runtime.ts chooses them at build time) must be invisible: every value of
// every named sub-expression, and every signal, bit-identical to stepping each node on its own.
import t, { type Test } from 'tap';
import type { Candle } from '../../engine/market/candle.ts';
import { compileProgram, createStrategy } from '../../dsl/compile.ts';
import { buildMachine } from '../../dsl/runtime.ts';
import { EmaPair } from '../../dsl/indicators/ema-pair.ts';
import { RuleTracer } from '../../dsl/trace.ts';
import type { RuleExpressions } from '../../dsl/index.ts';
import { btcCandles, fromCloses } from './helpers.ts';

function program(exprs: RuleExpressions) {
  const r = compileProgram(exprs, new Map([['fast', 9], ['slow', 21]]));
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.program;
}

// Closes that go flat (equal averages), cross on exact equality, and hit 5, where
// `close / (close - 5)` is na (a source that is missing for single bars and runs of bars).
const crafted = fromCloses([
  1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 2, 1, 1, 1, 5, 5, 6, 7, 5, 4, 3, 5, 5, 5, 5, 5, 6, 6, 6,
  2, 2, 9, 9, 9, 1, 1, 1, 1, 5, 8, 8, 8, 8, 7, 6, 5, 4, 4, 4, 4, 10, 10, 10, 1, 1, 2, 2, 3, 3,
  ...Array.from({ length: 60 }, (_, i) => [5, 4, 6, 5, 5, 7][i % 6]! + Math.floor(i / 12)),
]);

const SETS: RuleExpressions[] = [
  { long_entry: 'crossover(ema(close, fast), ema(close, slow)) and rsi(close, 14) < 70', long_exit: 'crossunder(ema(close, fast), ema(close, slow))' },
  { long_entry: 'crossover(ema(close, 21), ema(close, 9))', short_entry: 'crossunder(ema(close, 21), ema(close, 9)) and crossover(ema(close, 9), ema(close, 21))' },
  { long_entry: 'crossover(ema(close, 3), ema(close, 5)) and ema(close, 3)[1] < ema(close, 3)', strength: 'ema(close, 5) - ema(close, 3)[2]' },
  { long_entry: 'crossover(ema(close, 3), ema(close, 5)) or crossover(ema(close, 3), ema(close, 8))', long_exit: 'crossunder(ema(close, 5), ema(close, 8))' },
  { long_entry: 'crossover(ema(close / (close - 5), 2), ema(close / (close - 5), 4))', long_exit: 'crossunder(ema(close / (close - 5), 2), ema(close / (close - 5), 4)) or crossunder(ema(close / (close - 5), 4), ema(close / (close - 5), 2))' },
  { long_entry: 'crossover(ema(hl2, 4), ema(hl2, 4)) or crossover(ema(hl2, 2), ema(close, 4)) or crossunder(ema(ohlc4, 2), ema(ohlc4, 3))' },
  { long_entry: 'crossover(ema(rsi(close, 3), 2), ema(rsi(close, 3), 3))', short_entry: 'rsi(close, 2) > 60 and crossunder(ema(close, 1), ema(close, 2))' },
  // The close read from the slots by some nodes and from the kernels' argument by others.
  { long_entry: 'crossover(ema(close, 3), ema(close, 5)) and close > open', strength: 'close' },
  { long_entry: 'crossover(ema(close, 3), ema(close, 5)) or close[2] > close', confidence: 'close' },
  // No node reads the close from the slots: the strategy never stores it there.
  { long_entry: 'crossover(ema(close, 3), ema(close, 5)) and rsi(close, 3) > 40', strength: 'rsi(close, 3) / 100', confidence: 'ema(close, 5)' },
];

function same(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

function compare(t: Test, exprs: RuleExpressions, candles: readonly Candle[], name: string): void {
  const p = program(exprs);
  const fused = new RuleTracer(p);
  const plain = new RuleTracer(p, { fuse: false });
  const strategy = createStrategy(p);
  let diffs = 0;
  let firstDiff = '';
  for (const c of candles) {
    const f = fused.step(c);
    const u = plain.step(c);
    const s = strategy.onCandle(c);
    for (let i = 0; i < u.values.length; i++) {
      if (!same(f.values[i]!, u.values[i]!)) {
        diffs++;
        firstDiff ||= `bar ${u.index} ${fused.columns[i]!.label}: fused ${f.values[i]}, plain ${u.values[i]}`;
      }
    }
    if (JSON.stringify(f.signals) !== JSON.stringify(u.signals) || JSON.stringify(s) !== JSON.stringify(u.signals)) {
      diffs++;
      firstDiff ||= `bar ${u.index}: signals differ`;
    }
  }
  t.equal(diffs, 0, `${name}: ${Object.values(exprs).join(' | ')}${firstDiff ? ` (${firstDiff})` : ''}`);
}

t.test('every rule set actually uses the fused kernel', async (t) => {
  for (const exprs of SETS) {
    const kernels = buildMachine(program(exprs).dag).kernels;
    t.ok(kernels.some((k) => k instanceof EmaPair), Object.values(exprs).join(' | '));
    t.notOk(buildMachine(program(exprs).dag, new Set(), { fuse: false }).kernels.some((k) => k instanceof EmaPair), 'fuse: false turns it off');
  }
});

t.test('fused and unfused are bit-identical on the real candles', async (t) => {
  for (const exprs of SETS) compare(t, exprs, btcCandles(), 'BTCUSDT 1h');
});

t.test('fused and unfused are bit-identical through plateaus and na', async (t) => {
  for (const exprs of SETS) compare(t, exprs, crafted, 'crafted');
});

t.test('the crafted data really produces na sources, equal averages and crosses', async (t) => {
  const p = program(SETS[4]!);
  const tracer = new RuleTracer(p);
  const col = (label: string) => tracer.columns.findIndex((c) => c.label === label);
  const bars = crafted.map((c) => tracer.step(c));
  const src = col('close / (close - 5)');
  t.ok(bars.some((b) => Number.isNaN(b.values[src]!)) && bars.some((b, i) => i > 10 && !Number.isNaN(b.values[src]!)), 'source is na on some bars, not on others');
  t.ok(bars.some((b) => b.fields.get('long_entry') === 1), 'crossover fires');
  t.ok(bars.some((b) => b.fields.get('long_exit') === 1), 'crossunder fires');
  const flat = program(SETS[0]!);
  const ft = new RuleTracer(flat);
  const e9 = ft.columns.findIndex((c) => c.label === 'ema(close, fast)');
  const e21 = ft.columns.findIndex((c) => c.label === 'ema(close, slow)');
  const eq = fromCloses(Array.from({ length: 30 }, () => 7)).map((c) => ft.step(c)).filter((b) => b.values[e9] === b.values[e21]);
  t.ok(eq.length > 5, 'a plateau gives equal averages');
});

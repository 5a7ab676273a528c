// The strategy stops writing a kernel's slot when nothing reads it there and lets conditions read
// kernel fields instead (runtime.ts dropUnreadSlots, lazy.ts providers). Every other way a value
// can be read must still see this bar's value: the strategy's signals, scores included, must
// match the tracer, which steps every node and writes every slot, on every bar.
import t, { type Test } from 'tap';
import type { Candle } from '../../engine/market/candle.ts';
import { compileProgram, createStrategy } from '../../dsl/compile.ts';
import { RuleTracer } from '../../dsl/trace.ts';
import type { RuleExpressions } from '../../dsl/index.ts';
import { btcCandles, fromCloses } from './helpers.ts';

const READERS: [string, RuleExpressions][] = [
  ['== and != read rsi from its slot', { long_entry: 'rsi(close, 3) == 100 or rsi(close, 5) != rsi(close, 5)[1]' }],
  ['rsi compared with a constant on either side, and with another series', { long_entry: '70 > rsi(close, 14) and rsi(close, 14) >= 20', long_exit: 'rsi(close, 14) > rsi(close, 7)' }],
  ['an ema feeding arithmetic, a history ring and a score', { long_entry: 'crossover(ema(close, 4), ema(close, 9)) and ema(close, 4) - ema(close, 9) > 0', long_exit: 'ema(close, 4)[3] > ema(close, 4)', strength: 'ema(close, 9) / close' }],
  ['a cross flag used in not / or, in iff and in history', { long_entry: 'not crossover(ema(close, 3), ema(close, 6)) and crossunder(ema(close, 3), ema(close, 6))[1]', long_exit: 'iff(crossover(ema(close, 3), ema(close, 6)), close > open, false) or crossover(close, sma(close, 5))' }],
  ['rsi and ema of a computed source, and an ema of rsi', { long_entry: 'rsi(hlc3, 5) < 40 and ema(rsi(close, 4), 3) < 50', long_exit: 'crossover(ema(hl2, 3), ema(hl2, 8))' }],
  ['a score that is an rsi the condition also reads', { long_entry: 'rsi(close, 6) < 45', strength: 'rsi(close, 6)', confidence: 'ema(close, 5)' }],
  ['standalone crossover and crossunder kernels', { long_entry: 'crossover(close, ema(close, 10))', short_entry: 'crossunder(sma(close, 3), ema(close, 10)) and rsi(close, 4) <= 60' }],
];

// Flat stretches (rsi na, equal averages) and a jump, then the real data's shape.
const crafted = fromCloses([5, 5, 5, 5, 5, 5, 6, 7, 7, 7, 6, 5, 5, 4, 9, 9, 9, 9, 3, 3, 4, 5, 6, 7, 8, 8, 8, 7, 6, 5, 4, 3, 3, 3, 10, 1, 1, 1, 2]);

function check(t: Test, exprs: RuleExpressions, candles: readonly Candle[]): number {
  const r = compileProgram(exprs, new Map());
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  const strategy = createStrategy(r.program);
  const tracer = new RuleTracer(r.program, { fuse: false });
  let fired = 0;
  let first = '';
  let diffs = 0;
  for (const c of candles) {
    const a = JSON.stringify(strategy.onCandle(c));
    const b = tracer.step(c);
    const e = JSON.stringify(b.signals);
    if (a !== e) {
      diffs++;
      first ||= `bar ${b.index}: strategy ${a}, tracer ${e}`;
    }
    fired += b.signals.length;
  }
  t.equal(diffs, 0, first || 'same signals on every bar');
  return fired;
}

for (const [name, exprs] of READERS) {
  t.test(name, async (t) => {
    const fired = check(t, exprs, btcCandles());
    t.ok(fired > 0, `fires on the real data (${fired} signals)`);
    check(t, exprs, crafted);
  });
}

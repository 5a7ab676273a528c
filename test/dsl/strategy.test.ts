// The Strategy compileRules produces: which signals fire on which bars, what they carry, the
// warm-up gate, shared state and fresh instances.
import t from 'tap';
import { compileRules, type RuleExpressions } from '../../dsl/index.ts';
import { NO_SIGNALS, type Signal } from '../../engine/strategy/strategy.ts';
import type { Candle } from '../../engine/market/candle.ts';
import * as naive from './naive.ts';
import { btcCandles, fromCloses } from './helpers.ts';

function rules(exprs: RuleExpressions, params = new Map<string, number | boolean>()) {
  const r = compileRules(exprs, params);
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.rules;
}

function run(exprs: RuleExpressions, candles: readonly Candle[]): (readonly Signal[])[] {
  const s = rules(exprs).createStrategy();
  return candles.map((c) => s.onCandle(c));
}

const EXAMPLE = 'crossover(ema(close, 9), ema(close, 21)) and rsi(close, 14) < 70';

t.test('the example rule fires on exactly the bars the textbook formulas say', async (t) => {
  const candles = btcCandles();
  const close = candles.map((c) => c.close);
  const cross = naive.crossover(naive.ema(close, 9), naive.ema(close, 21));
  const rsi = naive.rsi(close, 14);
  const expected = close.map((_, i) => i).filter((i) => cross[i] === 1 && rsi[i]! < 70);
  const out = run({ long_entry: EXAMPLE }, candles);
  const fired = out.map((s, i) => (s.length ? i : -1)).filter((i) => i >= 0);
  t.strictSame(fired, expected);
  t.ok(fired.length > 20, `fires ${fired.length} times on six months of hourly data`);
  t.strictSame(out[fired[0]!], [{ action: 'enter_long', reason: `long entry: ${EXAMPLE}` }]);
});

t.test('quiet bars return the shared NO_SIGNALS', async (t) => {
  const out = run({ long_entry: 'close > 100' }, fromCloses([1, 2, 3]));
  for (const s of out) t.equal(s, NO_SIGNALS);
});

t.test('each field maps to its action; exits come before entries; reasons are the expression text', async (t) => {
  const out = run({
    long_entry: 'close > 0',
    long_exit: 'close  >  1',
    short_entry: 'close > 2',
    short_exit: 'close > 3',
  }, fromCloses([1, 5]));
  t.strictSame(out[0], [{ action: 'enter_long', reason: 'long entry: close > 0' }]);
  t.strictSame(out[1], [
    { action: 'exit_long', reason: 'long exit: close > 1' },
    { action: 'exit_short', reason: 'short exit: close > 3' },
    { action: 'enter_long', reason: 'long entry: close > 0' },
    { action: 'enter_short', reason: 'short entry: close > 2' },
  ]);
});

t.test('strength and confidence ride on entries only, with this bar\'s values', async (t) => {
  const out = run({ long_entry: 'close > 1', short_exit: 'close > 1', strength: 'close / 10', confidence: 'close[1] / 100' }, fromCloses([1, 2, 4]));
  t.strictSame(out[0], []);
  t.strictSame(out[1], [
    { action: 'exit_short', reason: 'short exit: close > 1' },
    { action: 'enter_long', reason: 'long entry: close > 1', strength: 0.2, confidence: 0.01 },
  ]);
  t.strictSame(out[2]![1], { action: 'enter_long', reason: 'long entry: close > 1', strength: 0.4, confidence: 0.02 });
});

t.test('an na score is left out rather than passed on as NaN', async (t) => {
  const out = run({ long_entry: 'close > 0', strength: 'close / (close - close)' }, fromCloses([1]));
  t.strictSame(out[0], [{ action: 'enter_long', reason: 'long entry: close > 0' }]);
});

t.test('no signal before warmupBars, even when three-valued logic already says true', async (t) => {
  // `na or true` is true, so the condition holds from bar 0, but close[3] needs 3 bars of history.
  const r = rules({ long_entry: 'close[3] > 0 or true' });
  t.equal(r.warmupBars, 3);
  const s = r.createStrategy();
  const fired = fromCloses([1, 2, 3, 4, 5]).map((c) => s.onCandle(c).length);
  t.strictSame(fired, [0, 0, 0, 1, 1]);
});

t.test('warmupBars and preloadBars', async (t) => {
  const r = rules({ long_entry: EXAMPLE });
  t.equal(r.warmupBars, 21, 'EMA(21) crossover: first valid bar 21');
  t.equal(r.preloadBars, 126, 'RSI(14) needs ~125 bars of Wilder smoothing plus the first delta');
  t.equal(rules({ long_entry: 'ema(close, 21) > 0' }).preloadBars, 97, 'EMA(21): 97 bars to forget the seed to 1e-4');
  t.equal(rules({ long_entry: 'ema(close, 26) > 0' }).preloadBars, 120);
  t.equal(rules({ long_entry: 'ema(close, 200) > 0' }).preloadBars, 922, 'ln(1e-4)/ln(1 − 2/201) = 921.03, rounded up');
  t.equal(rules({ long_entry: 'sma(close, 50) > 0' }).preloadBars, 49, 'a plain window needs nothing beyond warm-up');
  t.equal(rules({ long_entry: 'macd_signal(close, 12, 26, 9) > 0' }).warmupBars, 33);
  t.equal(rules({ long_entry: 'atr(14) > 0' }).warmupBars, 13);
  t.equal(rules({ long_entry: 'crossover(close, sma(close, 20)[2])' }).warmupBars, 22);
  t.equal(rules({ long_entry: 'nz(rsi(close, 14), 50) < 30' }).warmupBars, 0, 'nz supplies a value during warm-up');
  t.equal(rules({ long_entry: 'close > 0', strength: 'sma(close, 10)' }).warmupBars, 9, 'scores count too');
});

t.test('identical sub-expressions share one node and one state', async (t) => {
  const r = rules({ long_entry: 'crossover(ema(close, 9), ema(close, 21))', long_exit: 'crossunder(ema( close ,9 ), ema(close, 21)) or ema(close, 9) < 5' });
  const tracer = r.createTracer!();
  const labels = tracer.columns.map((c) => c.label);
  t.equal(labels.filter((l) => l.replace(/\s+/g, '') === 'ema(close,9)').length, 1, 'one ema(close, 9)');
  t.equal(labels.filter((l) => l === 'ema(close, 21)').length, 1, 'one ema(close, 21)');
  // Chained comparison: the middle operand is computed once.
  const chain = rules({ long_entry: '30 < rsi(close, 14) < 70' }).createTracer!();
  t.equal(chain.columns.filter((c) => c.label === 'rsi(close, 14)').length, 1);
});

t.test('every strategy has its own fresh state', async (t) => {
  const r = rules({ long_entry: 'crossover(close, sma(close, 2))' });
  const a = r.createStrategy();
  const up = fromCloses([3, 2, 1, 5]);
  t.strictSame(up.map((c) => a.onCandle(c).length), [0, 0, 0, 1]);
  const b = r.createStrategy();
  // b starts from scratch: its bar 2 is a warm-up bar, unlike a's.
  t.strictSame(up.map((c) => b.onCandle(c).length), [0, 0, 0, 1]);
  t.strictSame(fromCloses([1, 1, 5]).map((c) => a.onCandle(c).length), [0, 0, 1], 'a continued its own history');
});

t.test('a field left out never fires', async (t) => {
  const out = run({ long_exit: 'close > 0' }, fromCloses([1, 2]));
  t.strictSame(out.map((s) => s.map((x) => x.action)), [['exit_long'], ['exit_long']]);
});

t.test('the strategy (conditions evaluated on demand) and the tracer (everything stepped) agree', async (t) => {
  const candles = btcCandles();
  const sets: RuleExpressions[] = [
    { long_entry: EXAMPLE, long_exit: 'crossunder(ema(close, 9), ema(close, 21)) or close < lowest(low, 20)[1]' },
    { long_entry: 'not (rsi(close, 14) > 30) and close > sma(close, 50)', short_entry: 'rsi(close, 14) > 70 or (close > bb_upper(close, 20, 2) and not crossover(close, open))' },
    { long_entry: '30 < stoch(close, high, low, 14) <= 80 and (close > open)[1]', short_exit: 'cross(macd(close, 12, 26, 9), macd_signal(close, 12, 26, 9)) or false' },
    { long_entry: 'iff(close > vwap, rsi(close, 7) < 40, rsi(close, 7) < 20) and not na(close[500])', long_exit: 'close != close[1] and atr(14) > tr' },
  ];
  for (const exprs of sets) {
    const r = compileRules(exprs, new Map());
    if (!r.ok) {
      t.fail(JSON.stringify(r.diagnostics));
      continue;
    }
    const s = r.rules.createStrategy();
    const tracer = r.rules.createTracer!();
    let fired = 0;
    let mismatches = 0;
    for (const c of candles) {
      const a = s.onCandle(c);
      const b = tracer.step(c);
      if (JSON.stringify(a) !== JSON.stringify(b.signals)) mismatches++;
      const expectedActions: string[] = [];
      const on = (f: 'long_exit' | 'short_exit' | 'long_entry' | 'short_entry') => !b.warmingUp && b.fields.get(f) === 1;
      if (on('long_exit')) expectedActions.push('exit_long');
      if (on('short_exit')) expectedActions.push('exit_short');
      if (on('long_entry')) expectedActions.push('enter_long');
      if (on('short_entry')) expectedActions.push('enter_short');
      if (expectedActions.join() !== a.map((x) => x.action).join()) mismatches++;
      fired += a.length;
    }
    t.equal(mismatches, 0, `${Object.values(exprs).join(' | ')}: same signals on every bar`);
    t.ok(fired > 0, 'fires at least once');
  }
});

t.test('a score that is just a candle field reads this candle', async (t) => {
  const c: Candle[] = [{ start: 0, open: 1, high: 3, low: 0.5, close: 2, volume: 7 }];
  t.strictSame(run({ long_entry: 'close > 0', strength: 'volume', confidence: 'open' }, c)[0], [{ action: 'enter_long', reason: 'long entry: close > 0', strength: 7, confidence: 1 }]);
  t.strictSame(run({ long_entry: 'high > 2.5', strength: 'close' }, c)[0], [{ action: 'enter_long', reason: 'long entry: high > 2.5', strength: 2 }]);
});

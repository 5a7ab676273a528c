// Small sequences worked out by hand (exact fractions in the comments), covering warm-up
// boundaries, flat series, gaps, na propagation and the crossover/cross edge cases of the
// reference (1.3 notes).
import t, { type Test } from 'tap';
import type { Candle } from '../../engine/market/candle.ts';
import { evaluate, fromCloses } from './helpers.ts';

const NA = NaN;
const near = (actual: number[], expected: number[]) =>
  actual.length === expected.length &&
  actual.every((a, i) => (Number.isNaN(expected[i]!) ? Number.isNaN(a) : Math.abs(a - expected[i]!) < 1e-12));

function check(t: Test, expr: string, candles: Candle[], expected: number[]) {
  const got = evaluate(expr, candles);
  t.ok(near(got, expected), `${expr}: got [${got.join(', ')}], expected [${expected.join(', ')}]`);
}

const s1 = fromCloses([1, 2, 3, 4, 5]);

t.test('moving averages seed with the SMA of the first n values', async (t) => {
  check(t, 'sma(close, 3)', s1, [NA, NA, 2, 3, 4]);
  // α = 1/2: 2 → 2 + (4−2)/2 = 3 → 3 + (5−3)/2 = 4 (Pine; a first-value seed would give 2.25, 3.125)
  check(t, 'ema(close, 3)', s1, [NA, NA, 2, 3, 4]);
  // rma: 2 → (2·2 + 4)/3 = 8/3 → (8/3·2 + 5)/3 = 31/9
  check(t, 'rma(close, 3)', s1, [NA, NA, 2, 8 / 3, 31 / 9]);
  // wma weights 3,2,1 (newest first): (3·3+2·2+1)/6 = 14/6, then 20/6, 26/6
  check(t, 'wma(close, 3)', s1, [NA, NA, 14 / 6, 20 / 6, 26 / 6]);
  // population stdev of {1,2,3} = √(2/3)
  check(t, 'stdev(close, 3)', s1, [NA, NA, Math.sqrt(2 / 3), Math.sqrt(2 / 3), Math.sqrt(2 / 3)]);
  check(t, 'ema(close, 1)', s1, [1, 2, 3, 4, 5]);
});

t.test('rsi: first value at bar n, 100 with no down moves, flat start is na', async (t) => {
  // deltas +1 +1 −1 +1; rma2(up): 1, 1/2, 3/4; rma2(down): 0, 1/2, 1/4 → 100, 50, 100 − 100/4
  check(t, 'rsi(close, 2)', fromCloses([1, 2, 3, 2, 3]), [NA, NA, 100, 50, 75]);
  // flat start: up = down = 0 → 0/0 → na; then one up move → 100
  check(t, 'rsi(close, 2)', fromCloses([5, 5, 5, 5, 6]), [NA, NA, NA, NA, 100]);
  check(t, 'rsi(close, 2)', fromCloses([5, 4, 3]), [NA, NA, 0]);
});

t.test('crossover, crossunder and cross on plateaus', async (t) => {
  // a = [3, 2, 3], b = 2: touching from above and rising again fires on bar 2.
  check(t, 'crossover(close, 2)', fromCloses([3, 2, 3]), [NA, 0, 1]);
  // An equality plateau from the start followed by a rise fires (previous bar a ≤ b).
  check(t, 'crossover(close, 2)', fromCloses([2, 2, 3]), [NA, 0, 1]);
  check(t, 'crossunder(close, 2)', fromCloses([1, 2, 1]), [NA, 0, 1]);
  // cross remembers the last strict relation: a plateau from the start never fires …
  check(t, 'cross(close, 2)', fromCloses([2, 2, 3]), [0, 0, 0]);
  // … above, equal, above again does not fire …
  check(t, 'cross(close, 2)', fromCloses([3, 2, 3]), [0, 0, 0]);
  // … below, equal, above does, on the bar that ends up above …
  check(t, 'cross(close, 2)', fromCloses([1, 2, 3]), [0, 0, 1]);
  // … and a straight swap both ways fires each time.
  check(t, 'cross(close, 2)', fromCloses([1, 3, 1]), [0, 1, 1]);
  // crossover needs both bars defined: warm-up of the inputs gives na, not false.
  check(t, 'crossover(close, sma(close, 2))', fromCloses([1, 2, 3, 2]), [NA, NA, 0, 0]);
});

t.test('highest, lowest, stoch: windows, na skipping and zero range', async (t) => {
  check(t, 'highest(close, 3)', fromCloses([1, 5, 2, 3, 4, 1]), [NA, NA, 5, 5, 4, 4]);
  check(t, 'lowest(close, 2)', fromCloses([3, 1, 2, 5, 4]), [NA, 1, 1, 2, 4]);
  // close[1] is na on bar 0; the window skips it, so bar 2 already has a value.
  check(t, 'highest(close[1], 3)', fromCloses([9, 1, 2, 3, 4]), [NA, NA, 9, 9, 3]);
  // flat candles: highest = lowest → 0/0 → na (TA-Lib would say 0)
  check(t, 'stoch(close, high, low, 2)', fromCloses([5, 5, 5]), [NA, NA, NA]);
  check(t, 'stoch(close, high, low, 2)', fromCloses([4, 6, 5]), [NA, 100, 0]);
});

t.test('gaps: true range uses the previous close', async (t) => {
  const gap: Candle[] = [
    { start: 0, open: 100, high: 101, low: 99, close: 100, volume: 1 },
    { start: 3_600_000, open: 200, high: 210, low: 200, close: 205, volume: 1 },
    { start: 7_200_000, open: 150, high: 160, low: 140, close: 150, volume: 1 },
  ];
  check(t, 'tr', gap, [NA, 110, 65]);
  check(t, 'tr(true)', gap, [2, 110, 65]);
  // atr(2) = rma(tr(true), 2): (2 + 110)/2 = 56, then (56 + 65)/2 = 60.5
  check(t, 'atr(2)', gap, [NA, 56, 60.5]);
  check(t, 'change(close)', gap, [NA, 105, -55]);
  check(t, 'change(close, 2)', gap, [NA, NA, 50]);
});

t.test('na propagates through arithmetic and comparisons; nz/na/iff handle it', async (t) => {
  const c = fromCloses([1, 2, 3]);
  check(t, 'close[1] + 1', c, [NA, 2, 3]);
  check(t, 'close / (close - close)', c, [NA, NA, NA]);
  check(t, 'nz(close / (close - close), 7)', c, [7, 7, 7]);
  check(t, 'nz(close[1])', c, [0, 1, 2]);
  check(t, 'na(close[2])', c, [1, 1, 0]);
  check(t, 'close[1] > 1', c, [NA, 0, 1]);
  check(t, 'iff(close[1] > 1, 10, 20)', c, [20, 20, 10]);
  check(t, 'max(close, close[1])', c, [NA, 2, 3]);
  check(t, 'min(close, 2, 5)', c, [1, 2, 2]);
  check(t, 'abs(close - 2)', c, [1, 0, 1]);
  check(t, '-close % 2', c, [-1, -0, -1]);
});

t.test('three-valued logic: na only where the answer really is unknown', async (t) => {
  const c = fromCloses([1, 2, 3]);
  check(t, 'close[1] > 1 and close > 5', c, [0, 0, 0]);
  check(t, 'close[1] > 1 or close > 2', c, [NA, 0, 1]);
  check(t, 'close[1] > 1 or close > 0', c, [1, 1, 1]);
  check(t, 'not (close[1] > 1)', c, [NA, 1, 0]);
  check(t, 'true and close > 1', c, [0, 1, 1]);
});

t.test('comparisons: chains share the middle operand; == rounds to 9 decimals', async (t) => {
  const c = fromCloses([1, 2, 3]);
  check(t, '1 < close < 3', c, [0, 1, 0]);
  check(t, '1 <= close <= 3', c, [1, 1, 1]);
  check(t, 'close == 2', c, [0, 1, 0]);
  check(t, 'close * 0.1 + 0.2 == close / 10 + 0.2000000000001', c, [1, 1, 1]);
  check(t, 'close * 0.1 + 0.2 == close / 10 + 0.201', c, [0, 0, 0]);
  check(t, 'close != 2', c, [1, 0, 1]);
});

t.test('history reads n bars back on any series, including conditions', async (t) => {
  const c = fromCloses([1, 2, 3, 4]);
  check(t, 'close[2]', c, [NA, NA, 1, 2]);
  check(t, '(close > 2)[1]', c, [NA, 0, 0, 1]);
  check(t, 'sma(close, 2)[1]', c, [NA, NA, 1.5, 2.5]);
  check(t, 'close[0]', c, [1, 2, 3, 4]);
});

t.test('params are constants usable as lengths and offsets', async (t) => {
  const got = evaluate('sma(close, len)[back]', fromCloses([1, 2, 3, 4]), new Map([['len', 2], ['back', 1]]));
  t.ok(near(got, [NA, NA, 1.5, 2.5]), `got ${got}`);
  const flag = evaluate('iff(use_fast, ema(close, 1), 0)', fromCloses([1, 2]), new Map<string, number | boolean>([['use_fast', true]]));
  t.ok(near(flag, [1, 2]));
});

t.test('vwap anchors at 00:00 UTC and is na before the first anchor', async (t) => {
  const hour = 3_600_000;
  const midnight = Date.UTC(2024, 0, 2);
  const bar = (start: number, price: number, volume: number): Candle => ({ start, open: price, high: price, low: price, close: price, volume });
  const candles = [
    bar(midnight - 2 * hour, 10, 1), // partial day: no anchor yet
    bar(midnight - hour, 20, 1),
    bar(midnight, 30, 1), // anchor
    bar(midnight + hour, 60, 2), // (30 + 120)/3 = 50
    bar(midnight + 24 * hour, 5, 1), // next day resets
  ];
  check(t, 'vwap', candles, [NA, NA, 30, 50, 5]);
  check(t, 'vwap(close)', candles, [NA, NA, 30, 50, 5]);
});

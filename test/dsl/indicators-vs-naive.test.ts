// Every indicator, driven through the whole language, against the naive batch formulas in
// naive.ts on 4368 real BTCUSDT hourly candles: same na positions (so the first valid bar is
// exact) and the same values to 1e-9 relative.
import t from 'tap';
import * as naive from './naive.ts';
import { btcCandles, evaluate, firstValid, sameSeries } from './helpers.ts';

const candles = btcCandles();
const open = candles.map((c) => c.open);
const high = candles.map((c) => c.high);
const low = candles.map((c) => c.low);
const close = candles.map((c) => c.close);
const volume = candles.map((c) => c.volume);
const time = candles.map((c) => c.start);
const hlc3 = candles.map((c) => (c.high + c.low + c.close) / 3);

t.equal(candles.length, 4368, 'the real data file is complete');

const line = naive.zip(naive.ema(close, 12), naive.ema(close, 26), (a, b) => a - b);
const signal = naive.ema(line, 9);

const cases: [string, number[], number][] = [
  ['sma(close, 20)', naive.sma(close, 20), 19],
  ['ema(close, 9)', naive.ema(close, 9), 8],
  ['ema(close, 200)', naive.ema(close, 200), 199],
  ['rma(high, 15)', naive.rma(high, 15), 14],
  ['wma(close, 10)', naive.wma(close, 10), 9],
  ['stdev(close, 20)', naive.stdev(close, 20), 19],
  ['rsi(close, 14)', naive.rsi(close, 14), 14],
  ['rsi(close, 2)', naive.rsi(close, 2), 2],
  ['macd(close, 12, 26, 9)', line, 25],
  ['macd_signal(close, 12, 26, 9)', signal, 33],
  ['macd_hist(close, 12, 26, 9)', naive.zip(line, signal, (a, b) => a - b), 33],
  ['bb_mid(close, 20, 2)', naive.sma(close, 20), 19],
  ['bb_upper(close, 20, 2)', naive.zip(naive.sma(close, 20), naive.stdev(close, 20), (m, s) => m + 2 * s), 19],
  ['bb_lower(close, 20, 2.5)', naive.zip(naive.sma(close, 20), naive.stdev(close, 20), (m, s) => m - 2.5 * s), 19],
  ['tr', naive.tr(high, low, close, false), 1],
  ['tr(true)', naive.tr(high, low, close, true), 0],
  ['atr(14)', naive.atr(high, low, close, 14), 13],
  ['stoch(close, high, low, 14)', naive.stoch(close, high, low, 14), 13],
  ['highest(high, 20)', naive.highest(high, 20), 19],
  ['highest(20)', naive.highest(high, 20), 19],
  ['lowest(low, 20)', naive.lowest(low, 20), 19],
  ['lowest(low, 20)[1]', naive.shift(naive.lowest(low, 20), 1), 20],
  ['change(close)', naive.change(close, 1), 1],
  ['change(close, 5)', naive.change(close, 5), 5],
  ['close[3]', naive.shift(close, 3), 3],
  ['vwap', naive.vwap(hlc3, volume, time), 0],
  ['vwap(close)', naive.vwap(close, volume, time), 0],
  ['hl2', naive.zip(high, low, (h, l) => (h + l) / 2), 0],
  ['ohlc4', open.map((o, i) => (o + high[i]! + low[i]! + close[i]!) / 4), 0],
  // Composition: an average of an average is seeded once the inner one has values.
  ['sma(ema(close, 5), 3)', naive.sma(naive.ema(close, 5), 3), 6],
  ['rsi(ema(close, 5), 14)', naive.rsi(naive.ema(close, 5), 14), 18],
  ['highest(close[1], 5)', naive.highest(naive.shift(close, 1), 5), 4],
  ['ema(close, 9) - ema(close, 21)', naive.zip(naive.ema(close, 9), naive.ema(close, 21), (a, b) => a - b), 20],
];

for (const [expr, expected, first] of cases) {
  t.test(expr, async (t) => {
    const actual = evaluate(expr, candles);
    t.equal(sameSeries(actual, expected), undefined, 'matches the naive reference');
    t.equal(firstValid(actual), first, `first valid bar is ${first}`);
  });
}

const boolCases: [string, number[], number][] = [
  ['crossover(ema(close, 9), ema(close, 21))', naive.crossover(naive.ema(close, 9), naive.ema(close, 21)), 21],
  ['crossunder(ema(close, 9), ema(close, 21))', naive.crossunder(naive.ema(close, 9), naive.ema(close, 21)), 21],
  ['cross(ema(close, 9), ema(close, 21))', naive.cross(naive.ema(close, 9), naive.ema(close, 21)), 20],
  ['crossover(close, sma(close, 50))', naive.crossover(close, naive.sma(close, 50)), 50],
];

for (const [expr, expected, first] of boolCases) {
  t.test(expr, async (t) => {
    const actual = evaluate(expr, candles);
    t.equal(sameSeries(actual, expected, 0), undefined, 'fires on exactly the same bars');
    t.equal(firstValid(actual), first, `first defined bar is ${first}`);
    t.ok(actual.filter((x) => x === 1).length > 10, 'fires on real data');
  });
}

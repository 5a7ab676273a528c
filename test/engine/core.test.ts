// Decision core rules: gates, sides, sizing, caps, precision, stops, trailing — each checked on a
// small scenario whose numbers are worked out by hand in the comments.
import t from 'tap';
import { Backtest, runBacktest } from '../../engine/backtest/runner.ts';
import { summaryText } from '../../engine/backtest/output.ts';
import { BTC_LINEAR, candles, d, flat, makePlan, scripted, T0 } from '../helpers/plan.ts';
import type { Signal } from '../../engine/strategy/strategy.ts';
import { candleStartAt } from '../../engine/market/candle.ts';

const texts = (r: { decisions: { text: string }[] }): string[] => r.decisions.map((x) => x.text);
const buy = (strength?: number): Signal => (strength === undefined ? { action: 'enter_long', reason: '' } : { action: 'enter_long', strength, reason: '' });

t.test('entry gate: strength and confidence thresholds; missing score fails a set gate', async (t) => {
  const plan = makePlan({ entryGate: { minStrength: 0.5, minConfidence: 0.6 } });
  const r = runBacktest(plan, scripted({
    0: [{ action: 'enter_long', strength: 0.4, confidence: 0.9, reason: 'weak' }],
    1: [{ action: 'enter_long', strength: 0.7, reason: '' }],
    2: [{ action: 'enter_long', strength: 0.7, confidence: 0.6, reason: 'ok' }],
  }), BTC_LINEAR, candles(flat(4, 40000)));
  const x = texts(r);
  t.equal(x[0], '2021-10-01 00:00 BUY signal (strength 0.4, confidence 0.9) skipped: strength 0.4 below min strength 0.5');
  t.equal(x[1], '2021-10-01 01:00 BUY signal (strength 0.7) skipped: confidence not given below min confidence 0.6');
  t.match(x[2], /^2021-10-01 02:00 BUY signal \(strength 0.7, confidence 0.6\) entering long 0.01 market/);
  t.equal(r.decisions[0]!.reason, 'skipped: strength 0.4 below min strength 0.5');
  t.equal(r.decisions[0]!.signalReason, 'weak', "the strategy's own words are kept beside the engine's");
  t.equal(r.trades.length, 1);
});

t.test('directions gate sides', async (t) => {
  const r = runBacktest(makePlan({ directions: { long: true, short: false } }), scripted({ 0: ['enter_short'] }), BTC_LINEAR, candles(flat(2, 40000)));
  t.match(texts(r)[0], /SELL SHORT signal skipped: short entries are disabled$/);
  t.equal(r.trades.length, 0);
});

t.test('a disallowed side never acts: direction long ignores enter_short while long', async (t) => {
  const r = runBacktest(makePlan({ directions: { long: true, short: false } }), scripted({ 0: ['enter_long'], 2: ['enter_short'] }), BTC_LINEAR, candles(flat(5, 40000)));
  t.equal(texts(r)[1], '2021-10-01 02:00 SELL SHORT signal skipped: short entries are disabled');
  t.equal(r.decisions[1]!.outcome, 'skipped');
  t.equal(r.trades.length, 1, 'the long stays open until the data ends');
  t.equal(r.trades[0]!.reason, 'end_of_data');
});

t.test('opposite entry signal closes the position and skips the entry; exit when flat is a no-op', async (t) => {
  const r = runBacktest(makePlan(), scripted({ 0: ['exit_long'], 1: ['enter_long'], 3: ['enter_short'], 5: ['enter_long'] }), BTC_LINEAR, candles(flat(7, 40000)));
  const x = texts(r);
  t.equal(x[0], '2021-10-01 00:00 EXIT LONG signal nothing to do: no long position');
  t.match(x[1], /BUY signal entering long/);
  t.equal(x[2], '2021-10-01 03:00 SELL SHORT signal closing the long at the next open; entry skipped (a new entry needs a fresh signal after the exit)');
  t.match(x[3], /05:00 BUY signal entering long/);
  t.equal(r.trades.length, 2);
  t.equal(r.trades[0]!.reason, 'reverse');
  t.equal(r.trades[0]!.exitTime, r.trades[0]!.entryTime + 2 * 3_600_000); // filled at bar 2, closed at bar 4's open
  t.equal(r.trades[0]!.side, 'long');
  t.equal(r.trades[1]!.side, 'long');
  t.equal(r.decisions[0]!.outcome, 'none');
});

t.test('already in position / entry working: skipped with the reason', async (t) => {
  const r = runBacktest(makePlan(), scripted({ 0: ['enter_long'], 1: ['enter_long'] }), BTC_LINEAR, candles(flat(3, 40000)));
  t.match(texts(r)[1], /BUY signal skipped: already long$/);
  const lim = makePlan({ entryOrder: { type: 'limit', offsetPercent: d(1), timeout: { unit: 'bars', bars: 5 }, onTimeout: 'cancel' } });
  const r2 = runBacktest(lim, scripted({ 0: ['enter_long'], 1: ['enter_long'], 2: ['exit_long'] }), BTC_LINEAR, candles(flat(4, 40000)));
  t.match(texts(r2)[1], /skipped: an entry order is already working$/);
  t.match(texts(r2)[2], /EXIT LONG signal working long entry order cancelled$/);
});

t.test('a drained account is refused quickly, with its equity in the reason', async (t) => {
  // equity 3 USDT, 1 % risk over a 2 % stop: 0.03 / (800 − one tick) ≈ 0.0000375 BTC, far below 0.001
  const plan = makePlan({
    risk: { sizing: { kind: 'risk_percent', percent: d(1) }, leverage: d(10) },
    exits: { placement: 'exchange', stopLoss: { kind: 'percent', percent: d(2) } },
    simulation: { initialEquity: d(3), takerFeePercent: d(0), makerFeePercent: d(0), slippagePercent: d(0) },
  });
  const r = runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, candles(flat(2, 40000)));
  t.match(r.decisions[0]!.text, /BUY signal skipped: quantity at most 0.0000375[0-9]*, below the minimum order quantity 0.001 \(equity 3\)$/);
});

t.test('risk-percent sizing: qty = equity × pct / |entry − stop|', async (t) => {
  // equity 10000, risk 1 % = 100; stop 2 % below 40000 = 39200, distance 800 → 0.125 BTC
  const plan = makePlan({
    risk: { sizing: { kind: 'risk_percent', percent: d(1) }, leverage: d(10) },
    exits: { placement: 'exchange', stopLoss: { kind: 'percent', percent: d(2) } },
  });
  const r = runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, candles([[40000, 40000, 40000, 40000], [40000, 40000, 39000, 39000]]));
  t.match(texts(r)[0], /entering long 0.125 market at the next open \(ref 40000\), stop 39200$/);
  // stopped at 39200: (39200 − 40000) × 0.125 = −100 = exactly 1 % of equity
  t.equal(r.trades[0]!.netPnl.toFixed(), '-100');
});

t.test('ATR stop: Wilder ATR, stop at a multiple of it', async (t) => {
  // Each candle spans 100 around a flat 40000, so every true range is 100 and ATR(3) = 100 from
  // bar 2 on. Stop 2 × ATR = 200 → 39800; target 3 × ATR = 300 → 40300.
  const rows = Array.from({ length: 5 }, () => [40000, 40050, 39950, 40000] as [number, number, number, number]);
  const plan = makePlan({
    risk: { sizing: { kind: 'risk_percent', percent: d('0.5') }, leverage: d(10) },
    exits: { placement: 'exchange', stopLoss: { kind: 'atr', length: 3, multiple: d(2) }, takeProfit: { kind: 'atr', length: 3, multiple: d(3) } },
  });
  const r = runBacktest(plan, scripted({ 1: ['enter_long'], 2: ['enter_long'] }), BTC_LINEAR, candles(rows));
  const x = texts(r);
  t.match(x[0], /01:00 BUY signal skipped: ATR\(3\) is not ready yet \(needs 3 candles\)$/);
  // risk 0.5 % of 10000 = 50 over 200 → 0.25 BTC
  t.match(x[1], /02:00 BUY signal entering long 0.25 market at the next open \(ref 40000\), stop 39800, target 40300$/);
});

t.test('caps: max position qty, max position value, leverage', async (t) => {
  const run = (risk: Record<string, unknown>): string =>
    texts(runBacktest(makePlan({ risk: risk as never }), scripted({ 0: ['enter_long'] }), BTC_LINEAR, candles(flat(2, 40000))))[0]!;
  t.match(run({ sizing: { kind: 'quantity', quantity: d(2) }, maxPositionQty: d('0.3'), leverage: d(100) }), /entering long 0.3 .*capped by max position 0.3/);
  // 10000 USDT cap / 40000 = 0.25
  t.match(run({ sizing: { kind: 'quantity', quantity: d(2) }, maxPositionQuote: d(10000), leverage: d(100) }), /entering long 0.25 .*capped by max position value 10000/);
  // equity 10000 × leverage 2 / 40000 = 0.5 (fees and slippage zero here)
  t.match(run({ sizing: { kind: 'quote', amount: d(1000000) }, leverage: d(2) }), /entering long 0.5 .*capped by leverage 2x/);
});

t.test('leverage cap leaves room for the taker fee and slippage so the fill is not refused', async (t) => {
  // per unit: 40000 × 1.001 × (1/2 + 0.00055) = 20042.0022 → 10000 / 20042.0022 = 0.49895… → 0.498
  const plan = makePlan({
    risk: { sizing: { kind: 'quote', amount: d(1000000) }, leverage: d(2) },
    simulation: { initialEquity: d(10000), takerFeePercent: d('0.055'), makerFeePercent: d('0.02'), slippagePercent: d('0.1') },
  });
  const r = runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, candles(flat(3, 40000)));
  t.match(texts(r)[0], /entering long 0.498 /);
  t.equal(r.trades.length, 1);
  t.equal(r.trades[0]!.qty.toFixed(), '0.498');
});

t.test('leverage cap sizes with the price the fill will use, rounded a tick against the trader', async (t) => {
  // Tick 1, step 0.00000001. The fill is 40000 × 1.00001 = 40000.4, rounded up to 40001. Sized
  // at 40000.4: 10000 / 40000.4 = 0.24999750 → 0.24999750 × 40001 = 10000.15 > 10000, refused.
  // Sized at 40001: 10000 / 40001 = 0.24999375 → 9999.9999… ≤ 10000, filled.
  const rules = { ...BTC_LINEAR, tickSize: d(1), qtyStep: d('0.00000001'), minQty: d('0.00000001') };
  for (const side of ['long', 'short'] as const) {
    const plan = makePlan({
      risk: { sizing: { kind: 'quote', amount: d(1000000) }, leverage: d(1) },
      simulation: { initialEquity: d(10000), takerFeePercent: d(0), makerFeePercent: d(0), slippagePercent: d('0.001') },
    });
    const r = runBacktest(plan, scripted({ 0: [side === 'long' ? 'enter_long' : 'enter_short'] }), rules, candles(flat(3, 40000)));
    t.strictSame(r.decisions.filter((x) => x.outcome === 'rejected').map((x) => x.text), [], `${side}: the order it sized is not refused`);
    t.equal(r.trades.length, 1, `${side}: filled`);
    if (side === 'long') t.equal(r.trades[0]?.qty.toFixed(), '0.24999375');
  }
});

t.test('exchange minimums: below minQty or minNotional is skipped, never sent', async (t) => {
  const run = (sizing: unknown, price: number, sim?: Record<string, unknown>, equity = 10000): string =>
    texts(runBacktest(makePlan({
      risk: { sizing: sizing as never, leverage: d(1) },
      simulation: { initialEquity: d(equity), takerFeePercent: d(0), makerFeePercent: d(0), slippagePercent: d(0), ...sim },
    }), scripted({ 0: ['enter_long'] }), BTC_LINEAR, candles(flat(2, price))))[0]!;
  // 0.0009 < 0.001: refused from the quantity bound, no Decimal work
  t.match(run({ kind: 'quantity', quantity: d('0.0009') }, 40000), /skipped: quantity at most 0.0009, below the minimum order quantity 0.001 \(equity 10000\)$/);
  // 0.001 × 4000 = 4 < 5
  t.match(run({ kind: 'quantity', quantity: d('0.001') }, 4000), /skipped: order value at most 4, below the minimum order value 5 \(equity 10000\)$/);
  // 30 USDT / 40000 = 0.00075
  t.match(run({ kind: 'quote', amount: d(30) }, 40000), /skipped: quantity at most 0.00075, below the minimum/);
  // Near the minimum the exact path decides: equity 40.01 at leverage 1 bounds the size at
  // 0.00100025, but with the 0.055 % fee it is 40.01 / (40000 × 1.00055) = 0.00099970… → 0.000.
  t.match(run({ kind: 'quote', amount: d(1000) }, 40000, { takerFeePercent: d('0.055') }, 40.01), /skipped: quantity 0.0009997 rounds to 0, below the minimum order quantity 0.001 \(capped by leverage 1x\)$/);
  // 50 USDT / 40000 = 0.00125 → 0.001 (step): sent
  t.match(run({ kind: 'quote', amount: d(50) }, 40000), /entering long 0.001 /);
});

t.test('tick rounding of stops and targets toward safety', async (t) => {
  // ref 40000.05 (tick 0.1). 1 % = 400.0005. Long stop 39600.0495 → UP to 39600.1; long target
  // at 1.5 % = 40600.050750 → DOWN to 40600. Short stop 40400.0505 → DOWN to 40400; short target
  // 39400.049250 → UP to 39400.1.
  const plan = makePlan({ exits: { placement: 'exchange', stopLoss: { kind: 'percent', percent: d(1) }, takeProfit: { kind: 'percent', percent: d('1.5') } } });
  const bars = candles(flat(2, 40000.05));
  t.match(texts(runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, bars))[0], /stop 39600.1, target 40600$/);
  t.match(texts(runBacktest(plan, scripted({ 0: ['enter_short'] }), BTC_LINEAR, bars))[0], /stop 40400, target 39400.1$/);
  // A stop distance under one tick is refused rather than rounded onto the entry.
  const tiny = makePlan({ exits: { placement: 'exchange', stopLoss: { kind: 'percent', percent: d('0.0001') } } });
  t.match(texts(runBacktest(tiny, scripted({ 0: ['enter_long'] }), BTC_LINEAR, bars))[0], /skipped: stop-loss distance 0.0400[0-9]* is less than one price tick \(0.1\)$/);
});

t.test('limit entry price rounds to the side that never pays more', async (t) => {
  // 40000.05 × 0.997 = 39880.04985: buy limit DOWN to 39880; sell limit 40000.05 × 1.003 = 40120.05015 UP to 40120.1
  const plan = makePlan({ entryOrder: { type: 'limit', offsetPercent: d('0.3'), timeout: { unit: 'bars', bars: 2 }, onTimeout: 'cancel' } });
  const bars = candles(flat(2, 40000.05));
  t.match(texts(runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, bars))[0], /entering long 0.01 limit 39880$/);
  t.match(texts(runBacktest(plan, scripted({ 0: ['enter_short'] }), BTC_LINEAR, bars))[0], /entering short 0.01 limit 40120.1$/);
});

t.test('trailing stop: follows closes by the distance, only in favour, fills when touched', async (t) => {
  // No stop-loss, trailing 1 % with no activation: initial stop 40000 × 0.99 = 39600.
  const plan = makePlan({ exits: { placement: 'exchange', trailingStop: { distance: { kind: 'percent', percent: d(1) } } } });
  const r = runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, candles([
    [40000, 40000, 40000, 40000], // signal
    [40000, 40500, 40000, 40500], // fill 40000; close 40500 → stop 40095
    [40500, 41000, 40500, 41000], // close 41000 → stop 40590
    [41000, 41000, 40800, 40800], // close 40800 → 40392 would loosen: stays 40590
    [40800, 40800, 40500, 40600], // low 40500 ≤ 40590 → exit at 40590
  ]));
  const tr = r.trades[0]!;
  t.equal(tr.stopLoss!.toFixed(), '39600');
  t.equal(tr.reason, 'trailing_stop');
  t.equal(tr.exitPrice.toFixed(), '40590');
  t.equal(tr.netPnl.toFixed(), '5.9');
});

t.test('trailing stop activation: trails only once price moved far enough', async (t) => {
  // stop-loss 2 % (39200); trailing 1 % activates after +2 % (close ≥ 40800).
  const plan = makePlan({ exits: { placement: 'exchange', stopLoss: { kind: 'percent', percent: d(2) }, trailingStop: { distance: { kind: 'percent', percent: d(1) }, activation: { kind: 'percent', percent: d(2) } } } });
  const r = runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, candles([
    [40000, 40000, 40000, 40000],
    [40000, 40700, 40000, 40700], // +1.75 %: not active, stop stays 39200
    [40700, 40700, 39300, 40000], // low 39300 above 39200
    [40000, 41000, 40000, 41000], // +2.5 %: active, stop 40590
    [41000, 41000, 40000, 40100], // exit at 40590
  ]));
  t.equal(r.trades[0]!.exitPrice.toFixed(), '40590');
  t.equal(r.trades[0]!.reason, 'trailing_stop');
});

t.test('short trailing stop with ATR distance moves down only', async (t) => {
  // Ranges of 100 → ATR(2) = 100; distance 2 × ATR = 200. Entry ref 40000 (bar 2), stop-loss 1 % = 40400.
  const plan = makePlan({ exits: { placement: 'exchange', stopLoss: { kind: 'percent', percent: d(1) }, trailingStop: { distance: { kind: 'atr', length: 2, multiple: d(2) } } } });
  const r = runBacktest(plan, scripted({ 2: ['enter_short'] }), BTC_LINEAR, candles([
    [40000, 40050, 39950, 40000],
    [40000, 40050, 39950, 40000],
    [40000, 40050, 39950, 40000], // signal
    [40000, 40000, 39900, 39900], // fill 40000; TR 100; close 39900 → stop 40100
    [39900, 39950, 39850, 39900], // close 39900 → 40100 again: no move
    [39900, 40150, 39900, 40100], // high 40150 ≥ 40100 → exit at 40100
  ]));
  t.equal(r.trades[0]!.exitPrice.toFixed(), '40100');
  t.equal(r.trades[0]!.reason, 'trailing_stop');
  t.equal(r.trades[0]!.netPnl.toFixed(), '-1');
});

t.test("placement 'bot': stops checked on the close, exit at the next open", async (t) => {
  const plan = makePlan({ exits: { placement: 'bot', stopLoss: { kind: 'percent', percent: d(1) } } });
  const r = runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, candles([
    [40000, 40000, 40000, 40000],
    [40000, 40000, 39000, 39700], // low pierces 39600 but the close 39700 stays above: held
    [39700, 39700, 39500, 39550], // close 39550 ≤ 39600 → exit at next open
    [39400, 39400, 39400, 39400], // exit at 39400
  ]));
  t.equal(r.trades[0]!.exitPrice.toFixed(), '39400');
  t.equal(r.trades[0]!.reason, 'stop_loss');
  t.equal(r.trades[0]!.exitTime, r.trades[0]!.entryTime + 2 * 3_600_000);
  t.match(texts(r).join('\n'), /02:00 close 39550 at or below the stop-loss 39600: closing the long at the next open/);
});

t.test("placement 'bot' with a trailing stop: trailed on closes, exits at the next open, never intrabar", async (t) => {
  const plan = makePlan({ exits: { placement: 'bot', trailingStop: { distance: { kind: 'percent', percent: d(1) } } } });
  const r = runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, candles([
    [40000, 40000, 40000, 40000],
    [40000, 41000, 40000, 41000], // fill 40000; close 41000 → trailed stop 40590
    [41000, 41000, 40000, 40700], // low 40000 pierces 40590 but the close 40700 holds
    [40700, 40700, 40500, 40550], // close 40550 ≤ 40590 → exit at the next open
    [40400, 40400, 40400, 40400], // exit at 40400
  ]));
  t.equal(r.trades[0]!.reason, 'trailing_stop');
  t.equal(r.trades[0]!.exitPrice.toFixed(), '40400');
  t.match(r.decisions.map((x) => x.text).join('\n'), /03:00 close 40550 at or below the trailing stop 40590: closing the long at the next open/);
});

t.test('end of data: an open position is closed at market at the last close, like any market exit', async (t) => {
  const r = runBacktest(makePlan(), scripted({ 0: ['enter_long'] }), BTC_LINEAR, candles([[40000, 40000, 40000, 40000], [40000, 40000, 40000, 40000], [40000, 41000, 40000, 41000]]));
  t.equal(r.closedAtEnd, true);
  t.equal(r.trades[0]!.reason, 'end_of_data');
  t.equal(r.trades[0]!.exitPrice.toFixed(), '41000');
  t.equal(r.metrics.finalEquity.toFixed(), '10010');
  // With 0.1 % slippage and a 0.05 % taker fee: sold at 41000.5 × 0.999 = 40959.4995, rounded down
  // to the tick: 40959.4.
  const slip = makePlan({ simulation: { initialEquity: d(10000), takerFeePercent: d('0.05'), makerFeePercent: d(0), slippagePercent: d('0.1') } });
  const r2 = runBacktest(slip, scripted({ 0: ['enter_long'] }), BTC_LINEAR, candles([[40000, 40000, 40000, 40000], [40000, 40000, 40000, 40000], [40000, 41000.5, 40000, 41000.5]]));
  t.equal(r2.trades[0]!.exitPrice.toFixed(), '40959.4');
  t.match(summaryText(r2, { data: 'test' }), /note: the position still open at the end was closed at market at the last close \(slippage and taker fee included\)/);
});

t.test('stops and targets are measured from the signal close, not from the fill', async (t) => {
  // Signal close 40000; the next candle gaps up to 40400. The 2 % stop is 2 % of 40000 = 39200, and
  // the 2R target 40000 + 2 × 800 = 41600: the levels go out with the order, before any fill.
  const plan = makePlan({ exits: { placement: 'exchange', stopLoss: { kind: 'percent', percent: d(2) }, takeProfit: { kind: 'risk_reward', multiple: d(2) } } });
  const r = runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, candles([[40000, 40000, 40000, 40000], [40400, 40400, 40400, 40400], [40400, 40400, 40400, 40400]]));
  t.equal(r.trades[0]!.entryPrice.toFixed(), '40400');
  t.equal(r.trades[0]!.stopLoss?.toFixed(), '39200');
  t.equal(r.trades[0]!.takeProfit?.toFixed(), '41600');
});

t.test('warm-up: signals before preloadBars are discarded', async (t) => {
  const r = runBacktest(makePlan(), scripted({ 0: ['enter_long'], 2: ['enter_long'] }, 2), BTC_LINEAR, candles(flat(4, 40000)));
  const signals = r.decisions.filter((x) => x.kind === 'signal');
  t.equal(signals.length, 1);
  t.match(signals[0]!.text, /^2021-10-01 02:00 BUY signal entering long/);
  t.equal(r.warmupBars, 2);
  // With a start time, history before it does the warm-up: the first candle in range may trade.
  const ranged = runBacktest(makePlan(), scripted({ 1: ['enter_long'], 2: ['enter_long'] }, 2), BTC_LINEAR, candles(flat(4, 40000)), { from: T0 + 2 * 3_600_000 });
  t.equal(ranged.candles.count, 2);
  t.equal(ranged.warmupBars, 0);
  t.same(ranged.decisions.filter((x) => x.kind === 'signal').map((x) => x.text.slice(0, 26)), ['2021-10-01 02:00 BUY signa']);
});

t.test('buy helper is used', async (t) => {
  t.equal(buy(0.5).strength, 0.5);
  t.equal(buy().strength, undefined);
});

t.test('after missing candles, records are labelled with the candle that carried the event', async (t) => {
  // Candles 00:00 and 01:00, then nothing until 06:00: the stop (39200) is hit in the 06:00 candle.
  const plan = makePlan({ exits: { placement: 'exchange', stopLoss: { kind: 'percent', percent: d(2) } }, protections: { maxDailyLossPercent: d('0.01') } });
  const bars = candles([[40000, 40000, 40000, 40000], [40000, 40000, 40000, 40000]]);
  bars.push({ start: T0 + 6 * 3_600_000, open: 40000, high: 40000, low: 39000, close: 39100, volume: 1 });
  const r = runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, bars);
  const exit = r.decisions.find((x) => x.kind === 'exit');
  const pause = r.decisions.find((x) => x.action === 'max_daily_loss');
  t.equal(exit && new Date(exit.candle).toISOString(), '2021-10-01T06:00:00.000Z', 'the stop-out belongs to the 06:00 candle');
  t.equal(pause && new Date(pause.candle).toISOString(), '2021-10-01T06:00:00.000Z', 'so does the protection it set off');
  t.match(exit?.text, /^2021-10-01 06:00 long position closed by stop-loss at 39200/);
});

t.test('candleStartAt: the candle of an interval that contains a time (UTC aligned)', async (t) => {
  const at = Date.UTC(2021, 9, 6, 17, 42, 13); // a Wednesday
  const iso = (ms: number): string => new Date(ms).toISOString();
  t.equal(iso(candleStartAt(at, '60')), '2021-10-06T17:00:00.000Z');
  t.equal(iso(candleStartAt(at, '15')), '2021-10-06T17:30:00.000Z');
  t.equal(iso(candleStartAt(at, '240')), '2021-10-06T16:00:00.000Z');
  t.equal(iso(candleStartAt(at, 'D')), '2021-10-06T00:00:00.000Z');
  t.equal(iso(candleStartAt(at, 'W')), '2021-10-04T00:00:00.000Z', 'weeks start on Monday');
  t.equal(iso(candleStartAt(at, 'M')), '2021-10-01T00:00:00.000Z');
  t.equal(iso(candleStartAt(Date.UTC(2021, 9, 6, 17), '60')), '2021-10-06T17:00:00.000Z', 'a candle start is its own candle');
});

t.test('a stop level the venue confirms replaces the core\'s, for trailing and bot-placed checks alike', async (t) => {
  // Long 0.01 at 40000, trailing 1 % (stop 39600). The exchange confirms 39700 instead: a close of
  // 40050 (candidate 39649.5 → 39649.5) is no better than 39700, so the stop stays; a close at 40200
  // (candidate 39798) moves it.
  const plan = makePlan({ exits: { placement: 'exchange', stopLoss: { kind: 'percent', percent: d(1) }, trailingStop: { distance: { kind: 'percent', percent: d(1) } } } });
  const bt = new Backtest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR);
  const bars = candles([[40000, 40000, 40000, 40000], [40000, 40000, 40000, 40000], [40000, 40050, 40000, 40050], [40050, 40200, 40050, 40200]]);
  for (const c of bars.slice(0, 2)) bt.push(c);
  t.equal(bt.core.state.position?.stopLoss?.toFixed(), '39600');
  bt.core.confirmStop(d(39700));
  bt.push(bars[2]!);
  t.equal(bt.core.state.position?.stopLoss?.toFixed(), '39700', 'a candidate below the confirmed level does not move it');
  bt.push(bars[3]!);
  t.equal(bt.core.state.position?.stopLoss?.toFixed(), '39798');
});

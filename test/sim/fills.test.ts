// Fill model and accounting, checked against arithmetic worked out by hand in the comments.
import t from 'tap';
import { runBacktest } from '../../engine/backtest/runner.ts';
import { BTC_LINEAR, BTC_SPOT, candles, d, flat, makePlan, scripted } from '../helpers/plan.ts';

t.test('market entry/exit: next open, adverse slippage, taker fees, P&L', async (t) => {
  const plan = makePlan({ simulation: { initialEquity: d(10000), takerFeePercent: d('0.055'), makerFeePercent: d('0.02'), slippagePercent: d('0.1') } });
  const bars = candles([
    [40000, 40100, 39900, 40000], // 0: BUY signal
    [40200, 40300, 40100, 40250], // 1: fill at 40200 × 1.001 = 40240.2; EXIT signal
    [41000, 41100, 40900, 41000], // 2: sell at 41000 × 0.999 = 40959
  ]);
  const r = runBacktest(plan, scripted({ 0: ['enter_long'], 1: ['exit_long'] }), BTC_LINEAR, bars);
  t.equal(r.trades.length, 1);
  const tr = r.trades[0]!;
  t.equal(tr.entryPrice.toFixed(), '40240.2');
  t.equal(tr.exitPrice.toFixed(), '40959');
  t.equal(tr.entryTime, bars[1]!.start);
  t.equal(tr.exitTime, bars[2]!.start);
  // gross = (40959 − 40240.2) × 0.01 = 7.188
  t.equal(tr.grossPnl.toFixed(), '7.188');
  // fees = 0.01 × 40240.2 × 0.00055 = 0.2213211 and 0.01 × 40959 × 0.00055 = 0.2252745
  t.equal(tr.fees.toFixed(), '0.4465956');
  // net = 7.188 − 0.4465956 = 6.7414044
  t.equal(tr.netPnl.toFixed(), '6.7414044');
  t.equal(r.metrics.finalEquity.toFixed(), '10006.7414044');
  t.equal(r.metrics.fees.toFixed(), '0.4465956');
});

t.test('short round trip: slippage against the seller and the buyer', async (t) => {
  const plan = makePlan({ simulation: { initialEquity: d(10000), takerFeePercent: d('0.1'), makerFeePercent: d(0), slippagePercent: d('0.05') } });
  const bars = candles([
    [20000, 20000, 20000, 20000],
    [20000, 20000, 20000, 20000], // sell at 20000 × 0.9995 = 19990
    [19000, 19000, 19000, 19000], // buy back at 19000 × 1.0005 = 19009.5
  ]);
  const r = runBacktest(plan, scripted({ 0: ['enter_short'], 1: ['exit_short'] }), BTC_LINEAR, bars);
  const tr = r.trades[0]!;
  t.equal(tr.entryPrice.toFixed(), '19990');
  t.equal(tr.exitPrice.toFixed(), '19009.5');
  // gross = (19990 − 19009.5) × 0.01 = 9.805; fees = 0.1999 + 0.190095 = 0.389995
  t.equal(tr.grossPnl.toFixed(), '9.805');
  t.equal(tr.fees.toFixed(), '0.389995');
  t.equal(tr.netPnl.toFixed(), '9.415005');
});

t.test('stop-loss intrabar, at the stop level; position opened at the open is live at once', async (t) => {
  // stop 1 % below the 40000 reference close: 39600
  const plan = makePlan({ exits: { placement: 'exchange', stopLoss: { kind: 'percent', percent: d(1) } } });
  const bars = candles([
    [40000, 40000, 40000, 40000], // signal
    [40100, 40200, 39500, 39800], // fill at 40100, low 39500 touches 39600 → stopped in the same bar
    ...flat(2, 39800),
  ]);
  const r = runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, bars);
  const tr = r.trades[0]!;
  t.equal(tr.reason, 'stop_loss');
  t.equal(tr.exitPrice.toFixed(), '39600');
  t.equal(tr.exitTime, bars[1]!.start);
  // (39600 − 40100) × 0.01 = −5
  t.equal(tr.netPnl.toFixed(), '-5');
  t.match(r.decisions.map((x) => x.text).join('\n'), /long position closed by stop-loss at 39600: net P&L -5/);
});

t.test('a gap through the stop fills at the open, not at the stop', async (t) => {
  const plan = makePlan({ exits: { placement: 'exchange', stopLoss: { kind: 'percent', percent: d(1) } } });
  const bars = candles([
    [40000, 40000, 40000, 40000],
    [40000, 40100, 39900, 40000], // fill 40000, stop 39600 not touched
    [39000, 39200, 38800, 39100], // opens below the stop → fill at 39000
  ]);
  const r = runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, bars);
  t.equal(r.trades[0]!.exitPrice.toFixed(), '39000');
  t.equal(r.trades[0]!.reason, 'stop_loss');
  t.equal(r.trades[0]!.netPnl.toFixed(), '-10');
});

t.test('stop and target touched in one bar: the stop is assumed first', async (t) => {
  const plan = makePlan({ exits: { placement: 'exchange', stopLoss: { kind: 'percent', percent: d(1) }, takeProfit: { kind: 'percent', percent: d(1) } } });
  const bars = candles([
    [40000, 40000, 40000, 40000],
    [40000, 40500, 39500, 40000], // touches 40400 and 39600
  ]);
  const r = runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, bars);
  t.equal(r.trades[0]!.reason, 'stop_loss');
  t.equal(r.trades[0]!.exitPrice.toFixed(), '39600');
});

t.test('take-profit: at the level intrabar, at the open when gapped through in favour', async (t) => {
  const plan = makePlan({ exits: { placement: 'exchange', takeProfit: { kind: 'percent', percent: d(1) } } });
  const intrabar = runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, candles([
    [40000, 40000, 40000, 40000],
    [40000, 40450, 39950, 40100], // target 40400 touched
  ]));
  t.equal(intrabar.trades[0]!.reason, 'take_profit');
  t.equal(intrabar.trades[0]!.exitPrice.toFixed(), '40400');
  const gap = runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, candles([
    [40000, 40000, 40000, 40000],
    [40000, 40100, 39950, 40100],
    [41000, 41100, 40900, 41000], // opens above 40400 → 41000
  ]));
  t.equal(gap.trades[0]!.exitPrice.toFixed(), '41000');
});

t.test('short stop and target are mirrored', async (t) => {
  const plan = makePlan({ exits: { placement: 'exchange', stopLoss: { kind: 'percent', percent: d(2) }, takeProfit: { kind: 'risk_reward', multiple: d(2) } } });
  // ref 50000: stop 51000, target 50000 − 2 × 1000 = 48000
  const r = runBacktest(plan, scripted({ 0: ['enter_short'] }), BTC_LINEAR, candles([
    [50000, 50000, 50000, 50000],
    [50000, 50100, 49000, 49100],
    [49100, 49200, 47900, 48000],
  ]));
  const tr = r.trades[0]!;
  t.equal(tr.stopLoss!.toFixed(), '51000');
  t.equal(tr.takeProfit!.toFixed(), '48000');
  t.equal(tr.reason, 'take_profit');
  t.equal(tr.exitPrice.toFixed(), '48000');
  t.equal(tr.netPnl.toFixed(), '20');
  t.equal(tr.rMultiple!.toFixed(), '2');
});

t.test('limit entries: fill at the limit when touched, and at the limit (never a better open) when gapped through; maker fee', async (t) => {
  const plan = makePlan({
    entryOrder: { type: 'limit', offsetPercent: d('0.5'), timeout: { unit: 'bars', bars: 3 }, onTimeout: 'cancel' },
    simulation: { initialEquity: d(10000), takerFeePercent: d('0.055'), makerFeePercent: d('0.02'), slippagePercent: d('0.1') },
  });
  // limit = 40000 × 0.995 = 39800
  const touched = runBacktest(plan, scripted({ 0: ['enter_long'], 2: ['exit_long'] }), BTC_LINEAR, candles([
    [40000, 40000, 40000, 40000],
    [40000, 40050, 39700, 39900], // low 39700 ≤ 39800 → fill at 39800, maker
    [39900, 39900, 39900, 39900],
    [40000, 40000, 40000, 40000], // market exit at 40000 × 0.999 = 39960
  ]));
  const tr = touched.trades[0]!;
  t.equal(tr.entryPrice.toFixed(), '39800');
  // fees: 0.01 × 39800 × 0.0002 = 0.0796 (maker) + 0.01 × 39960 × 0.00055 = 0.21978 (taker)
  t.equal(tr.fees.toFixed(), '0.29938');
  const gapped = runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, candles([
    [40000, 40000, 40000, 40000],
    [39500, 39600, 39400, 39550], // opens below the resting limit → it is hit at its own price, 39800
  ]));
  t.equal(gapped.trades[0]!.entryPrice.toFixed(), '39800');
  t.equal(gapped.trades[0]!.fees.gt(0), true);
});

t.test('limit entry not filled within the timeout is cancelled with a record', async (t) => {
  const plan = makePlan({ entryOrder: { type: 'limit', offsetPercent: d(1), timeout: { unit: 'bars', bars: 2 }, onTimeout: 'cancel' } });
  const r = runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, candles(flat(5, 40000)));
  t.equal(r.trades.length, 0);
  t.match(r.decisions.map((x) => x.text).join('\n'), /2021-10-01 02:00 long limit entry at 39600 not filled in time: cancelled/);
});

t.test('spot: long only, balance caps the size, fees in quote', async (t) => {
  const plan = makePlan({
    market: { category: 'spot', network: 'mainnet', symbol: 'BTCUSDT', interval: '60' },
    directions: { long: true, short: false },
    risk: { sizing: { kind: 'quote', amount: d(50000) }, leverage: d(1) },
    simulation: { initialEquity: d(1000), takerFeePercent: d('0.1'), makerFeePercent: d('0.1'), slippagePercent: d(0) },
  });
  const r = runBacktest(plan, scripted({ 0: ['enter_short', 'enter_long'], 1: ['exit_long'] }), BTC_SPOT, candles(flat(3, 20000)));
  const texts = r.decisions.map((x) => x.text);
  t.match(texts[0], /SELL SHORT signal skipped: short entries are disabled \(spot trades long only\)/);
  // 1000 / (20000 × 1.001) = 0.04995004995 → 0.049950 (step 0.000001)
  t.match(texts[1], /BUY signal entering long 0\.04995 market .*capped by available balance 1000/);
  const tr = r.trades[0]!;
  t.equal(tr.qty.toFixed(), '0.04995');
  // fees: 2 × 0.04995 × 20000 × 0.001 = 1.998
  t.equal(tr.netPnl.toFixed(), '-1.998');
});

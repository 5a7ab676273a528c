// Performance figures on a scenario small enough to check by hand.
import t from 'tap';
import { runBacktest } from '../../engine/backtest/runner.ts';
import { resultToJson, summaryText } from '../../engine/backtest/output.ts';
import { BTC_LINEAR, BTC_SPOT, candles, d, flat, makePlan, scripted } from '../helpers/plan.ts';

t.test('metrics: P&L, win rate, profit factor, exposure, drawdown, daily Sharpe/Sortino', async (t) => {
  const plan = makePlan({ market: { network: 'mainnet', category: 'linear', symbol: 'BTCUSDT', interval: 'D' }, risk: { sizing: { kind: 'quantity', quantity: d(1) }, leverage: d(10) } });
  const closes = [100, 100, 110, 110, 110, 120, 120, 120, 125, 125];
  const r = runBacktest(plan, scripted({ 0: ['enter_long'], 2: ['exit_long'], 3: ['enter_short'], 5: ['exit_short'], 6: ['enter_long'], 8: ['exit_long'] }),
    BTC_LINEAR, candles(closes.map((c) => [c, c, c, c]), Date.UTC(2021, 9, 1), 'D'));
  // trades: long 100→110 (+10), short 110→120 (−10), long 120→125 (+5)
  t.same(r.trades.map((x) => x.netPnl.toFixed()), ['10', '-10', '5']);
  const m = r.metrics;
  t.equal(m.netPnl.toFixed(), '5');
  t.equal(m.returnPercent.toFixed(), '0.05');
  t.equal(m.tradeCount, 3);
  t.equal(m.winRatePercent!.toFixed(4), '66.6667');
  t.equal(m.profitFactor!.toFixed(), '1.5'); // 15 / 10
  t.equal(m.averageTrade!.toFixed(4), '1.6667'); // 5 / 3
  t.equal(m.averageWin!.toFixed(), '7.5');
  t.equal(m.averageLoss!.toFixed(), '-10');
  // closes with a position open: days 1, 2, 4, 5, 7, 8 → 6 of 10
  t.equal(m.exposurePercent, 60);
  // equity by day: 10000 10000 10010 10010 10010 10000 10000 10000 10005 10005; peak 10010 → 10000
  t.equal(m.maxDrawdown, 10);
  t.equal(m.maxDrawdownPercent.toFixed(6), (10 / 10010 * 100).toFixed(6));
  const eq = [10000, 10000, 10010, 10010, 10010, 10000, 10000, 10000, 10005, 10005];
  const rets = eq.map((e, i) => e / (i === 0 ? 10000 : eq[i - 1]!) - 1);
  const mean = rets.reduce((a, b) => a + b, 0) / rets.length;
  const sd = Math.sqrt(rets.reduce((a, b) => a + (b - mean) ** 2, 0) / (rets.length - 1));
  const down = Math.sqrt(rets.reduce((a, b) => a + Math.min(b, 0) ** 2, 0) / rets.length);
  t.ok(Math.abs(m.sharpe! - (mean / sd) * Math.sqrt(365)) < 1e-9, `sharpe ${m.sharpe}`);
  t.ok(Math.abs(m.sortino! - (mean / down) * Math.sqrt(365)) < 1e-9, `sortino ${m.sortino}`);
  t.equal(m.days, 10);
  t.equal(m.fees.toFixed(), '0');
});

t.test('an entry the venue cannot pay for at the fill is rejected and recorded', async (t) => {
  // spot, 1000 USDT: sized 1000 / (20000 × 1.001) → 0.04995; the next open gaps to 21000:
  // 0.04995 × 21000 = 1048.95, + 0.1 % fee 1.04895 = 1049.99895 > 1000 → rejected.
  const plan = makePlan({
    market: { category: 'spot', network: 'mainnet', symbol: 'BTCUSDT', interval: '60' },
    directions: { long: true, short: false },
    risk: { sizing: { kind: 'quote', amount: d(50000) }, leverage: d(1) },
    simulation: { initialEquity: d(1000), takerFeePercent: d('0.1'), makerFeePercent: d('0.1'), slippagePercent: d(0) },
  });
  const r = runBacktest(plan, scripted({ 0: ['enter_long'], 2: ['enter_long'] }), BTC_SPOT, candles([[20000, 20000, 20000, 20000], [21000, 21000, 21000, 21000], ...flat(2, 21000)]));
  const texts = r.decisions.map((x) => x.text);
  t.match(texts[1], /^2021-10-01 01:00 long entry order rejected: balance 1000 does not cover 0.04995 at 21000 \(needs 1049.99895 incl. fee\)$/);
  t.match(texts[2], /02:00 BUY signal entering long/, 'the core is free to enter again after the rejection');
  t.equal(r.trades.length, 1);
});

t.test('max drawdown and the last daily return include the end-of-data close (slippage and fees)', async (t) => {
  // 1 BTC, taker 0.1 %, slippage 1 %, flat at 1000, position still open when the data ends.
  // entry: 1000 × 1.01 = 1010, fee 1.01; equity at each close = 10000 − 1.01 + (1000 − 1010) = 9988.99
  // end of data: sell at 1000 × 0.99 = 990, fee 0.99 → final equity 10000 − 20 − 2 = 9978
  // The curve's worst point is the final equity: drawdown 22 from the 10000 peak = 0.22 %.
  const plan = makePlan({
    simulation: { initialEquity: d(10000), takerFeePercent: d('0.1'), makerFeePercent: d(0), slippagePercent: d(1) },
    risk: { sizing: { kind: 'quantity', quantity: d(1) }, leverage: d(10) },
  });
  const r = runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, candles(flat(4, 1000)));
  t.equal(r.metrics.finalEquity.toFixed(), '9978');
  t.ok(Math.abs(r.metrics.maxDrawdown - 22) < 1e-9, `max drawdown ${r.metrics.maxDrawdown}`);
  t.equal(r.metrics.maxDrawdownPercent.toFixed(6), '0.220000');
  t.equal(r.equity.at(-1)!.drawdownPercent.toFixed(6), '0.220000');
  // One (UTC) day: its return is final / initial − 1 = −0.22 %; a single day has no Sharpe.
  t.equal(r.metrics.days, 1);
  t.equal(r.metrics.sharpe, null);
});

t.test('daily returns use the final equity after the end-of-data close', async (t) => {
  // Daily candles, 1 BTC at 1000, open from day 1 to the end; taker 0.1 %, slippage 1 %.
  // day 0: 10000 (flat). day 1: entry 1010, fee 1.01, close 1000 → 10000 − 1.01 − 10 = 9988.99. day 2: close 1000, then
  // the end-of-data sell at 990, fee 0.99 → 9978. Returns: 0, 9988.99/10000 − 1, 9978/9988.99 − 1.
  const plan = makePlan({
    market: { network: 'mainnet', category: 'linear', symbol: 'BTCUSDT', interval: 'D' },
    simulation: { initialEquity: d(10000), takerFeePercent: d('0.1'), makerFeePercent: d(0), slippagePercent: d(1) },
    risk: { sizing: { kind: 'quantity', quantity: d(1) }, leverage: d(10) },
  });
  const r = runBacktest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, candles(flat(3, 1000), Date.UTC(2021, 9, 1), 'D'));
  const eq = [10000, 9988.99, 9978];
  const rets = eq.map((e, i) => e / (i === 0 ? 10000 : eq[i - 1]!) - 1);
  const mean = rets.reduce((a, b) => a + b, 0) / rets.length;
  const sd = Math.sqrt(rets.reduce((a, b) => a + (b - mean) ** 2, 0) / (rets.length - 1));
  t.ok(Math.abs(r.metrics.sharpe! - (mean / sd) * Math.sqrt(365)) < 1e-9, `sharpe ${r.metrics.sharpe}`);
});

t.test('net P&L is the final equity less the initial, rounded once from the same exact value', async (t) => {
  // Spot, 0.05 % taker fee. 0.001 BTC bought at 40000.01 (fee 0.020000005), sold at 40000.02 (fee
  // 0.02000001): net 0.00001 − 0.040000015 = −0.039990015, final equity 9999.960009985. Rounding
  // each to 8 places on its own gives 9999.96000999 and −0.03999002: a cent-fraction apart.
  const plan = makePlan({
    market: { network: 'mainnet', category: 'spot', symbol: 'BTCUSDT', interval: '60' },
    risk: { sizing: { kind: 'quantity', quantity: d('0.001') }, leverage: d(1) },
    simulation: { initialEquity: d(10000), takerFeePercent: d('0.05'), makerFeePercent: d('0.05'), slippagePercent: d(0) },
  });
  const r = runBacktest(plan, scripted({ 0: ['enter_long'], 1: ['exit_long'] }), BTC_SPOT, candles([[40000.01, 40000.01, 40000.01, 40000.01], [40000.01, 40000.02, 40000.01, 40000.02], [40000.02, 40000.02, 40000.02, 40000.02]]));
  t.equal(r.metrics.finalEquity.toFixed(), '9999.960009985');
  const j = JSON.parse(resultToJson(r, { data: 'test' })) as { metrics: { initialEquity: string; finalEquity: string; netPnl: string } };
  t.equal(j.metrics.finalEquity, '9999.96000999');
  t.equal(j.metrics.netPnl, '-0.03999001', 'final equity − initial equity, to the digit');
  t.match(summaryText(r, { data: 'test' }), /Net P&L +-0\.04 USDT .*\n  Final equity +9999\.96 USDT/);
});

t.test('breakdown: long/short split, exit reasons, durations, MAE/MFE, monthly returns, longest drawdown, buy and hold, skipped signals', async (t) => {
  const plan = makePlan({ market: { network: 'mainnet', category: 'linear', symbol: 'BTCUSDT', interval: 'D' }, risk: { sizing: { kind: 'quantity', quantity: d(1) }, leverage: d(10) } });
  const closes = [100, 100, 110, 110, 110, 120, 120, 120, 125, 125];
  // bar 1: a second BUY while already long is skipped.
  const r = runBacktest(plan, scripted({ 0: ['enter_long'], 1: ['enter_long'], 2: ['exit_long'], 3: ['enter_short'], 5: ['exit_short'], 6: ['enter_long'], 8: ['exit_long'] }),
    BTC_LINEAR, candles(closes.map((c) => [c, c, c, c]), Date.UTC(2021, 9, 1), 'D'));
  const b = r.metrics.breakdown;
  // long 100→110 (+10), short 110→120 (−10), long 120→125 (+5); each held two days.
  t.same([b.all.count, b.long.count, b.short.count], [3, 2, 1]);
  t.same([b.long.netPnl.toFixed(), b.short.netPnl.toFixed(), b.all.netPnl.toFixed()], ['15', '-10', '5']);
  t.same([b.long.wins, b.short.losses, b.all.largestWin?.toFixed(), b.all.largestLoss?.toFixed()], [2, 1, '10', '-10']);
  t.same([b.all.totalDurationMs / b.all.count, b.all.maxDurationMs], [2 * 86_400_000, 2 * 86_400_000]);
  t.same(b.exitReasons.map((x) => [x.reason, x.count, x.wins, x.netPnl.toFixed()]), [['signal', 3, 2, '5']]);
  // Excursions over the held candles and the entry/exit prices:
  // long 100: high 110 → MAE 0, MFE 10 %; short 110: high 120 → MAE 9.0909 %, MFE 0; long 120: high 125 → MFE 4.1667 %.
  t.same(r.trades.map((x) => [x.maePercent!.toFixed(4), x.mfePercent!.toFixed(4)]), [['0.0000', '10.0000'], ['9.0909', '0.0000'], ['0.0000', '4.1667']]);
  t.equal(b.excursion.averageMae!.toFixed(4), '3.0303');
  t.equal(b.excursion.averageMfe!.toFixed(4), '4.7222');
  t.equal(b.excursion.worstMae!.toFixed(4), '9.0909');
  // Equity by day: 10000 10000 10010 10010 10010 10000 10000 10000 10005 10005: one month, +0.05 %.
  t.same(r.metrics.monthly.map((m) => [m.month, m.returnPercent.toFixed(4)]), [['2021-10', '0.0500']]);
  // Last at the 10010 peak on Oct 5; below it from Oct 6 to the end (Oct 10): not recovered.
  t.same(r.metrics.longestDrawdown, { ms: 5 * 86_400_000, from: Date.UTC(2021, 9, 5), to: null });
  t.same(r.buyAndHold, { from: 100, to: 125, percent: 25 });
  t.same(r.skipped, [{ reason: 'already long', count: 1 }]);
  t.equal(r.trades[0]!.entryReason, 'test');
});

t.test('monthly returns chain month to month; a drawdown that recovers ends where equity regains its peak', async (t) => {
  const plan = makePlan({ market: { network: 'mainnet', category: 'linear', symbol: 'BTCUSDT', interval: 'D' }, risk: { sizing: { kind: 'quantity', quantity: d(1) }, leverage: d(10) } });
  // Long from Oct 30 (open 100) to Nov 3 (open 100), through 90 on Oct 31 and 110 on Nov 1.
  const start = Date.UTC(2021, 9, 29);
  const closes = [100, 100, 90, 110, 100, 100, 100];
  const r = runBacktest(plan, scripted({ 0: ['enter_long'], 4: ['exit_long'] }), BTC_LINEAR, candles(closes.map((c) => [c, c, c, c]), start, 'D'));
  // Equity at each day's close: Oct 29 10000, Oct 30 10000, Oct 31 9990 | Nov 1 10010, Nov 2 10000, Nov 3.. 10000
  t.same(r.metrics.monthly.map((m) => [m.month, m.returnPercent.toFixed(4)]), [['2021-10', (9990 / 10000 * 100 - 100).toFixed(4)], ['2021-11', (10000 / 9990 * 100 - 100).toFixed(4)]]);
  // Below the Oct 30 peak on Oct 31, regained Nov 1; below the Nov 1 peak from Nov 2 to the end (Nov 4).
  t.same(r.metrics.longestDrawdown, { ms: 3 * 86_400_000, from: Date.UTC(2021, 10, 1), to: null });
});

t.test('skip reasons count together without their particulars', async (t) => {
  const { skipReason } = await import('../../engine/core/format.ts');
  const cases: [string, string][] = [
    ['skipped: cooldown after loss, 2 of 3 bars left', 'cooldown after loss'],
    ['skipped: cooldown after loss until 2022-01-05 14:00', 'cooldown after loss'],
    ['skipped: max drawdown 15% reached, entries paused until 2022-01-06 00:00', 'max drawdown N reached'],
    ['skipped: max trades per day (6) reached, entries paused until 2022-01-06 00:00 UTC', 'max trades per day'],
    ['skipped: strength 0.31 below min strength 0.5', 'strength N below min strength N'],
    ['skipped: already long', 'already long'],
    ['skipped: the short is being closed; a new entry needs a fresh signal', 'the short is being closed'],
    ['skipped: short entries are disabled (spot trades long only)', 'short entries are disabled'],
  ];
  for (const [reason, key] of cases) t.equal(skipReason(reason), key, reason);
});

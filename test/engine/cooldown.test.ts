// Cooldowns and protections: each pauses entries with a record saying which and until when.
import t from 'tap';
import { Backtest, runBacktest } from '../../engine/backtest/runner.ts';
import { summaryText } from '../../engine/backtest/output.ts';
import { BTC_LINEAR, candles, d, flat, makePlan, scripted } from '../helpers/plan.ts';
import type { Signal } from '../../engine/strategy/strategy.ts';
import type { Decision } from '../../engine/core/types.ts';

const buy08: Signal = { action: 'enter_long', strength: 0.8, reason: '' };
const signalTexts = (r: { decisions: { kind: string; text: string }[] }): string[] => r.decisions.filter((x) => x.kind === 'signal').map((x) => x.text);
const allTexts = (r: { decisions: { text: string }[] }): string => r.decisions.map((x) => x.text).join('\n');
/** The decisions a backtest has recorded so far (without ending it). */
const decisionsOf = (bt: Backtest) => (bt as unknown as { decisions: Decision[] }).decisions;

t.test('cooldown after loss in bars: the fill bar counts as the first', async (t) => {
  const plan = makePlan({
    exits: { placement: 'exchange', stopLoss: { kind: 'percent', percent: d(1) } },
    cooldown: { afterExit: { unit: 'bars', bars: 1 }, afterLoss: { unit: 'bars', bars: 3 } },
  });
  const r = runBacktest(plan, scripted({ 0: [buy08], 1: [buy08], 2: [buy08], 3: [buy08], 4: [buy08] }), BTC_LINEAR, candles([
    [40000, 40000, 40000, 40000],
    [40000, 40000, 39500, 39700], // filled at 40000, stopped at 39600 in this bar (bar 1): a loss
    ...flat(4, 39700),
  ]));
  const x = signalTexts(r);
  t.equal(x[1], '2021-10-01 01:00 BUY signal (strength 0.8) skipped: cooldown after loss, 3 of 3 bars left');
  t.equal(x[2], '2021-10-01 02:00 BUY signal (strength 0.8) skipped: cooldown after loss, 2 of 3 bars left');
  t.equal(x[3], '2021-10-01 03:00 BUY signal (strength 0.8) skipped: cooldown after loss, 1 of 3 bars left');
  t.match(x[4], /04:00 BUY signal \(strength 0.8\) entering long/);
});

t.test('a winning exit uses afterExit, not afterLoss', async (t) => {
  const plan = makePlan({ cooldown: { afterExit: { unit: 'bars', bars: 1 }, afterLoss: { unit: 'bars', bars: 5 } } });
  const r = runBacktest(plan, scripted({ 0: ['enter_long'], 1: ['exit_long'], 2: ['enter_long'], 3: ['enter_long'] }), BTC_LINEAR, candles([
    [40000, 40000, 40000, 40000], [40000, 40000, 40000, 40000], [41000, 41000, 41000, 41000], ...flat(2, 41000),
  ]));
  const x = signalTexts(r);
  t.equal(x[2], '2021-10-01 02:00 BUY signal skipped: cooldown after exit, 1 of 1 bars left');
  t.match(x[3], /03:00 BUY signal entering long/);
});

t.test('cooldown after entry, counted in time', async (t) => {
  // entry fills 01:00; cooldown 150 min → until 03:30. A stop-out at 01:00 leaves the position.
  const plan = makePlan({ exits: { placement: 'exchange', stopLoss: { kind: 'percent', percent: d(1) } }, cooldown: { afterEntry: { unit: 'ms', ms: 150 * 60_000 } } });
  const r = runBacktest(plan, scripted({ 0: ['enter_long'], 1: ['enter_long'], 2: ['enter_long'] }), BTC_LINEAR, candles([
    [40000, 40000, 40000, 40000], [40000, 40000, 39000, 39000], ...flat(2, 39000),
  ]));
  const x = signalTexts(r);
  t.equal(x[1], '2021-10-01 01:00 BUY signal skipped: cooldown after entry until 2021-10-01 03:30');
  // bar 2 closes 03:00 < 03:30 → still blocked
  t.equal(x[2], '2021-10-01 02:00 BUY signal skipped: cooldown after entry until 2021-10-01 03:30');
});

t.test('volatility stretch: multiplier = clamp(ATR short / ATR long, 1, max)', async (t) => {
  // Flat candles spanning 100 (bars 0–3), then 300 (bar 4): ATR(2) = (100 + 300) / 2 = 200,
  // ATR(4) = (3 × 100 + 300) / 4 = 150 → ratio 1.333. afterExit 10 bars → ceil(13.33) = 14;
  // with max 1.2 → 12.
  const rows: [number, number, number, number][] = [
    ...Array.from({ length: 4 }, () => [40000, 40050, 39950, 40000] as [number, number, number, number]),
    [40000, 40150, 39850, 40000],
    ...Array.from({ length: 3 }, () => [40000, 40050, 39950, 40000] as [number, number, number, number]),
  ];
  const run = (max: string): string => {
    const plan = makePlan({ cooldown: { afterExit: { unit: 'bars', bars: 10 }, volatility: { atrLength: 2, baselineLength: 4, maxMultiplier: d(max) } } });
    return signalTexts(runBacktest(plan, scripted({ 0: ['enter_long'], 4: ['exit_long'], 5: ['enter_long'] }), BTC_LINEAR, candles(rows)))[2]!;
  };
  t.equal(run('2'), '2021-10-01 05:00 BUY signal skipped: cooldown after exit, 14 of 14 bars left');
  t.equal(run('1.2'), '2021-10-01 05:00 BUY signal skipped: cooldown after exit, 12 of 12 bars left');
});

t.test('activity stretch: + extra per entry in the window beyond the free ones', async (t) => {
  // afterExit 1 bar; window 10 bars, 1 free trade, +2 bars each beyond.
  // Trade 1: entry fill bar 1, exit fill bar 2: 1 entry in window → 1 bar (blocks bar 2 only).
  // Trade 2: entry fill bar 4, exit fill bar 5: 2 entries → 1 + 2 = 3 bars (blocks 5, 6, 7).
  const plan = makePlan({ cooldown: { afterExit: { unit: 'bars', bars: 1 }, activity: { window: { unit: 'bars', bars: 10 }, freeTrades: 1, extra: { unit: 'bars', bars: 2 } } } });
  const r = runBacktest(plan, scripted({ 0: ['enter_long'], 1: ['exit_long'], 2: ['enter_long'], 3: ['enter_long'], 4: ['exit_long'], 5: ['enter_long'], 7: ['enter_long'], 8: ['enter_long'] }), BTC_LINEAR, candles(flat(10, 40000)));
  const x = signalTexts(r);
  t.equal(x[2], '2021-10-01 02:00 BUY signal skipped: cooldown after exit, 1 of 1 bars left');
  t.match(x[3], /03:00 BUY signal entering long/);
  t.equal(x[5], '2021-10-01 05:00 BUY signal skipped: cooldown after exit, 3 of 3 bars left');
  t.equal(x[6], '2021-10-01 07:00 BUY signal skipped: cooldown after exit, 1 of 3 bars left');
  t.match(x[7], /08:00 BUY signal entering long/);
});

t.test('max trades per day pauses entries until the next UTC day', async (t) => {
  const plan = makePlan({ protections: { maxTradesPerDay: 2 } });
  // 24 hourly bars of 2021-10-01 then 2 of 2021-10-02. Round trips at bars 0→1, 2→3; third entry at 4 is refused.
  const r = runBacktest(plan, scripted({ 0: ['enter_long'], 1: ['exit_long'], 2: ['enter_long'], 3: ['exit_long'], 4: ['enter_long'], 23: ['enter_long'] }), BTC_LINEAR, candles(flat(26, 40000)));
  const all = allTexts(r);
  t.match(all, /2021-10-01 03:00 max trades per day \(2\) reached: entries paused until 2021-10-02 00:00 UTC/);
  t.match(all, /2021-10-01 04:00 BUY signal skipped: max trades per day \(2\) reached, entries paused until 2021-10-02 00:00 UTC/);
  // bar 23 (23:00) closes at midnight: its order fills on the new day, so it is allowed.
  t.match(all, /2021-10-01 23:00 BUY signal entering long/);
  t.equal(r.trades.length, 3);
});

t.test('max daily loss: realised loss ≥ pct of the day-start equity pauses until midnight', async (t) => {
  // 1 BTC at 40000 (leverage 10), exit at 39800: −200 = 2 % of 10000 ≥ 1 %.
  const plan = makePlan({ risk: { sizing: { kind: 'quantity', quantity: d(1) }, leverage: d(10) }, protections: { maxDailyLossPercent: d(1) } });
  const rows = [...flat(2, 40000), ...flat(22, 39800), ...flat(2, 39800)];
  const r = runBacktest(plan, scripted({ 0: ['enter_long'], 1: ['exit_long'], 3: ['enter_long'], 24: ['enter_long'] }), BTC_LINEAR, candles(rows));
  const all = allTexts(r);
  t.match(all, /2021-10-01 02:00 max daily loss 1% reached \(realised -200 of day-start equity 10000\): entries paused until 2021-10-02 00:00 UTC/);
  t.match(all, /2021-10-01 03:00 BUY signal skipped: max daily loss 1% reached, entries paused until 2021-10-02 00:00 UTC/);
  t.match(all, /2021-10-02 00:00 BUY signal entering long/);
});

// Max drawdown. 1 BTC (leverage 10) bought at 40000 on bar 1; the close of bar 2 is 39400: equity
// 9400, 6 % below the 10000 peak ≥ 5 %. Exit signal on bar 2, so the bot is flat at 39400 after.
const ddRows = (): [number, number, number, number][] => [...flat(2, 40000), [40000, 40000, 39400, 39400], ...flat(6, 39400)];
const ddScript = { 0: ['enter_long'], 2: ['exit_long'], 3: ['enter_long'], 5: ['enter_long'], 7: ['enter_long'] } as const;
const ddPlan = (protections: Record<string, unknown>) => makePlan({ risk: { sizing: { kind: 'quantity', quantity: d(1) }, leverage: d(10) }, protections: protections as never });

t.test('max drawdown: measured from the all-time peak, paused until the trader resumes', async (t) => {
  const bt = new Backtest(ddPlan({ maxDrawdownPercent: d(5) }), scripted(ddScript as never), BTC_LINEAR);
  const bars = candles(ddRows());
  for (const c of bars.slice(0, 6)) bt.push(c);
  let all = allTexts({ decisions: decisionsOf(bt) });
  t.match(all, /2021-10-01 02:00 max drawdown 5% reached \(equity 9400 is 6.00% below the peak 10000\): entries paused until `botctl resume test-bot`/);
  t.match(all, /2021-10-01 05:00 BUY signal skipped: max drawdown 5% reached, entries paused until `botctl resume test-bot`/);
  // Nobody resumes a backtest: its summary says how long entries were paused.
  const alone = runBacktest(ddPlan({ maxDrawdownPercent: d(5) }), scripted(ddScript as never), BTC_LINEAR, candles(ddRows()));
  t.equal(alone.pausedSince, Date.UTC(2021, 9, 1, 3));
  t.match(summaryText(alone, { data: 'test' }), /Drawdown protection: entries pause once equity is 5% below its all-time peak, until `botctl resume test-bot`\.\n  note: entries were paused from 2021-10-01 03:00 UTC to the end \(a backtest is never resumed\)/);
  // The trader resumes between the 05:00 and 06:00 candles: the drawdown is measured from here on.
  bt.core.resume(Date.UTC(2021, 9, 1, 6, 10));
  for (const c of bars.slice(6)) bt.push(c);
  all = allTexts({ decisions: decisionsOf(bt) });
  t.match(all, /2021-10-01 06:10 entries resumed by `botctl resume`: drawdown now measured from equity 9400 \(the next pause comes below 8930\)/);
  t.match(all, /2021-10-01 07:00 BUY signal entering long/);
  // A second copy of the same request (a restart reads it again) changes nothing.
  bt.core.resume(Date.UTC(2021, 9, 1, 6, 10));
  t.equal(decisionsOf(bt).filter((x) => x.action === 'resume').length, 1);
});

t.test('drawdown cool-off: resumes by itself, measuring the next drawdown from there, and says so', async (t) => {
  const r = runBacktest(ddPlan({ maxDrawdownPercent: d(5), drawdownCoolOff: { unit: 'bars', bars: 3 } }), scripted(ddScript as never), BTC_LINEAR, candles(ddRows()));
  const all = allTexts(r);
  t.match(all, /2021-10-01 02:00 max drawdown 5% reached \(equity 9400 is 6.00% below the peak 10000\): entries paused for 3 bars, until 2021-10-01 06:00/);
  t.match(all, /2021-10-01 03:00 BUY signal skipped: max drawdown 5% reached, entries paused until 2021-10-01 06:00/);
  t.match(all, /2021-10-01 05:00 drawdown cool-off over: entries allowed again; the next 5% is measured from equity 9400, 6.00% below the all-time peak 10000/);
  t.match(all, /2021-10-01 05:00 BUY signal entering long/);
});

t.test('halt_below_equity: a hard floor no cool-off lifts, and a resume below it is refused', async (t) => {
  const plan = ddPlan({ maxDrawdownPercent: d(50), drawdownCoolOff: { unit: 'bars', bars: 1 }, haltBelowEquity: d(9500) });
  const bt = new Backtest(plan, scripted(ddScript as never), BTC_LINEAR);
  for (const c of candles(ddRows())) bt.push(c);
  const all = allTexts({ decisions: decisionsOf(bt) });
  t.match(all, /2021-10-01 02:00 equity 9400 is below halt_below_equity 9500: entries stopped until `botctl resume test-bot`/);
  t.match(all, /2021-10-01 07:00 BUY signal skipped: equity fell below halt_below_equity 9500, entries stopped until `botctl resume test-bot`/);
  bt.core.resume(Date.UTC(2021, 9, 1, 9, 5));
  t.match(allTexts({ decisions: decisionsOf(bt) }), /2021-10-01 09:05 resume refused: equity 9400 is below halt_below_equity 9500; lower halt_below_equity in the spec, restart the bot and resume again/);
  t.not(bt.core.state.drawdownPause, null, 'still stopped');
});

t.test('a data gap over midnight: fills at the first candle of the new day count for the new day', async (t) => {
  // 2021-10-01 00:00 … 21:00 (22 hourly candles), then nothing until 2021-10-02 02:00 (23:00 … 01:00 missing).
  const day1 = candles(flat(22, 40000));
  const day2 = (rows: [number, number, number, number][]) => candles(rows, Date.UTC(2021, 9, 2, 2));
  await t.test('max daily loss', async (t) => {
    // 1 BTC (leverage 10) bought at 40000 (21:00 fill), exit signal at 21:00 → sold at the 02:00 open 39000:
    // −1000 = 10 % of the 10000 day-start equity ≥ 1 %, realised on 2021-10-02 → paused until 2021-10-03.
    const plan = makePlan({ risk: { sizing: { kind: 'quantity', quantity: d(1) }, leverage: d(10) }, protections: { maxDailyLossPercent: d(1) } });
    const r = runBacktest(plan, scripted({ 20: ['enter_long'], 21: ['exit_long'], 22: ['enter_long'] }), BTC_LINEAR, [...day1, ...day2(flat(3, 39000))]);
    const all = allTexts(r);
    t.match(all, /max daily loss 1% reached \(realised -1000 of day-start equity 10000\): entries paused until 2021-10-03 00:00 UTC/);
    t.match(all, /2021-10-02 02:00 BUY signal skipped: max daily loss 1% reached, entries paused until 2021-10-03 00:00 UTC/);
    t.equal(r.trades.length, 1);
  });
  await t.test('max trades per day', async (t) => {
    // Entry signal at 21:00 fills at the 02:00 open of 2021-10-02: that day's one trade. Exit at 02:00
    // (fills 03:00); the entry signal at 03:00 would be the day's second entry → skipped.
    const plan = makePlan({ protections: { maxTradesPerDay: 1 } });
    const r = runBacktest(plan, scripted({ 21: ['enter_long'], 22: ['exit_long'], 23: ['enter_long'] }), BTC_LINEAR, [...day1, ...day2(flat(4, 40000))]);
    const all = allTexts(r);
    t.match(all, /max trades per day \(1\) reached: entries paused until 2021-10-03 00:00 UTC/);
    t.match(all, /2021-10-02 03:00 BUY signal skipped: max trades per day \(1\) reached/);
    t.equal(r.trades.length, 1);
  });
});

t.test('a 12h cooldown after a stop inside a candle blocks twelve hourly candles, not eleven', async (t) => {
  // The stop (39600) is hit some time inside the 01:00 candle, at the latest by its close at 02:00.
  // Twelve hours from then is 14:00: signals on candles closing before 14:00 are blocked (the
  // 01:00 … 12:00 candles, twelve of them); the 13:00 candle closes at 14:00 and may enter.
  const plan = makePlan({
    exits: { placement: 'exchange', stopLoss: { kind: 'percent', percent: d(1) } },
    cooldown: { afterLoss: { unit: 'ms', ms: 12 * 3_600_000 } },
  });
  const script: Record<number, Signal[]> = {};
  for (let i = 0; i < 16; i++) script[i] = [buy08];
  const r = runBacktest(plan, scripted(script), BTC_LINEAR, candles([[40000, 40000, 40000, 40000], [40000, 40000, 39500, 39700], ...flat(14, 39700)]));
  const x = signalTexts(r);
  const blocked = x.filter((s) => s.includes('skipped: cooldown after loss'));
  t.equal(blocked.length, 12, 'twelve hourly candles blocked');
  t.equal(blocked[0], '2021-10-01 01:00 BUY signal (strength 0.8) skipped: cooldown after loss until 2021-10-01 14:00');
  t.match(x[13], /^2021-10-01 13:00 BUY signal \(strength 0.8\) entering long/);
  // An exit at an open is timed exactly: the exit signal at 02:00's close fills at 03:00's open,
  // and 12 hours later, 15:00, is when the next entry may fill.
  const plan2 = makePlan({ cooldown: { afterExit: { unit: 'ms', ms: 12 * 3_600_000 } } });
  const r2 = runBacktest(plan2, scripted({ 0: ['enter_long'], 2: ['exit_long'], ...Object.fromEntries(Array.from({ length: 14 }, (_, i) => [i + 3, ['enter_long']])) }), BTC_LINEAR, candles(flat(18, 40000)));
  const y = signalTexts(r2);
  t.equal(y[2], '2021-10-01 03:00 BUY signal skipped: cooldown after exit until 2021-10-01 15:00');
  t.match(y.find((s) => s.includes('entering')) ?? '', /^2021-10-01 00:00/);
  t.match(y.filter((s) => s.includes('entering'))[1], /^2021-10-01 14:00 BUY signal entering long/, 'signal at the 14:00 candle, filled at 15:00');
});

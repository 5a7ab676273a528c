// Money decisions are exact: prices are driven on exact multiples of the tick, and every boundary
// case (a close exactly 1R in favour, exactly one tick better, exactly at the stop) must fire,
// while one tick short must not. Float subtraction gets these wrong (1257.5 − 1253.9 = 3.5999…).
import t from 'tap';
import { Decimal } from 'decimal.js';
import { Backtest } from '../../engine/backtest/runner.ts';
import type { InstrumentRules } from '../../engine/market/instrument.ts';
import type { ExitsPlan } from '../../engine/plan/plan.ts';
import type { Side } from '../../engine/core/types.ts';
import { roundStopLoss } from '../../engine/core/precision.ts';
import { candles, d, makePlan, scripted } from '../helpers/plan.ts';
import { mulberry32 as rng } from '../helpers/random.ts';

const TICKS = ['0.1', '0.01', '0.5', '0.05', '0.0001', '1', '0.25'];

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

function rulesFor(tick: string): InstrumentRules {
  return { symbol: 'TESTUSDT', category: 'linear', tickSize: d(tick), qtyStep: d('0.001'), minQty: d('0.001'), minNotional: d(0) };
}

/** A price `n` ticks above zero, as the float a candle file would hold. */
const px = (n: number | Decimal, tick: string): number => new Decimal(n).mul(tick).toNumber();

/**
 * Enters `side` at `entryTicks` (signal on bar 0, filled at bar 1's open), then closes bar 2 at
 * `closeTicks`; returns the core's position after bar 2. The candles never touch a stop.
 */
function afterClose(tick: string, side: Side, exits: ExitsPlan, entryTicks: number, closeTicks: number) {
  const entry = px(entryTicks, tick);
  const close = px(closeTicks, tick);
  const plan = makePlan({ exits });
  const bt = new Backtest(plan, scripted({ 0: [side === 'long' ? 'enter_long' : 'enter_short'] }), rulesFor(tick));
  const bars = candles([
    [entry, entry, entry, entry],
    [entry, entry, entry, entry],
    [entry, Math.max(entry, close), Math.min(entry, close), close],
  ]);
  for (const c of bars) bt.push(c);
  const p = bt.core.state.position;
  if (p === null) throw new Error(`no position after the entry (${side} at ${entry}, tick ${tick})`);
  return p;
}

t.test('risk-reward activation fires exactly at the boundary close, not a tick before', async (t) => {
  const r = rng(1);
  let cases = 0;
  for (let i = 0; i < 400; i++) {
    const tick = pick(r, TICKS);
    const side: Side = r() < 0.5 ? 'long' : 'short';
    const entryTicks = int(r, 2_000, 2_000_000);
    const stopPct = pick(r, ['0.5', '1', '1.5', '2', '3', '0.3']);
    const k = pick(r, ['1', '2', '0.5', '1.5', '3']);
    const exits: ExitsPlan = {
      placement: 'exchange',
      stopLoss: { kind: 'percent', percent: d(stopPct) },
      trailingStop: { distance: { kind: 'percent', percent: d(90) }, activation: { kind: 'risk_reward', multiple: d(k) } },
    };
    const entry = new Decimal(entryTicks).mul(tick);
    const f = new Decimal(stopPct).div(100);
    const stop = roundStopLoss(side === 'long' ? entry.mul(Decimal.sub(1, f)) : entry.mul(f.add(1)), side, rulesFor(tick));
    const need = entry.sub(stop).abs().mul(k).div(tick).ceil().toNumber(); // ticks in favour needed
    const dir = side === 'long' ? 1 : -1;
    if (side === 'short' && need >= entryTicks) continue;
    cases++;
    const at = afterClose(tick, side, exits, entryTicks, entryTicks + dir * need);
    if (!at.trailActive) {
      t.fail(`${side} at ${entry.toFixed()} (tick ${tick}, stop ${stop.toFixed()}, ${k}R = ${need} ticks): a close exactly ${need} ticks in favour must start the trail`);
      return;
    }
    const before = afterClose(tick, side, exits, entryTicks, entryTicks + dir * (need - 1));
    if (before.trailActive) {
      t.fail(`${side} at ${entry.toFixed()} (tick ${tick}, ${k}R = ${need} ticks): one tick short must not start the trail`);
      return;
    }
  }
  t.ok(cases > 300, `${cases} boundary cases, each fired at the boundary and not a tick before`);
});

t.test('percent activation fires exactly at the boundary close', async (t) => {
  const r = rng(2);
  for (let i = 0; i < 300; i++) {
    const tick = pick(r, TICKS);
    const side: Side = r() < 0.5 ? 'long' : 'short';
    const pct = pick(r, ['0.25', '0.5', '1', '1.25', '2.5', '0.75']);
    // entry a multiple of 400 ticks, so entry × pct / 100 is a whole number of ticks
    const entryTicks = 400 * int(r, 10, 5_000);
    const need = new Decimal(entryTicks).mul(pct).div(100).toNumber();
    const exits: ExitsPlan = {
      placement: 'exchange',
      stopLoss: { kind: 'percent', percent: d(5) },
      trailingStop: { distance: { kind: 'percent', percent: d(90) }, activation: { kind: 'percent', percent: d(pct) } },
    };
    const dir = side === 'long' ? 1 : -1;
    const at = afterClose(tick, side, exits, entryTicks, entryTicks + dir * need);
    if (!at.trailActive) {
      t.fail(`${side} at ${px(entryTicks, tick)} (tick ${tick}): a close exactly ${pct}% in favour must start the trail`);
      return;
    }
    if (afterClose(tick, side, exits, entryTicks, entryTicks + dir * (need - 1)).trailActive) {
      t.fail(`${side} at ${px(entryTicks, tick)} (tick ${tick}): one tick short of ${pct}% must not start the trail`);
      return;
    }
  }
  t.pass('every boundary fired');
});

t.test('a trailing candidate exactly one tick better moves the stop', async (t) => {
  const r = rng(3);
  for (let i = 0; i < 300; i++) {
    const tick = pick(r, TICKS);
    const long = r() < 0.5;
    let exits: ExitsPlan;
    let entryTicks: number;
    let closeTicks: number;
    let expected: number;
    if (long) {
      // 50 %: entry 2a ticks → stop a; close 2(a+1) → candidate a+1, one tick better.
      const a = int(r, 1_000, 1_000_000);
      exits = { placement: 'exchange', stopLoss: { kind: 'percent', percent: d(50) }, trailingStop: { distance: { kind: 'percent', percent: d(50) } } };
      entryTicks = 2 * a;
      closeTicks = 2 * (a + 1);
      expected = a + 1;
    } else {
      // 25 %: entry 4b+1 ticks → stop floor(1.25 × (4b+1)) = 5b+1; close 4b → candidate 5b, one tick better.
      const b = int(r, 1_000, 1_000_000);
      exits = { placement: 'exchange', stopLoss: { kind: 'percent', percent: d(25) }, trailingStop: { distance: { kind: 'percent', percent: d(25) } } };
      entryTicks = 4 * b + 1;
      closeTicks = 4 * b;
      expected = 5 * b;
    }
    const p = afterClose(tick, long ? 'long' : 'short', exits, entryTicks, closeTicks);
    const want = new Decimal(expected).mul(tick);
    if (!p.stopLoss || !p.stopLoss.eq(want)) {
      t.fail(`${long ? 'long' : 'short'} (tick ${tick}) entered at ${px(entryTicks, tick)}, close ${px(closeTicks, tick)}: the stop must move one tick to ${want.toFixed()}, is ${p.stopLoss?.toFixed()}`);
      return;
    }
  }
  t.pass('every one-tick improvement moved the stop');
});

t.test("placement 'bot': a close exactly at the stop or the target exits", async (t) => {
  const r = rng(4);
  for (let i = 0; i < 200; i++) {
    const tick = pick(r, TICKS);
    const side: Side = r() < 0.5 ? 'long' : 'short';
    const entryTicks = 400 * int(r, 10, 5_000);
    const stopPct = pick(r, ['0.25', '0.5', '1', '2']);
    const tpPct = pick(r, ['0.5', '1', '2.5']);
    const exits: ExitsPlan = { placement: 'bot', stopLoss: { kind: 'percent', percent: d(stopPct) }, takeProfit: { kind: 'percent', percent: d(tpPct) } };
    const dir = side === 'long' ? 1 : -1;
    const stopTicks = entryTicks - dir * new Decimal(entryTicks).mul(stopPct).div(100).toNumber();
    const tpTicks = entryTicks + dir * new Decimal(entryTicks).mul(tpPct).div(100).toNumber();
    for (const [what, at] of [['stop', stopTicks], ['target', tpTicks]] as const) {
      const plan = makePlan({ exits });
      const bt = new Backtest(plan, scripted({ 0: [side === 'long' ? 'enter_long' : 'enter_short'] }), rulesFor(tick));
      const e = px(entryTicks, tick);
      const c = px(at, tick);
      for (const bar of candles([[e, e, e, e], [e, e, e, e], [e, Math.max(e, c), Math.min(e, c), c]])) bt.push(bar);
      if (bt.core.state.exitPending === null) {
        t.fail(`${side} (tick ${tick}) entered at ${e}: a close exactly at the ${what} ${c} must exit`);
        return;
      }
    }
  }
  t.pass('every exact touch exited');
});

import t from 'tap';
import { WilderAtr } from '../../engine/core/atr.ts';
import { DecisionCore } from '../../engine/core/core.ts';
import { deserializeState, serializeState } from '../../engine/core/state.ts';
import { roundAdverseFill, roundLimitEntry, roundQty, roundStopLoss, roundTakeProfit } from '../../engine/core/precision.ts';
import { BTC_LINEAR, candles, d, makePlan } from '../helpers/plan.ts';
import { SimExchange } from '../../engine/sim/exchange.ts';
import type { Decision } from '../../engine/core/types.ts';

t.test('ATR follows Pine ta.atr: SMA seed at bar length−1, then Wilder', async (t) => {
  const a = new WilderAtr(3);
  // TR: 2 (first bar: high − low), 2, 3 → seed 7/3 on bar 2; then TR 1 → (7/3 × 2 + 1) / 3 = 17/9
  t.ok(Number.isNaN(a.update(10, 8, 9)));
  t.ok(Number.isNaN(a.update(11, 9, 10)));
  t.equal(a.update(12, 9, 11), 7 / 3);
  t.ok(Math.abs(a.update(11, 10, 10.5) - 17 / 9) < 1e-12);
  // a gap: previous close 10.5, bar 20..19 → TR = |20 − 10.5| = 9.5
  t.ok(Math.abs(a.update(20, 19, 19.5) - (17 / 9 * 2 + 9.5) / 3) < 1e-12);
  const b = WilderAtr.fromState(JSON.parse(JSON.stringify(a.toState())));
  t.equal(b.update(21, 20, 20), a.update(21, 20, 20));
});

t.test('precision helpers round to the safe side', async (t) => {
  const r = BTC_LINEAR;
  t.equal(roundQty(d('0.12399'), r).toFixed(), '0.123');
  t.equal(roundStopLoss(d('100.01'), 'long', r).toFixed(), '100.1');
  t.equal(roundStopLoss(d('100.09'), 'short', r).toFixed(), '100');
  t.equal(roundTakeProfit(d('100.09'), 'long', r).toFixed(), '100');
  t.equal(roundTakeProfit(d('100.01'), 'short', r).toFixed(), '100.1');
  t.equal(roundLimitEntry(d('100.09'), 'long', r).toFixed(), '100');
  t.equal(roundLimitEntry(d('100.01'), 'short', r).toFixed(), '100.1');
  t.equal(roundAdverseFill(d('100.01'), true, r.tickSize).toFixed(), '100.1');
  t.equal(roundAdverseFill(d('100.09'), false, r.tickSize).toFixed(), '100');
  t.equal(roundStopLoss(d('100.1'), 'long', r).toFixed(), '100.1', 'already on the tick: unchanged');
});

t.test('core state survives a JSON round trip mid-position and continues identically', async (t) => {
  const plan = makePlan({ exits: { placement: 'exchange', stopLoss: { kind: 'atr', length: 2, multiple: d(1) }, trailingStop: { distance: { kind: 'percent', percent: d(1) } } }, cooldown: { afterExit: { unit: 'bars', bars: 2 } } });
  const bars = candles([[40000, 40100, 39900, 40000], [40000, 40100, 39900, 40000], [40000, 40500, 40000, 40500], [40500, 41000, 40500, 41000], [41000, 41000, 40000, 40100]]);
  const run = (restoreAt: number): string[] => {
    const log: string[] = [];
    const sink = (x: Decision): void => { log.push(x.text); };
    const sim = new SimExchange(plan.simulation, BTC_LINEAR);
    let core = new DecisionCore(plan, BTC_LINEAR, sink);
    bars.forEach((c, i) => {
      if (i === restoreAt) core = new DecisionCore(plan, BTC_LINEAR, sink, deserializeState(serializeState(core.snapshot())));
      for (const ev of sim.onCandle(c)) if (ev.type === 'fill') core.onFill(ev.fill);
      const intents = core.onCandle(c, i === 1 ? [{ action: 'enter_long', reason: '' }] : [], sim);
      for (const x of intents) { sim.submit(x); log.push(`${x.kind}${'stopLoss' in x && x.stopLoss ? ' ' + x.stopLoss.toFixed() : ''}`); }
    });
    return log;
  };
  const straight = run(-1);
  t.same(run(3), straight);
  t.same(run(4), straight);
  t.ok(straight.some((x) => x.startsWith('move_stop')), 'the scenario exercises a trailing move');
});

// The per-candle path does no Decimal work while nothing happens: flat, no signal. (Decimal is
// ~100× slower than float64; a backtest runs this a million times a second.) Counted by wrapping
// every Decimal method for the duration of the loop.
import t from 'tap';
import { Decimal } from 'decimal.js';
import { Backtest } from '../../engine/backtest/runner.ts';
import { BTC_LINEAR, candles, d, makePlan, scripted } from '../helpers/plan.ts';

function countDecimalCalls(run: () => void): number {
  const proto = Decimal.prototype as unknown as Record<string, unknown>;
  const saved = new Map<string, unknown>();
  let calls = 0;
  for (const k of Object.getOwnPropertyNames(proto)) {
    const f = proto[k];
    if (typeof f !== 'function' || k === 'constructor') continue;
    saved.set(k, f);
    proto[k] = function (this: unknown, ...args: unknown[]) {
      calls++;
      return (f as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  try {
    run();
  } finally {
    for (const [k, f] of saved) proto[k] = f;
  }
  return calls;
}

/**
 * Decimal method calls while `bt` takes `bars`, less the equity curve's own exact reads at its
 * sampled points (3 Decimal operations each: close − entry, × qty, + balance).
 */
function decimalCallsBesidesEquity(bt: Backtest, bars: readonly Parameters<Backtest['push']>[0][]): { calls: number; equityReads: number } {
  let equityReads = 0;
  const exact = bt.sim.equity.bind(bt.sim);
  bt.sim.equity = () => {
    equityReads++;
    return exact();
  };
  const all = countDecimalCalls(() => {
    for (const c of bars) bt.push(c);
  });
  return { calls: all - 3 * equityReads, equityReads };
}

t.test('flat and silent candles cost no Decimal operation', async (t) => {
  // The full plan: ATR stop, target, trailing, cooldowns, all protections.
  const plan = makePlan({
    risk: { sizing: { kind: 'risk_percent', percent: d(1) }, leverage: d(3), maxPositionQuote: d(30000) },
    exits: { placement: 'exchange', stopLoss: { kind: 'atr', length: 14, multiple: d(2) }, takeProfit: { kind: 'risk_reward', multiple: d(2) }, trailingStop: { distance: { kind: 'percent', percent: d(1) } } },
    cooldown: { afterExit: { unit: 'bars', bars: 3 }, volatility: { atrLength: 5, baselineLength: 50, maxMultiplier: d(3) } },
    protections: { maxDailyLossPercent: d(3), maxDrawdownPercent: d(15), maxTradesPerDay: 6 },
    simulation: { initialEquity: d(10000), takerFeePercent: d('0.055'), makerFeePercent: d('0.02'), slippagePercent: d('0.02') },
  });
  const rows = Array.from({ length: 2400 }, (_, i) => {
    const p = 40000 + Math.sin(i / 10) * 300;
    return [p, p + 50, p - 50, p] as [number, number, number, number];
  });
  const bars = candles(rows, Date.UTC(2021, 9, 1, 0, 30)); // 100 UTC days of hourly candles
  // Equity sampling reads exact equity (a few hundred times at most); give it a large stride.
  const bt = new Backtest(plan, scripted({}), BTC_LINEAR, { equityPoints: 2 });
  for (const c of bars.slice(0, 100)) bt.push(c); // let the sampler's stride grow
  const calls = countDecimalCalls(() => {
    for (const c of bars.slice(100)) bt.push(c);
  });
  // 2300 candles span 96 UTC midnights; reading the (flat) equity at each is no arithmetic at all.
  t.equal(calls, 0, `Decimal method calls on 2300 quiet candles: ${calls}`);
});

t.test('quiet candles in a position with a trailing stop cost no Decimal operation', async (t) => {
  // 1-minute candles inside one UTC day (no day roll). Long 0.01 entered at 40000; price runs to 42000
  // (trailing 5 % → stop 39900), then swings 41000 ± 300: every close − 5 % is ≤ 39235, below the
  // stop, so the stop never moves and is never touched — nothing happens but the checks.
  const plan = makePlan({
    market: { network: 'mainnet', category: 'linear', symbol: 'BTCUSDT', interval: '1' },
    exits: { placement: 'exchange', trailingStop: { distance: { kind: 'percent', percent: d(5) }, activation: { kind: 'percent', percent: d(1) } } },
  });
  const rows: [number, number, number, number][] = [[40000, 40000, 40000, 40000], [40000, 42000, 40000, 42000]];
  for (let i = 0; i < 1200; i++) {
    const p = 41000 + Math.sin(i / 10) * 300;
    rows.push([p, p + 20, p - 20, p]);
  }
  const bars = candles(rows, Date.UTC(2021, 9, 1, 0, 0), '1');
  const bt = new Backtest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, { equityPoints: 2 });
  for (const c of bars.slice(0, 200)) bt.push(c);
  t.equal(bt.sim.position?.stop?.toFixed(), '39900');
  // The equity curve reads the exact equity at its sampled points (a handful here): 3 Decimal
  // operations each (close − entry, × qty, + balance). Nothing else may touch Decimal.
  const { calls, equityReads } = decimalCallsBesidesEquity(bt, bars.slice(200));
  t.equal(bt.sim.position?.stop?.toFixed(), '39900', 'still in the position, stop unchanged');
  t.ok(equityReads < 10, `equity sampled ${equityReads} times`);
  t.equal(calls, 0, `Decimal method calls on 1002 quiet candles in a position, besides equity samples: ${calls}`);
});

t.test('quiet candles waiting for a risk-reward activation, with drawdown, cool-off and floor set, cost no Decimal operation', async (t) => {
  // 1-minute candles inside one UTC day. Long 0.01 at 40000 with a 2 % stop (39200, 1R = 800): the
  // trail starts at a close of 40800 (1R); closes stay at 40300 ± 200, so it never starts, the stop is
  // never touched, and equity (about 10003) never nears the 8 % drawdown or the 9000 floor.
  const plan = makePlan({
    market: { network: 'mainnet', category: 'linear', symbol: 'BTCUSDT', interval: '1' },
    exits: { placement: 'exchange', stopLoss: { kind: 'percent', percent: d(2) }, trailingStop: { distance: { kind: 'percent', percent: d(1) }, activation: { kind: 'risk_reward', multiple: d(1) } } },
    protections: { maxDrawdownPercent: d(8), drawdownCoolOff: { unit: 'bars', bars: 30 }, haltBelowEquity: d(9000) },
  });
  const rows: [number, number, number, number][] = [[40000, 40000, 40000, 40000], [40000, 40000, 40000, 40000]];
  for (let i = 0; i < 1200; i++) {
    const p = Math.round((40300 + Math.sin(i / 10) * 200) * 10) / 10;
    rows.push([p, p + 10, p - 10, p]);
  }
  const bt = new Backtest(plan, scripted({ 0: ['enter_long'] }), BTC_LINEAR, { equityPoints: 2 });
  const bars = candles(rows, Date.UTC(2021, 9, 1, 0, 0), '1');
  for (const c of bars.slice(0, 200)) bt.push(c);
  const { calls, equityReads } = decimalCallsBesidesEquity(bt, bars.slice(200));
  t.equal(bt.core.state.position?.trailActive, false, 'still waiting for the activation');
  t.equal(calls, 0, `Decimal method calls on 1002 quiet candles, besides equity samples: ${calls}`);
});

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

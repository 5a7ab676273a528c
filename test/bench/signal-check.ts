// What checking a strategy module's signals costs on the hot path: the bundled Donchian module
// (bots/btc-breakout-module.yaml, interval set to 1 minute) over 1,000,000 candles through the
// backtest, once calling the module directly and once through checkedStrategy (what botctl runs).
// Runs alternate (A B A B ...) and the best of each is reported, so machine load hits both alike.
//
//   npx tsx test/bench/signal-check.ts [candles] [rounds]
import { loadBotSpec } from '../../engine/spec/load.ts';
import { constructStrategy, loadStrategyClass } from '../../engine/strategy/load.ts';
import { checkedStrategy } from '../../engine/strategy/checked.ts';
import { readCandleCsv } from '../../engine/market/csv.ts';
import { bundledInstrument } from '../../engine/market/instruments.ts';
import { Backtest } from '../../engine/backtest/runner.ts';
import type { Candle } from '../../engine/market/candle.ts';
import type { Strategy } from '../../engine/strategy/strategy.ts';
import { benchCsv } from './backtest.ts';

const n = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 3);
const spec = await loadBotSpec('bots/btc-breakout-module.yaml');
if (!spec.ok || spec.plan.strategy.kind !== 'module') throw new Error('bots/btc-breakout-module.yaml does not load');
const plan = { ...spec.plan, market: { ...spec.plan.market, interval: '1' as const } };
const modulePath = spec.plan.strategy.path;
const rules = bundledInstrument(plan.market.symbol, plan.market.category);
const csv = await benchCsv(n);
// The candles in memory, so the figures are the strategy and the engine, not the CSV parser.
const candles: Candle[] = [];
await readCandleCsv(csv, (c) => void candles.push(c), { intervalMs: 60_000 });

const cls = await loadStrategyClass(modulePath);
if (!cls.ok) throw new Error('module does not load');
const fresh = (): Strategy => {
  const s = constructStrategy(cls.value, { symbol: plan.market.symbol, interval: plan.market.interval, params: plan.strategy.params });
  if (!s.ok) throw new Error('module does not construct');
  return s.value;
};

function run(strategy: Strategy): { ns: number; signals: number } {
  let signals = 0;
  const counting: Strategy = { warmupBars: strategy.warmupBars, preloadBars: strategy.preloadBars, onCandle: (c) => { const s = strategy.onCandle(c); signals += s.length; return s; } };
  const bt = new Backtest(plan, counting, rules);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < candles.length; i++) bt.push(candles[i] as Candle);
  bt.finish();
  return { ns: Number(process.hrtime.bigint() - t0) / candles.length, signals };
}

let direct = Infinity;
let checked = Infinity;
let signals = 0;
for (let r = 0; r < rounds; r++) {
  direct = Math.min(direct, run(fresh()).ns);
  const c = run(checkedStrategy(fresh(), 'bench'));
  checked = Math.min(checked, c.ns);
  signals = c.signals;
}
console.log(`strategy module through the backtest, ${n.toLocaleString('en-US')} candles in memory, ${signals.toLocaleString('en-US')} signals checked; best of ${rounds}:`);
console.log(`  direct   ${direct.toFixed(0).padStart(5)} ns/candle`);
console.log(`  checked  ${checked.toFixed(0).padStart(5)} ns/candle  (${checked - direct >= 0 ? '+' : ''}${(checked - direct).toFixed(1)} ns/candle, ${(((checked - direct) / direct) * 100).toFixed(1)} %)`);

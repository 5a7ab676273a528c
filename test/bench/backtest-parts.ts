// Where a backtest's time goes: CSV read alone, CSV + strategy, CSV + strategy + engine.
//   npx tsx test/bench/backtest-parts.ts [candles]
import { loadBotSpec } from '../../engine/spec/load.ts';
import { instantiateStrategy } from '../../engine/strategy/load.ts';
import { readCandleCsv } from '../../engine/market/csv.ts';
import { bundledInstrument } from '../../engine/market/instruments.ts';
import { Backtest } from '../../engine/backtest/runner.ts';
import { NO_SIGNALS } from '../../engine/strategy/strategy.ts';
import { benchCsv } from './backtest.ts';

const n = Number(process.argv[2] ?? 1_000_000);
const csv = await benchCsv(n);
const spec = await loadBotSpec('bots/btc-ema.yaml');
if (!spec.ok) throw new Error('spec does not load');
const plan = { ...spec.plan, market: { ...spec.plan.market, interval: '1' as const } };
const rules = bundledInstrument(plan.market.symbol, plan.market.category);
// Each part runs twice; the second (JIT warm, file in the page cache) is reported.
const time = async (label: string, f: () => Promise<unknown>): Promise<void> => {
  await f();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await f();
  const s = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(c0);
  const cpu = (cu.user + cu.system) / 1e6;
  console.log(`${label.padEnd(34)} wall ${s.toFixed(2)} s  ${Math.round(n / s).toLocaleString('en-US').padStart(10)} candles/s   cpu ${cpu.toFixed(2)} s  ${Math.round(n / cpu).toLocaleString('en-US').padStart(10)} candles/cpu-s`);
};
await time('CSV read only', () => readCandleCsv(csv, () => {}));
await time('CSV + strategy', async () => { const strat = await instantiateStrategy(plan); await readCandleCsv(csv, (c) => strat.onCandle(c)); });
const quiet = { warmupBars: 0, preloadBars: 0, onCandle: () => NO_SIGNALS };
await time('CSV + engine, no signals', async () => { const bt = new Backtest(plan, quiet, rules); await readCandleCsv(csv, bt.push); bt.finish(); });
await time('CSV + strategy + engine', async () => { const bt = new Backtest(plan, await instantiateStrategy(plan), rules); await readCandleCsv(csv, bt.push); bt.finish(); });

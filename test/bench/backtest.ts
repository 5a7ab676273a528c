// Backtest throughput and memory: the flagship spec (bots/btc-ema.yaml, interval switched to 1
// minute) over 1,000,000 and 5,000,000 one-minute candles, end to end (CSV read included).
// Each size runs in its own process so its peak RSS is its own; equal peaks show that memory does
// not grow with history length.
//
//   npx tsx test/bench/backtest.ts            # 1M and 5M
//   npx tsx test/bench/backtest.ts 200000     # one size
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBotSpec } from '../../engine/spec/load.ts';
import { instantiateStrategy } from '../../engine/strategy/load.ts';
import { readCandleCsv, CSV_HEADER } from '../../engine/market/csv.ts';
import { bundledInstrument } from '../../engine/market/instruments.ts';
import { Backtest } from '../../engine/backtest/runner.ts';
import { resultToJson } from '../../engine/backtest/output.ts';
import type { Candle } from '../../engine/market/candle.ts';
import { mulberry32 } from '../helpers/random.ts';

const SEED = 20211001;

/** Seeded random-walk 1-minute BTC candles (prices like 2021: ~45,000, tick 0.1). Written once. */
export async function benchCsv(n: number): Promise<string> {
  const dir = join(tmpdir(), 'botctl-bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `BTCUSDT-1m-${n}-${SEED}.csv`);
  if (existsSync(file)) return file;
  const rand = mulberry32(SEED);
  const gauss = (): number => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
  out.write(`${CSV_HEADER}\n`);
  let price = 45000;
  let t = Date.UTC(2021, 0, 1);
  let chunk: string[] = [];
  for (let i = 0; i < n; i++) {
    const open = price;
    // ~0.08 % per minute, with slow mean reversion so prices stay in a BTC-like band
    const drift = (45000 - price) / 45000 * 0.0002;
    const close = Math.max(1000, open * (1 + drift + 0.0008 * gauss()));
    const hi = Math.max(open, close) * (1 + Math.abs(gauss()) * 0.0003);
    const lo = Math.min(open, close) * (1 - Math.abs(gauss()) * 0.0003);
    const r = (x: number): string => (Math.round(x * 10) / 10).toFixed(1);
    const o = r(open), c = r(close);
    chunk.push(`${t},${o},${r(Math.max(hi, +o, +c))},${r(Math.min(lo, +o, +c))},${c},${(rand() * 20).toFixed(3)}`);
    price = +c;
    t += 60_000;
    if (chunk.length === 10000) {
      if (!out.write(`${chunk.join('\n')}\n`)) await new Promise<void>((res) => out.once('drain', () => res()));
      chunk = [];
    }
  }
  out.write(chunk.length ? `${chunk.join('\n')}\n` : '');
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
  renameSync(tmp, file);
  return file;
}

export interface BenchResult {
  candles: number;
  seconds: number;
  candlesPerSecond: number;
  /** CPU time of the run (user + system): steadier than wall time on a shared machine. */
  cpuSeconds: number;
  /** Building the --json text afterwards (not in `seconds`). */
  jsonSeconds: number;
  jsonMb: number;
  /** Peak resident memory of the process up to the end of the backtest, and after building the JSON. */
  peakRssMb: number;
  peakRssWithJsonMb: number;
  liveHeapMb: number[];
  trades: number;
  decisions: number;
  spec: string;
}

/** One in-process run over `n` candles (CSV already generated). */
export async function benchBacktest(n = 1_000_000): Promise<BenchResult> {
  const csv = await benchCsv(n);
  const spec = await loadBotSpec('bots/btc-ema.yaml');
  if (!spec.ok) throw new Error(`bots/btc-ema.yaml does not load: ${spec.diagnostics.map((d) => d.message).join('; ')}`);
  const plan = { ...spec.plan, market: { ...spec.plan.market, interval: '1' as const } };
  const strategy = await instantiateStrategy(plan);
  const rules = bundledInstrument(plan.market.symbol, plan.market.category);
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const bt = new Backtest(plan, strategy, rules);
  // Live heap after a full GC every million candles (when run with --expose-gc, as the parent
  // does): peak RSS includes whatever garbage V8 chose not to collect yet, this does not.
  const gc = (globalThis as { gc?: () => void }).gc;
  const liveHeapMb: number[] = [];
  let k = 0;
  const push = gc
    ? (c: Candle): void => {
        bt.push(c);
        if (++k % 1_000_000 === 0) {
          gc();
          liveHeapMb.push(Math.round(process.memoryUsage().heapUsed / 1e6));
        }
      }
    : bt.push;
  await readCandleCsv(csv, push, { intervalMs: 60_000 });
  const result = bt.finish();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cu = process.cpuUsage(c0);
  const cpuSeconds = (cu.user + cu.system) / 1e6;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  // What `--json` adds on top (the default run prints the summary only).
  const j0 = process.hrtime.bigint();
  const jsonBytes = resultToJson(result, { data: csv }).length;
  const jsonSeconds = Number(process.hrtime.bigint() - j0) / 1e9;
  return {
    candles: result.candles.count,
    seconds,
    candlesPerSecond: result.candles.count / seconds,
    cpuSeconds,
    jsonSeconds,
    jsonMb: jsonBytes / 1e6,
    peakRssMb,
    liveHeapMb,
    peakRssWithJsonMb: process.resourceUsage().maxRSS / 1024,
    trades: result.metrics.tradeCount,
    decisions: result.decisions.length + result.omitted.decisions,
    spec: 'bots/btc-ema.yaml (interval set to 1 minute)',
  };
}

function report(r: BenchResult): string {
  return `${r.candles.toLocaleString('en-US').padStart(10)} candles  ${r.seconds.toFixed(2).padStart(7)} s  ` +
    `${Math.round(r.candlesPerSecond).toLocaleString('en-US').padStart(10)} candles/s  (cpu ${r.cpuSeconds.toFixed(2)} s: ${Math.round(r.candles / r.cpuSeconds).toLocaleString('en-US')} candles/cpu-s)  peak RSS ${r.peakRssMb.toFixed(0).padStart(5)} MB  ` +
    `live heap after GC per million candles: ${r.liveHeapMb.join(' ')} MB\n${''.padStart(12)}` +
    `(${r.trades} trades, ${r.decisions} decisions; --json adds ${r.jsonSeconds.toFixed(2)} s for ${r.jsonMb.toFixed(0)} MB, peak RSS then ${r.peakRssWithJsonMb.toFixed(0)} MB)`;
}

const self = fileURLToPath(import.meta.url);
if (process.argv[1] === self) {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const r = await benchBacktest(Number(args[1]));
    process.stdout.write(`${JSON.stringify(r)}\n`);
  } else {
    const sizes = args.length ? args.map(Number) : [1_000_000, 5_000_000];
    console.log('botctl backtest benchmark: flagship spec, seeded 1-minute random walk, CSV read included');
    for (const n of sizes) {
      await benchCsv(n); // generate outside the timed child
      const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--child', String(n)], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (child.status !== 0) {
        console.error(child.stderr);
        process.exit(1);
      }
      console.log(report(JSON.parse(child.stdout.trim().split('\n').pop() as string) as BenchResult));
    }
  }
}

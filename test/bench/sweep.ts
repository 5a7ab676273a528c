// The sweep goal: the flagship bot over one year of hourly candles (8,760) × 1,000 combinations
// (10 fast × 10 slow × 10 ATR stop multiples) as one `botctl sweep` on every core, next to a loop
// of single `botctl backtest` runs over the same combinations, whole processes as a trader runs
// them. The loop is measured on a sample of the combinations (every 100th, each its own process)
// and extrapolated to all 1,000: running a thousand processes would take many minutes and say
// nothing more. The two take turns, so a machine busy with other work slows both alike, and the
// ratio is always between figures of the same run.
//
//   npx tsx test/bench/sweep.ts [--rounds N] [--workers N]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../engine/build/build.mjs';
import { BOTCTL } from '../helpers/run-cli.ts';
import { mulberry32 } from '../helpers/random.ts';
import { CSV_HEADER } from '../../engine/market/csv.ts';
import { resolveParams } from '../../engine/sweep/params.ts';
import { Space } from '../../engine/sweep/space.ts';
import { SpecVariants } from '../../engine/sweep/variant.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg('--rounds', 3);
const WORKERS = arg('--workers', availableParallelism());
const CANDLES = 8760;
const SAMPLE_EVERY = 100;
const PARAMS: [string, string][] = [['fast', '5..14'], ['slow', '20..65:5'], ['risk.stop_loss.atr.multiple', '1..3.25:0.25']];
const SPEC = 'bots/btc-ema.yaml';
const DIR = join(tmpdir(), 'botctl-bench');

/** One year of hourly BTC-like candles: a seeded random walk (about 0.7 % a bar), prices on a 0.1 tick. */
function yearCsv(): string {
  const file = join(DIR, `BTCUSDT-1h-${CANDLES}-20220101.csv`);
  if (existsSync(file)) return file;
  const rand = mulberry32(20220101);
  const gauss = (): number => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const r = (x: number): string => (Math.round(x * 10) / 10).toFixed(1);
  const lines = [CSV_HEADER];
  let price = 45000;
  let t = Date.UTC(2022, 0, 1);
  for (let i = 0; i < CANDLES; i++) {
    const o = r(price);
    const c = r(Math.max(1000, price * (1 + ((45000 - price) / 45000) * 0.0005 + 0.007 * gauss())));
    const hi = r(Math.max(+o, +c) * (1 + Math.abs(gauss()) * 0.003));
    const lo = r(Math.min(+o, +c) * (1 - Math.abs(gauss()) * 0.003));
    lines.push(`${t},${o},${hi},${lo},${c},${(rand() * 2000).toFixed(3)}`);
    price = +c;
    t += 3_600_000;
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

interface Timed {
  wall: number;
  cpu: number | null;
  out: string;
}

/** Runs botctl as a child process; CPU (user + system, all threads) from /usr/bin/time when there is one. */
function timed(args: string[]): Timed {
  const useTime = existsSync('/usr/bin/time');
  const argv = useTime ? ['-f', '%U %S', process.execPath, BOTCTL, ...args] : [BOTCTL, ...args];
  const t0 = performance.now();
  const r = spawnSync(useTime ? '/usr/bin/time' : process.execPath, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`botctl ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${r.stderr}`);
  const m = useTime ? /(\d+\.\d+) (\d+\.\d+)\s*$/.exec(r.stderr) : null;
  return { wall, cpu: m ? Number(m[1]) + Number(m[2]) : null, out: r.stdout };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await build();
mkdirSync(DIR, { recursive: true });
const csv = yearCsv();

// The sample: every 100th combination, each written as its own spec (what a trader would do by hand).
const text = readFileSync(SPEC, 'utf8');
const variants = new SpecVariants(SPEC, text, 'bench');
const defs = resolveParams(PARAMS.map(([name, values]) => ({ name, values, where: name })), variants.data);
const space = new Space(defs);
const sample: string[] = [];
for (let n = 0; n < space.size; n += SAMPLE_EVERY) {
  const file = join(DIR, `sweep-sample-${n}.yaml`);
  writeFileSync(file, variants.specText(defs, SpecVariants.pick(defs, space.digits(n))));
  sample.push(file);
}

const sweepArgs = ['sweep', SPEC, '--data', csv, ...PARAMS.flatMap(([n, v]) => ['--param', `${n}=${v}`]), '--workers', String(WORKERS), '--min-trades', '10'];
const sweeps: Timed[] = [];
const loops: Timed[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const results = join(DIR, `sweep-results-${round}.jsonl`);
  rmSync(results, { force: true });
  sweeps.push(timed([...sweepArgs, '--results', results]));
  let wall = 0;
  let cpu = 0;
  for (const spec of sample) {
    const r = timed(['backtest', spec, '--data', csv]);
    wall += r.wall;
    cpu += r.cpu ?? NaN;
  }
  loops.push({ wall: wall / sample.length, cpu: cpu / sample.length, out: '' });
}

const sweepWall = median(sweeps.map((s) => s.wall));
const sweepCpu = median(sweeps.map((s) => s.cpu ?? NaN));
const oneWall = median(loops.map((l) => l.wall));
const oneCpu = median(loops.map((l) => l.cpu ?? NaN));
const loopWall = oneWall * space.size;
const rate = (space.size * CANDLES) / sweepWall;
const ratio = loopWall / sweepWall;
const reported = /(\d[\d,]*) combinations in ([\d.]+) s on (\d+) workers?/.exec(sweeps[sweeps.length - 1]!.out);
console.log(`flagship (${SPEC}) × ${space.size.toLocaleString('en')} combinations (${defs.map((d) => `${d.values.length} ${d.name}`).join(' × ')}) over ${CANDLES.toLocaleString('en')} hourly candles (seeded random walk), ${WORKERS} workers; median of ${ROUNDS} rounds, whole processes\n`);
console.log('| measure | figure | goal |');
console.log('| --- | ---: | --- |');
console.log(`| botctl sweep, wall (whole command) | ${sweepWall.toFixed(2)} s | ≤ 5 s ${sweepWall <= 5 ? 'met' : '**missed**'} |`);
console.log(`| botctl sweep, CPU (all threads) | ${sweepCpu.toFixed(2)} s | |`);
if (reported) console.log(`| of which running combinations (as the sweep reports it) | ${reported[2]} s | |`);
console.log(`| candle-combinations per second (wall) | ${(rate / 1e6).toFixed(2)} M/s | ≥ 1.75 M/s ${rate >= 1.75e6 ? 'met' : '**missed**'} |`);
console.log(`| one botctl backtest, wall (mean of ${sample.length} sampled combinations) | ${oneWall.toFixed(3)} s | |`);
console.log(`| one botctl backtest, CPU | ${oneCpu.toFixed(3)} s | |`);
console.log(`| loop of ${space.size.toLocaleString('en')} backtests, wall (extrapolated from the sample) | ${loopWall.toFixed(0)} s | |`);
console.log(`| loop ÷ sweep (wall, same run) | ${ratio.toFixed(1)}× | ≥ 10× ${ratio >= 10 ? 'met' : '**missed**'} |`);
process.exitCode = sweepWall <= 5 && ratio >= 10 ? 0 : 1;

// Whole-process timings of the botctl command, as a trader meets them: start-up of --help,
// validate and a small backtest next to a bare `node -e 0`, and a 1,000,000-candle backtest next
// to the same bot written by hand as one plain-JavaScript loop (hand-backtest.mjs). Every command
// runs 5 times, the commands taking turns so a busy machine slows them alike; medians are shown.
// Beside wall time, the CPU time the process used (Linux): on a machine shared with other work,
// wall time includes waiting for a core, CPU time does not.
//
//   npx tsx test/bench/commands.ts [--rounds N] [--candles N]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from '../../engine/build/build.mjs';
import { BOTCTL } from '../helpers/run-cli.ts';
import { benchCsv } from './backtest.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg('--rounds', 5);
const CANDLES = arg('--candles', 1_000_000);
const HAND = fileURLToPath(new URL('hand-backtest.mjs', import.meta.url));
const BUNDLED = 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv';

interface Row {
  label: string;
  argv: string[];
  /** Goal: at most this many seconds, and/or this many times the reference row. */
  maxSeconds?: number;
  maxRatio?: number;
  times: number[];
  cpu: number[];
  out?: string;
}

/** CPU seconds used by this process's finished children so far (Linux /proc; NaN elsewhere). */
function childrenCpu(): number {
  if (!existsSync('/proc/self/stat')) return NaN;
  // Fields after the command name: cutime and cstime are the 14th and 15th, in 1/100 s.
  const f = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
}

function run(row: Row): void {
  const c0 = childrenCpu();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, row.argv, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${row.label} failed (exit ${r.status ?? r.signal}):\n${r.stderr}`);
  row.times.push(s);
  row.cpu.push(childrenCpu() - c0);
  row.out = r.stdout;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Runs the rows in turns and prints a Markdown table; returns false if a goal was missed. */
function measure(title: string, rows: Row[], reference: Row): boolean {
  for (let i = 0; i < ROUNDS; i++) for (const row of rows) run(row);
  const ref = median(reference.times);
  const refCpu = median(reference.cpu);
  let ok = true;
  console.log(`\n${title} (median of ${ROUNDS}, whole process)\n`);
  console.log('| command | wall | × reference | CPU | × reference | goal (wall) |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- |');
  for (const row of rows) {
    const m = median(row.times);
    const ratio = m / ref;
    const cpu = median(row.cpu);
    const goals: string[] = [];
    let met = true;
    if (row.maxSeconds !== undefined) {
      goals.push(`≤ ${row.maxSeconds} s`);
      met &&= m <= row.maxSeconds;
    }
    if (row.maxRatio !== undefined) {
      goals.push(`≤ ${row.maxRatio}×`);
      met &&= ratio <= row.maxRatio;
    }
    if (!met) ok = false;
    const goal = goals.length ? `${goals.join(', ')} ${met ? 'met' : '**missed**'}` : row === reference ? 'reference' : '';
    console.log(`| \`${row.label}\` | ${m.toFixed(3)} s | ${ratio.toFixed(2)}× | ${cpu.toFixed(2)} s | ${(cpu / refCpu).toFixed(2)}× | ${goal} |`);
  }
  return ok;
}

await build();
const node: Row = { label: 'node -e 0', argv: ['-e', '0'], times: [], cpu: [] };
const startup: Row[] = [
  node,
  { label: 'botctl --help', argv: [BOTCTL, '--help'], maxRatio: 2, times: [], cpu: [] },
  { label: 'botctl validate bots/btc-ema.yaml', argv: [BOTCTL, 'validate', 'bots/btc-ema.yaml'], maxSeconds: 0.35, maxRatio: 3, times: [], cpu: [] },
  { label: `botctl backtest bots/btc-ema.yaml --data ${BUNDLED}`, argv: [BOTCTL, 'backtest', 'bots/btc-ema.yaml', '--data', BUNDLED], maxSeconds: 0.6, times: [], cpu: [] },
];
let ok = measure('Start-up', startup, node);

// The flagship spec on one-minute candles; the journal setting is irrelevant to a backtest.
const csv = await benchCsv(CANDLES);
const dir = join(tmpdir(), 'botctl-bench');
mkdirSync(dir, { recursive: true });
const spec = join(dir, 'btc-ema-1m.yaml');
writeFileSync(spec, readFileSync('bots/btc-ema.yaml', 'utf8').replace(/^ {2}interval: 60\b/m, '  interval: 1'));
const hand: Row = { label: 'node hand-backtest.mjs (split lines and fields)', argv: [HAND, csv], times: [], cpu: [] };
const handBytes: Row = { label: 'node hand-backtest.mjs --bytes (parse bytes)', argv: [HAND, csv, '--bytes'], times: [], cpu: [] };
const botctl: Row = { label: 'botctl backtest (flagship, 1-minute)', argv: [BOTCTL, 'backtest', spec, '--data', csv], maxRatio: 1.5, times: [], cpu: [] };
ok = measure(`Backtest of ${CANDLES.toLocaleString('en-US')} one-minute candles against the hand-written loop`, [hand, handBytes, botctl], hand) && ok;
const trades = /Trades +(\d+)/.exec(botctl.out ?? '')?.[1];
const handResult = JSON.parse(hand.out ?? '{}') as { trades?: number };
console.log(`\nSame work: botctl made ${trades} trades, the hand-written loop ${handResult.trades} (it rounds and fills more simply).`);
process.exitCode = ok ? 0 : 1;

// A replay (`botctl run --venue sim --data`) against the backtest of the same file: the flagship
// spec (bots/btc-ema.yaml, interval switched to 1 minute), and the same spec trading to the end
// without its max-drawdown pause, over 500,000 and 5,000,000 seeded one-minute candles, each
// command a whole process as a trader runs it. Per command: wall time,
// CPU time, peak RSS; per replay: the journal it wrote. Goals: the replay within 3× the backtest's
// time, and its memory flat in the file's length (the file is streamed, never held whole).
//
//   npx tsx test/bench/replay.ts              # 500k and 5M
//   npx tsx test/bench/replay.ts 200000       # one size
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../engine/build/build.mjs';
import { BOTCTL } from '../helpers/run-cli.ts';
import { benchCsv } from './backtest.ts';

const MAX_RATIO = 3;
/** Peak RSS of the longest replay over the shortest's: above this, memory grows with the file. */
const MAX_RSS_GROWTH = 1.25;

interface Measured {
  wall: number;
  cpu: number;
  peakRssMb: number;
  out: string;
}

const dir = join(tmpdir(), 'botctl-bench', 'replay');
mkdirSync(dir, { recursive: true });
// Reports the process's own CPU time and peak RSS as it exits (botctl ends with process.exit).
const probe = join(dir, 'exit-probe.mjs');
writeFileSync(probe, `import { writeFileSync } from 'node:fs';
process.on('exit', () => {
  const cpu = process.cpuUsage();
  writeFileSync(process.env.BENCH_PROBE_OUT, JSON.stringify({ cpu: (cpu.user + cpu.system) / 1e6, maxRssKb: process.resourceUsage().maxRSS }));
});
`);

function measure(args: string[]): Measured {
  const probeOut = join(dir, 'probe.json');
  rmSync(probeOut, { force: true });
  const errFile = join(dir, 'stderr.log');
  const t0 = performance.now();
  // stderr (the replay's log, a line per decision) goes to a file, as a trader would redirect it.
  const r = spawnSync('sh', ['-c', `exec "$0" "$@" 2>"${errFile}"`, process.execPath, '--import', probe, BOTCTL, ...args], {
    encoding: 'utf8', maxBuffer: 1 << 24, cwd: dir, env: { ...process.env, BENCH_PROBE_OUT: probeOut, NO_COLOR: '1' },
  });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`botctl ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${readFileSync(errFile, 'utf8').slice(-2000)}`);
  const p = JSON.parse(readFileSync(probeOut, 'utf8')) as { cpu: number; maxRssKb: number };
  return { wall, cpu: p.cpu, peakRssMb: p.maxRssKb / 1024, out: r.stdout };
}

function journalMb(file: string): number {
  let bytes = 0;
  for (const f of [file, `${file}-wal`]) if (existsSync(f)) bytes += statSync(f).size;
  return bytes / 1e6;
}

await build();
const journal = join(dir, 'journal', 'btc-ema.sqlite');
const flagship = readFileSync('bots/btc-ema.yaml', 'utf8').replace(/^ {2}interval: 60\b/m, '  interval: 1');
// Two bots: the flagship, which reaches its max drawdown early and then skips every entry (a
// replay of mostly quiet candles), and the same spec without that pause, trading to the end of the
// file (an order, fills and journal rows every few hundred candles).
const SPECS = [
  { name: 'flagship', file: join(dir, 'btc-ema-1m.yaml'), text: flagship },
  { name: 'flagship, no max-drawdown pause', file: join(dir, 'btc-ema-1m-trading.yaml'), text: flagship.replace(/^ {2}max_drawdown_percent: .*\n/m, '') },
];
for (const s of SPECS) writeFileSync(s.file, s.text);

const sizes = process.argv.slice(2).length ? process.argv.slice(2).map(Number) : [500_000, 5_000_000];
console.log('botctl run --venue sim (replay) vs botctl backtest on the same file: seeded 1-minute random walk, whole process\n');
console.log('| candles | bot | command | wall | CPU | peak RSS | journal | replay ÷ backtest (wall, CPU) |');
console.log('| ---: | --- | --- | ---: | ---: | ---: | ---: | --- |');
let ok = true;
const replayRss: number[] = [];
for (const n of sizes) for (const { name, file: spec } of SPECS) {
  const csv = await benchCsv(n); // generated once, outside the timings
  const bt = measure(['backtest', spec, '--data', csv]);
  rmSync(join(dir, 'journal'), { recursive: true, force: true });
  const rp = measure(['run', spec, '--venue', 'sim', '--data', csv]);
  const size = journalMb(journal);
  rmSync(join(dir, 'journal'), { recursive: true, force: true });
  const ratio = rp.wall / bt.wall;
  const met = ratio <= MAX_RATIO;
  if (!met) ok = false;
  if (spec === SPECS[0]!.file) replayRss.push(rp.peakRssMb);
  const count = n.toLocaleString('en-US');
  const row = (what: string, m: Measured, journalText: string, ratioText: string) =>
    console.log(`| ${count} | ${name} | ${what} | ${m.wall.toFixed(1)} s | ${m.cpu.toFixed(1)} s | ${m.peakRssMb.toFixed(0)} MB | ${journalText} | ${ratioText} |`);
  row('`botctl backtest`', bt, '', '');
  row('`botctl run --venue sim`', rp, `${size.toFixed(0)} MB`, `${ratio.toFixed(2)}×, ${(rp.cpu / bt.cpu).toFixed(2)}× (goal ≤ ${MAX_RATIO}× wall: ${met ? 'met' : '**missed**'})`);
  // Same work: the backtest's trade count and the replay's entries.
  const trades = /Trades +(\d+)/.exec(bt.out)?.[1];
  const replay = /replayed (\d+) candles[\s\S]*decisions: (\d+) \((\d+) entries/.exec(rp.out);
  console.log(`|  |  | (backtest: ${trades} trades; replay: ${replay?.[1]} candles after the warm-up, ${replay?.[2]} decisions, ${replay?.[3]} entries) | | | | | |`);
}
if (replayRss.length > 1) {
  const growth = Math.max(...replayRss) / Math.min(...replayRss);
  const flat = growth <= MAX_RSS_GROWTH;
  if (!flat) ok = false;
  console.log(`\nReplay peak RSS, longest file over shortest: ${growth.toFixed(2)}× for ${(Math.max(...sizes) / Math.min(...sizes)).toFixed(0)}× the candles (goal ≤ ${MAX_RSS_GROWTH}×: ${flat ? 'met' : '**missed**'})`);
}
process.exitCode = ok ? 0 : 1;

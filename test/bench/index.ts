// `npm run bench`: every benchmark in its own process, one after another, so each measures its
// own peak memory and none warms the JIT for the next. Each file prints its own figures.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHES: [string, string][] = [
  ['Commands, whole process: start-up, and a 1M-candle backtest vs the same bot written by hand', 'commands.ts'],
  ['Rule language: 1M candles through the compiled flagship rule vs a hand-written loop, alone and after other rule sets', 'dsl.ts'],
  ['Sweep: the flagship × 1,000 combinations over 8,760 hourly candles on every core, vs a loop of botctl backtest', 'sweep.ts'],
  ['Backtest end to end (CSV read included): 1M and 5M candles', 'backtest.ts'],
  ['Replay (run --venue sim --data) vs backtest of the same 500k and 5M candles, whole process: time, memory, journal', 'replay.ts'],
  ['Signal check: a strategy module\'s signals validated on every candle vs called directly', 'signal-check.ts'],
  ['Live latency: confirmed candle pushed by the fake Bybit → order/create received', 'latency.ts'],
  ['Order path: placeOrder → the fake has the request, WebSocket vs REST', 'order-path.ts'],
  ['Per-candle position check in a position: one REST position read', 'position-check.ts'],
];

const only = process.argv.slice(2);
let failed = 0;
for (const [title, file] of BENCHES) {
  if (only.length > 0 && !only.some((o) => file.startsWith(o))) continue;
  console.log(`\n== ${title} (test/bench/${file})`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(new URL(file, import.meta.url))], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`!! ${file} failed (exit ${r.status ?? r.signal})`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;

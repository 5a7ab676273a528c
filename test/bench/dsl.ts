// Benchmark (not a test): 1,000,000 one-minute candles through the compiled rule
// `crossover(ema(close,9), ema(close,21)) and rsi(close,14) < 70`, against a hand-written float64
// loop computing the same signal in the same process. Reports bars/second, the ratio, and heap
// growth / GC activity around the compiled loop (the hot path should not allocate).
// Times are process CPU time (best of 9 alternating rounds), so a busy machine skews them less.
// Run: npx tsx test/bench/dsl.ts   (node --expose-gc --import tsx test/bench/dsl.ts for exact heap figures)
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Candle } from '../../engine/market/candle.ts';
import { compileRules } from '../../dsl/index.ts';

const RULE = 'crossover(ema(close, 9), ema(close, 21)) and rsi(close, 14) < 70';
const BARS = 1_000_000;

/** mulberry32: small, seeded, reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomWalk(bars: number, seed = 42): Candle[] {
  const rnd = prng(seed);
  const out: Candle[] = new Array(bars);
  let price = 30000;
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < bars; i++) {
    const open = price;
    const close = Math.round(open * (1 + (rnd() - 0.5) * 0.004) * 100) / 100;
    const high = Math.max(open, close) + Math.round(rnd() * 1500) / 100;
    const low = Math.min(open, close) - Math.round(rnd() * 1500) / 100;
    out[i] = { start: t0 + i * 60_000, open, high, low, close, volume: Math.round(rnd() * 1e5) / 1e3 };
    price = close;
  }
  return out;
}

/** The same signal written by hand: SMA-seeded EMAs, Wilder RSI, crossover, warm-up 21. */
export function handWritten(candles: readonly Candle[]): number {
  const a9 = 2 / 10;
  const a21 = 2 / 22;
  let e9 = NaN, e21 = NaN, s9 = 0, s21 = 0;
  let prev9 = NaN, prev21 = NaN;
  let up = NaN, down = NaN, su = 0, sd = 0, deltas = 0;
  let prevClose = NaN;
  let signals = 0;
  for (let i = 0; i < candles.length; i++) {
    const c = candles[i]!.close;
    if (i < 9) { s9 += c; if (i === 8) e9 = s9 / 9; } else e9 = e9 + a9 * (c - e9);
    if (i < 21) { s21 += c; if (i === 20) e21 = s21 / 21; } else e21 = e21 + a21 * (c - e21);
    let rsi = NaN;
    if (i > 0) {
      const d = c - prevClose;
      const u = d > 0 ? d : 0;
      const dn = d < 0 ? -d : 0;
      if (deltas < 14) {
        su += u; sd += dn; deltas++;
        if (deltas === 14) { up = su / 14; down = sd / 14; }
      } else {
        up = (up * 13 + u) / 14;
        down = (down * 13 + dn) / 14;
      }
      if (deltas === 14) rsi = down === 0 ? (up === 0 ? NaN : 100) : 100 - 100 / (1 + up / down);
    }
    prevClose = c;
    const crossed = i >= 21 && e9 > e21 && prev9 <= prev21;
    if (crossed && rsi < 70) signals++;
    prev9 = e9;
    prev21 = e21;
  }
  return signals;
}

function compiledRun(candles: readonly Candle[]): number {
  const r = compileRules({ long_entry: RULE }, new Map());
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  const s = r.rules.createStrategy();
  let signals = 0;
  for (let i = 0; i < candles.length; i++) if (s.onCandle(candles[i]!).length > 0) signals++;
  return signals;
}

/** CPU time of the calling thread's process, so other processes competing for the cores do not count. */
function time<T>(f: () => T): { ms: number; result: T } {
  const t = process.cpuUsage();
  const result = f();
  const d = process.cpuUsage(t);
  return { ms: (d.user + d.system) / 1000, result };
}

export interface DslBenchFigures {
  bars: number;
  compiledBarsPerSecond: number;
  handBarsPerSecond: number;
  ratio: number;
  signals: number;
  heapGrowthBytes: number;
  gcDuringCompiledLoop: number;
  exactHeap: boolean;
}

export async function benchDsl(bars = BARS): Promise<DslBenchFigures> {
  const candles = randomWalk(bars);
  // Warm both paths up so the JIT has settled before timing.
  compiledRun(candles.slice(0, 50_000));
  handWritten(candles.slice(0, 50_000));
  let bestCompiled = Infinity;
  let bestHand = Infinity;
  let compiledSignals = 0;
  let handSignals = 0;
  for (let round = 0; round < 9; round++) {
    const c = time(() => compiledRun(candles));
    const h = time(() => handWritten(candles));
    bestCompiled = Math.min(bestCompiled, c.ms);
    bestHand = Math.min(bestHand, h.ms);
    compiledSignals = c.result;
    handSignals = h.result;
  }
  if (compiledSignals !== handSignals) throw new Error(`signal counts differ: compiled ${compiledSignals}, hand-written ${handSignals}`);

  // Allocation check: heap before/after one full compiled pass, and GC events during it.
  const gc = (globalThis as { gc?: () => void }).gc;
  let gcEvents = 0;
  const obs = new PerformanceObserver((list) => { gcEvents += list.getEntries().length; });
  const r = compileRules({ long_entry: RULE }, new Map());
  if (!r.ok) throw new Error('compile failed');
  const strategy = r.rules.createStrategy();
  // A first pass lets the JIT finish (compiled code and feedback are heap too); then measure.
  for (let i = 0; i < candles.length; i++) strategy.onCandle(candles[i]!);
  gc?.();
  const before = process.memoryUsage().heapUsed;
  obs.observe({ entryTypes: ['gc'] });
  for (let i = 0; i < candles.length; i++) strategy.onCandle(candles[i]!);
  const after = process.memoryUsage().heapUsed;
  await new Promise((res) => setTimeout(res, 10));
  obs.disconnect();

  return {
    bars,
    compiledBarsPerSecond: Math.round(bars / (bestCompiled / 1000)),
    handBarsPerSecond: Math.round(bars / (bestHand / 1000)),
    ratio: Math.round((bestCompiled / bestHand) * 100) / 100,
    signals: compiledSignals,
    heapGrowthBytes: after - before,
    gcDuringCompiledLoop: gcEvents,
    exactHeap: gc !== undefined,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const f = await benchDsl();
  console.log(`rule: ${RULE}`);
  console.log(`bars: ${f.bars.toLocaleString('en')} one-minute candles (seeded random walk), signals: ${f.signals} (identical in both)`);
  console.log(`compiled rules:   ${(f.compiledBarsPerSecond / 1e6).toFixed(2)} M bars/s (${(1e9 / f.compiledBarsPerSecond).toFixed(1)} ns/bar)`);
  console.log(`hand-written loop: ${(f.handBarsPerSecond / 1e6).toFixed(2)} M bars/s (${(1e9 / f.handBarsPerSecond).toFixed(1)} ns/bar)`);
  console.log(`ratio compiled/hand: ${f.ratio} (goal ≤ 1.5)`);
  console.log(`heap growth over a second 1M-bar pass on a warmed-up strategy: ${(f.heapGrowthBytes / 1024).toFixed(1)} KiB${f.exactHeap ? '' : ' (run with --expose-gc for an exact figure)'}; GC events during it: ${f.gcDuringCompiledLoop}`);
}

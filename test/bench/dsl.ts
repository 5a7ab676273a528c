// Benchmark (not a test): 1,000,000 one-minute candles through the compiled rule
// `crossover(ema(close,9), ema(close,21)) and rsi(close,14) < 70`, against a hand-written float64
// loop computing the same signal in the same process. Reports bars/second, the ratio, and heap
// growth / GC activity around the compiled loop (the hot path should not allocate).
// Times are process CPU time (best of 15 alternating rounds), so a busy machine skews them less.
//
// Fairness: both paths read the same candle objects and compute every indicator on every bar
// (the DSL steps every stateful node every bar; only the final true/false read short-circuits,
// as `crossed && rsi < 70` does by hand). Compiling the rule and building the strategy happen
// once at spec load, so they are outside the timed loop, as the hand loop has no such step.
// Two more figures for context: the same rule as a hand-written Strategy class (what a `.ts`
// strategy module costs through the same onCandle interface), and the compiled rule after three
// other rule shapes ran in the process: it should keep its speed (dsl/lanes.ts; before lanes,
// V8 saw several kernel classes at the same call sites and the rule ran ~1.4-2x slower).
// Run: npx tsx test/bench/dsl.ts   (node --expose-gc --import tsx test/bench/dsl.ts for exact heap figures)
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Candle } from '../../engine/market/candle.ts';
import { NO_SIGNALS, type Signal, type Strategy } from '../../engine/strategy/strategy.ts';
import { compileRules, loadLanes, type RuleExpressions } from '../../dsl/index.ts';
import { mulberry32 } from '../helpers/random.ts';

const RULE = 'crossover(ema(close, 9), ema(close, 21)) and rsi(close, 14) < 70';
const BARS = 1_000_000;
const ROUNDS = 15;

export function randomWalk(bars: number, seed = 42): Candle[] {
  const rnd = mulberry32(seed);
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

function compiledStrategy(rule: RuleExpressions = { long_entry: RULE }): Strategy {
  const r = compileRules(rule, new Map());
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.rules.createStrategy();
}

// One driver per path, so each loop's onCandle call site sees one class (as a backtest does).
function drive(s: Strategy, candles: readonly Candle[]): number {
  let signals = 0;
  for (let i = 0; i < candles.length; i++) if (s.onCandle(candles[i]!).length > 0) signals++;
  return signals;
}
function driveHand(s: HandStrategy, candles: readonly Candle[]): number {
  let signals = 0;
  for (let i = 0; i < candles.length; i++) if (s.onCandle(candles[i]!).length > 0) signals++;
  return signals;
}

const FIRED: readonly Signal[] = Object.freeze([Object.freeze({ action: 'enter_long' as const, reason: RULE })]);

/** The same rule as a hand-written Strategy: state in fields, the same formulas as handWritten. */
class HandStrategy implements Strategy {
  readonly warmupBars = 21;
  readonly preloadBars = 126;
  private bar = 0;
  private e9 = NaN;
  private e21 = NaN;
  private s9 = 0;
  private s21 = 0;
  private prev9 = NaN;
  private prev21 = NaN;
  private up = NaN;
  private down = NaN;
  private su = 0;
  private sd = 0;
  private deltas = 0;
  private prevClose = NaN;

  onCandle(candle: Candle): readonly Signal[] {
    const c = candle.close;
    const i = this.bar++;
    if (i < 9) { this.s9 += c; if (i === 8) this.e9 = this.s9 / 9; } else this.e9 = this.e9 + (2 / 10) * (c - this.e9);
    if (i < 21) { this.s21 += c; if (i === 20) this.e21 = this.s21 / 21; } else this.e21 = this.e21 + (2 / 22) * (c - this.e21);
    let rsi = NaN;
    if (i > 0) {
      const d = c - this.prevClose;
      const u = d > 0 ? d : 0;
      const dn = d < 0 ? -d : 0;
      if (this.deltas < 14) {
        this.su += u; this.sd += dn; this.deltas++;
        if (this.deltas === 14) { this.up = this.su / 14; this.down = this.sd / 14; }
      } else {
        this.up = (this.up * 13 + u) / 14;
        this.down = (this.down * 13 + dn) / 14;
      }
      if (this.deltas === 14) rsi = this.down === 0 ? (this.up === 0 ? NaN : 100) : 100 - 100 / (1 + this.up / this.down);
    }
    this.prevClose = c;
    const crossed = i >= 21 && this.e9 > this.e21 && this.prev9 <= this.prev21;
    this.prev9 = this.e9;
    this.prev21 = this.e21;
    return crossed && rsi < 70 ? FIRED : NO_SIGNALS;
  }
}

/** Other shapes bots use, run first in the "shared process" figure. */
const OTHER_RULES: RuleExpressions[] = [
  { long_entry: 'rsi(close, 14) < 30 and close > sma(close, 50)', long_exit: 'rsi(close, 14) > 70' },
  { long_entry: 'crossunder(ema(close, 9), ema(close, 21)) and rsi(close, 14) > 30', long_exit: 'crossover(ema(close, 9), ema(close, 21))', short_entry: 'close < lowest(low, 20)[1]', short_exit: 'close > highest(high, 20)[1]' },
  { long_entry: 'crossover(close, bb_upper(close, 20, 2)) or atr(14) > 100', strength: '(70 - rsi(close, 14)) / 70' },
];

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
  /** The hand loop was found on slow OSR code and measured again (see benchDsl). */
  handRemeasured: boolean;
  handStrategyBarsPerSecond: number;
  sharedProcessBarsPerSecond: number;
  signals: number;
  heapGrowthBytes: number;
  gcDuringCompiledLoop: number;
  exactHeap: boolean;
}

export async function benchDsl(bars = BARS): Promise<DslBenchFigures> {
  // As a backtest or `botctl run` does (engine/strategy/load.ts): each rule shape gets its own code.
  await loadLanes();
  const candles = randomWalk(bars);
  // Warm every path up so the JIT has settled before timing. Many short calls first: each covers
  // every warm-up branch, so the functions get their regular optimised code with full type
  // feedback. Warming up with one long call left the hand loop, in some processes, deoptimised
  // ("insufficient type feedback") and running on-stack-replaced code 2x slower for the whole run.
  const short = candles.slice(0, 2_000);
  for (let i = 0; i < 30; i++) {
    drive(compiledStrategy(), short);
    handWritten(short);
    driveHand(new HandStrategy(), short);
  }
  drive(compiledStrategy(), candles);
  handWritten(candles);
  driveHand(new HandStrategy(), candles);
  let bestCompiled = Infinity;
  let bestHand = Infinity;
  let bestHandStrategy = Infinity;
  let compiledSignals = 0;
  let handSignals = 0;
  let handStrategySignals = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const strategy = compiledStrategy();
    const c = time(() => drive(strategy, candles));
    const h = time(() => handWritten(candles));
    const hs = new HandStrategy();
    const k = time(() => driveHand(hs, candles));
    bestCompiled = Math.min(bestCompiled, c.ms);
    bestHand = Math.min(bestHand, h.ms);
    bestHandStrategy = Math.min(bestHandStrategy, k.ms);
    compiledSignals = c.result;
    handSignals = h.result;
    handStrategySignals = k.result;
  }
  if (compiledSignals !== handSignals || handStrategySignals !== handSignals) {
    throw new Error(`signal counts differ: compiled ${compiledSignals}, hand-written ${handSignals}, hand-written strategy ${handStrategySignals}`);
  }
  // The bare loop does strictly less work than the same maths behind an object. Slower than that
  // means V8 left it on on-stack-replaced code after a deoptimisation (seen in ~1 run in 8, 2x
  // slower, which would flatter the ratio): warm it up again with short calls and re-measure.
  let handRemeasured = false;
  if (bestHand > bestHandStrategy) {
    handRemeasured = true;
    for (let i = 0; i < 50; i++) handWritten(short);
    bestHand = Infinity;
    for (let round = 0; round < ROUNDS; round++) bestHand = Math.min(bestHand, time(() => handWritten(candles)).ms);
  }

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

  // Last, because it changes what V8 has seen at the shared call sites for the rest of the process.
  for (const other of OTHER_RULES) drive(compiledStrategy(other), candles.slice(0, 200_000));
  let bestShared = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const strategy = compiledStrategy();
    bestShared = Math.min(bestShared, time(() => drive(strategy, candles)).ms);
  }

  return {
    bars,
    compiledBarsPerSecond: Math.round(bars / (bestCompiled / 1000)),
    handBarsPerSecond: Math.round(bars / (bestHand / 1000)),
    ratio: Math.round((bestCompiled / bestHand) * 100) / 100,
    handRemeasured,
    handStrategyBarsPerSecond: Math.round(bars / (bestHandStrategy / 1000)),
    sharedProcessBarsPerSecond: Math.round(bars / (bestShared / 1000)),
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
  console.log(`hand-written loop: ${(f.handBarsPerSecond / 1e6).toFixed(2)} M bars/s (${(1e9 / f.handBarsPerSecond).toFixed(1)} ns/bar)${f.handRemeasured ? ' (re-measured: the first rounds ran on slower OSR code)' : ''}`);
  console.log(`ratio compiled/hand: ${f.ratio} (goal ≤ 1.5)`);
  console.log(`for context: hand-written Strategy class ${(1e9 / f.handStrategyBarsPerSecond).toFixed(1)} ns/bar (compiled/that: ${(f.handStrategyBarsPerSecond / f.compiledBarsPerSecond).toFixed(2)})`);
  console.log(`several rule sets in one process: the same rule after ${OTHER_RULES.length} other rule sets ran ${(1e9 / f.sharedProcessBarsPerSecond).toFixed(1)} ns/bar, ${(f.compiledBarsPerSecond / f.sharedProcessBarsPerSecond).toFixed(2)}x its time alone (goal ≤ 1.2)`);
  console.log(`heap growth over a second 1M-bar pass on a warmed-up strategy: ${(f.heapGrowthBytes / 1024).toFixed(1)} KiB${f.exactHeap ? '' : ' (run with --expose-gc for an exact figure)'}; GC events during it: ${f.gcDuringCompiledLoop}`);
}

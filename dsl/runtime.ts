// Turns the DAG into something that runs per candle without allocating: one Float64Array of
// value slots (numbers; bools as 1/0/NaN) and a list of kernel objects in topological order, each
// holding its input and output slot indices and its own indicator state. No code generation.
//
// Per-bar cost is mostly dispatch and memory traffic, so (measured with test/bench/dsl.ts):
// - common shapes are fused at build time into one kernel (ema-pair.ts: both averages and their
//   crossover/crossunder flags in one step);
// - the hot kernels are classes with number fields, called through small fixed-arity `Seq`
//   objects so each call site sees one class while one strategy dominates the process (a
//   switch-dispatch loop over an opcode array, one megamorphic site, measured ~1.6x slower than
//   the same kernels called directly);
// - the close reaches kernels as an argument, results stay in kernel fields that conditions read
//   (lazy.ts), and slots nobody reads are not written (dropUnreadSlots): each typed-array store
//   and load on the per-bar path cost ~1-2 ns;
// - everything else is a closure wrapped in a `Fn` kernel.
import type { Dag, DagNode } from './dag.ts';
import { INPUTS } from './dag.ts';
import { round9 } from './check.ts';
import { Sma } from './indicators/sma.ts';
import { Ema } from './indicators/ema.ts';
import { EmaPair } from './indicators/ema-pair.ts';
import { Rma } from './indicators/rma.ts';
import { Wma } from './indicators/wma.ts';
import { Stdev } from './indicators/stdev.ts';
import { Rsi } from './indicators/rsi.ts';
import { TrueRange } from './indicators/tr.ts';
import { Highest } from './indicators/highest.ts';
import { Lowest } from './indicators/lowest.ts';
import { stochStep } from './indicators/stoch.ts';
import { Crossover } from './indicators/crossover.ts';
import { Crossunder } from './indicators/crossunder.ts';
import { Cross } from './indicators/cross.ts';
import { Vwap } from './indicators/vwap.ts';
import { HistoryRing } from './indicators/history.ts';

/** Slot of the close (INPUT_ID.close): kernels on the close take it as an argument instead. */
export const CLOSE = 3;

/**
 * One step of the per-bar program: reads and writes node values in the slots. `close` is this
 * bar's close, also in slot CLOSE; kernels whose source is the close read the argument, which
 * measured ~2.5 ns/bar faster on the benchmark rule than loading it back from the slots.
 */
export interface Kernel {
  step(s: Float64Array, close: number): void;
}

export interface Machine {
  /** Slot i holds node i's value for the current bar; inputs sit in slots 0..5 (INPUT_ID). */
  readonly slots: Float64Array;
  readonly kernels: readonly Kernel[];
  /** Steps every kernel once, in order. */
  readonly run: Kernel;
  /** Which input slots (INPUT_ID order) any node reads. */
  readonly inputsUsed: readonly boolean[];
  /**
   * Some node reads the close from slot CLOSE rather than from `step`'s argument. When none
   * does, the strategy skips storing it: that one typed-array store measured ~2 ns/bar.
   */
  readonly closeFromSlots: boolean;
  /** Nodes whose value a hot kernel also keeps in a field, for conditions to read directly. */
  readonly providers: ReadonlyMap<number, Provider>;
  /** Hot kernels by the nodes whose slots they write (see dropUnreadSlots). */
  readonly writers: ReadonlyMap<number, SlotWriter>;
}

/** A kernel result readable without the slots. */
export type Provider =
  | { kind: 'value'; kernel: { readonly value: number } }
  | { kind: 'up' | 'down'; pair: EmaPair };

export interface SlotWriter {
  drop(id: number): void;
}

/** Kernels that read a close source from `step`'s argument (ema.ts, sma.ts, rsi.ts, ema-pair.ts). */
const CLOSE_ARG_OPS: ReadonlySet<string> = new Set(['ema', 'sma', 'rsi']);

export interface BuildOptions {
  /** Fuse common shapes into one kernel (default true); false gives the plain node-per-kernel path. */
  fuse?: boolean;
}

/**
 * Builds fresh state: every call gives independent indicators. Nodes in `skip` get no kernel (the
 * strategy evaluates them on demand, see lazy.ts); the tracer steps everything.
 */
export function buildMachine(dag: Dag, skip: ReadonlySet<number> = new Set(), options: BuildOptions = {}): Machine {
  const slots = new Float64Array(dag.nodes.length);
  const rings = new Map<number, HistoryRing>();
  const kernels: Kernel[] = [];
  const providers = new Map<number, Provider>();
  const writers = new Map<number, SlotWriter>();
  const { owner, runAt } = options.fuse === false ? { owner: new Map<number, EmaPair>(), runAt: new Map<number, EmaPair>() } : fuseEmaPairs(dag);
  for (const [id, pair] of owner) {
    writers.set(id, pair);
    if (id === pair.up) providers.set(id, { kind: 'up', pair });
    if (id === pair.down) providers.set(id, { kind: 'down', pair });
  }
  for (const node of dag.nodes) {
    if (node.op === 'const') slots[node.id] = node.value!;
    const pair = runAt.get(node.id);
    if (pair) {
      kernels.push(pair);
    } else if (owner.has(node.id)) {
      // Computed by its pair, which steps at the pair's first average.
    } else if (!skip.has(node.id)) {
      const k = kernelFor(node, slots, rings);
      if (k) kernels.push(k);
      if (k instanceof Ema || k instanceof Sma || k instanceof Rsi || k instanceof Crossover || k instanceof Crossunder) {
        providers.set(node.id, { kind: 'value', kernel: k });
        writers.set(node.id, k);
      }
    }
    const depth = dag.historyDepth[node.id]!;
    if (depth > 0) {
      const ring = new HistoryRing(depth);
      rings.set(node.id, ring);
      kernels.push(new Record(ring, node.id));
    }
  }
  const inputsUsed = INPUTS.map(() => false);
  for (const node of dag.nodes) for (const a of node.args) if (a < INPUTS.length) inputsUsed[a] = true;
  const closeFromSlots = dag.historyDepth[CLOSE]! > 0 || dag.nodes.some((n) => !CLOSE_ARG_OPS.has(n.op) && n.args.includes(CLOSE));
  return { slots, kernels, run: sequence(kernels), inputsUsed, closeFromSlots, providers, writers };
}

/**
 * After the strategy's conditions are built: turn off every hot kernel's slot write that nothing
 * reads from the slots. Readers are kernels' arguments (except a fused pair's own cross nodes,
 * which it computes internally), history rings, the scores, and `slotReads` (what the
 * conditions read from the slots rather than from a Provider). Lazy nodes have no kernel.
 */
export function dropUnreadSlots(dag: Dag, machine: Machine, lazy: ReadonlySet<number>, slotReads: ReadonlySet<number>, scores: readonly number[]): void {
  const read = new Set<number>(slotReads);
  for (const id of scores) if (id >= 0) read.add(id);
  for (const node of dag.nodes) {
    if (dag.historyDepth[node.id]! > 0) read.add(node.id);
    if (lazy.has(node.id)) continue;
    const provider = machine.providers.get(node.id);
    if (provider && provider.kind !== 'value') continue;
    for (const a of node.args) read.add(a);
  }
  for (const [id, writer] of machine.writers) if (!read.has(id)) writer.drop(id);
}

/**
 * crossover/crossunder(ema(x, a), ema(x, b)) with both averages on the same source: one EmaPair
 * per pair of averages. `owner` maps every node a pair computes to it; `runAt` places the pair
 * at its lower-id average, so every reader of either average comes after it. An average belongs
 * to at most one pair, so it never steps twice; a second cross node on the same pair and
 * direction (impossible after hash-consing except `crossunder(b, a)` ≡ `crossover(a, b)`) stays a
 * plain kernel reading the slots.
 */
function fuseEmaPairs(dag: Dag): { owner: Map<number, EmaPair>; runAt: Map<number, EmaPair> } {
  const owner = new Map<number, EmaPair>();
  const runAt = new Map<number, EmaPair>();
  const pairs = new Map<string, EmaPair>();
  for (const node of dag.nodes) {
    if (node.op !== 'crossover' && node.op !== 'crossunder') continue;
    const [a = -1, b = -1] = node.args;
    const na = dag.node(a);
    const nb = dag.node(b);
    if (a === b || na.op !== 'ema' || nb.op !== 'ema' || na.args[0] !== nb.args[0]) continue;
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const key = `${lo},${hi}`;
    let pair = pairs.get(key);
    if (!pair) {
      if (owner.has(lo) || owner.has(hi)) continue;
      const nLo = dag.node(lo);
      const nHi = dag.node(hi);
      pair = new EmaPair(nLo.consts[0]!, nHi.consts[0]!, nLo.args[0]!, lo, hi, -1, -1);
      pairs.set(key, pair);
      owner.set(lo, pair);
      owner.set(hi, pair);
      runAt.set(lo, pair);
    }
    // crossover(lo, hi) is "lo crossed above hi"; crossover(hi, lo) is "lo crossed below hi".
    const above = (node.op === 'crossover') === (a === lo);
    if (above && pair.up < 0) pair.up = node.id;
    else if (!above && pair.down < 0) pair.down = node.id;
    else continue;
    owner.set(node.id, pair);
  }
  return { owner, runAt };
}

/**
 * Runs kernels in order. Each Seq class has its own call sites, one per position, which V8 can
 * inline while one strategy dominates the process; a loop over the array would make one
 * megamorphic call site for every kernel.
 */
export function sequence(kernels: readonly Kernel[]): Kernel {
  switch (kernels.length) {
    case 0: return new Seq0();
    case 1: return kernels[0]!;
    case 2: return new Seq2(kernels[0]!, kernels[1]!);
    case 3: return new Seq3(kernels[0]!, kernels[1]!, kernels[2]!);
    case 4: return new Seq4(kernels[0]!, kernels[1]!, kernels[2]!, kernels[3]!);
    default: return new Seq4(kernels[0]!, kernels[1]!, kernels[2]!, sequence(kernels.slice(3)));
  }
}

class Seq0 implements Kernel {
  step(): void {}
}
class Seq2 implements Kernel {
  constructor(private readonly a: Kernel, private readonly b: Kernel) {}
  step(s: Float64Array, close: number): void {
    this.a.step(s, close);
    this.b.step(s, close);
  }
}
class Seq3 implements Kernel {
  constructor(private readonly a: Kernel, private readonly b: Kernel, private readonly c: Kernel) {}
  step(s: Float64Array, close: number): void {
    this.a.step(s, close);
    this.b.step(s, close);
    this.c.step(s, close);
  }
}
class Seq4 implements Kernel {
  constructor(private readonly a: Kernel, private readonly b: Kernel, private readonly c: Kernel, private readonly d: Kernel) {}
  step(s: Float64Array, close: number): void {
    this.a.step(s, close);
    this.b.step(s, close);
    this.c.step(s, close);
    this.d.step(s, close);
  }
}

/** The less common operations: a closure over slot indices and state. */
class Fn implements Kernel {
  constructor(private readonly f: () => void) {}
  step(): void {
    this.f();
  }
}

/** Pushes a node's value into its history ring, after the node has stepped. */
class Record implements Kernel {
  constructor(private readonly ring: HistoryRing, private readonly id: number) {}
  step(s: Float64Array): void {
    this.ring.record(s, this.id);
  }
}

/** Non-finite arithmetic results become na (reference decision 9). */
function fin(x: number): number {
  return x - x === 0 ? x : NaN;
}

function kernelFor(node: DagNode, s: Float64Array, rings: Map<number, HistoryRing>): Kernel | undefined {
  const o = node.id;
  const [a = -1, b = -1] = node.args;
  const n = node.consts[0] ?? 0;
  switch (node.op) {
    case 'ema': return new Ema(n, a, o);
    case 'sma': return new Sma(n, a, o);
    case 'rsi': return new Rsi(n, a, o);
    case 'crossover': return new Crossover(a, b, o);
    case 'crossunder': return new Crossunder(a, b, o);
    default: {
      const f = stepFor(node, s, rings);
      return f ? new Fn(f) : undefined;
    }
  }
}

function stepFor(node: DagNode, s: Float64Array, rings: Map<number, HistoryRing>): (() => void) | undefined {
  const o = node.id;
  const [a = -1, b = -1, c = -1, d = -1] = node.args;
  const n = node.consts[0] ?? 0;
  switch (node.op) {
    case 'input':
    case 'const':
      return undefined;
    case 'ema': case 'sma': case 'rsi': case 'crossover': case 'crossunder':
      throw new Error(`internal: ${node.op} has its own kernel class`);
    case 'hl2': return () => { s[o] = (s[a]! + s[b]!) / 2; };
    case 'hlc3': return () => { s[o] = (s[a]! + s[b]! + s[c]!) / 3; };
    case 'ohlc4': return () => { s[o] = (s[a]! + s[b]! + s[c]! + s[d]!) / 4; };
    case 'neg': return () => { s[o] = -s[a]!; };
    case 'add': return () => { s[o] = fin(s[a]! + s[b]!); };
    case 'sub': return () => { s[o] = fin(s[a]! - s[b]!); };
    case 'mul': return () => { s[o] = fin(s[a]! * s[b]!); };
    case 'div': return () => { s[o] = fin(s[a]! / s[b]!); };
    case 'mod': return () => { s[o] = fin(s[a]! % s[b]!); };
    // Comparisons with na are na (NaN compares false, so test explicitly).
    case 'lt': return () => { const x = s[a]!, y = s[b]!; s[o] = x !== x || y !== y ? NaN : x < y ? 1 : 0; };
    case 'le': return () => { const x = s[a]!, y = s[b]!; s[o] = x !== x || y !== y ? NaN : x <= y ? 1 : 0; };
    case 'gt': return () => { const x = s[a]!, y = s[b]!; s[o] = x !== x || y !== y ? NaN : x > y ? 1 : 0; };
    case 'ge': return () => { const x = s[a]!, y = s[b]!; s[o] = x !== x || y !== y ? NaN : x >= y ? 1 : 0; };
    case 'eq': return () => { const x = s[a]!, y = s[b]!; s[o] = x !== x || y !== y ? NaN : round9(x) === round9(y) ? 1 : 0; };
    case 'ne': return () => { const x = s[a]!, y = s[b]!; s[o] = x !== x || y !== y ? NaN : round9(x) !== round9(y) ? 1 : 0; };
    case 'and': return () => { const x = s[a]!, y = s[b]!; s[o] = x === 0 || y === 0 ? 0 : x === 1 && y === 1 ? 1 : NaN; };
    case 'or': return () => { const x = s[a]!, y = s[b]!; s[o] = x === 1 || y === 1 ? 1 : x === 0 && y === 0 ? 0 : NaN; };
    case 'not': return () => { const x = s[a]!; s[o] = x === x ? 1 - x : NaN; };
    case 'hist': {
      const ring = rings.get(a);
      if (!ring) throw new Error(`internal: no history ring for node ${a}`);
      return () => ring.read(s, n, o);
    }
    case 'rma': { const k = new Rma(n); return () => k.step(s, a, o); }
    case 'wma': { const k = new Wma(n); return () => k.step(s, a, o); }
    case 'stdev': { const k = new Stdev(n); return () => k.step(s, a, o); }
    case 'tr': { const k = new TrueRange(n === 1); return () => k.step(s, a, b, c, o); }
    case 'highest': { const k = new Highest(n); return () => k.step(s, a, o); }
    case 'lowest': { const k = new Lowest(n); return () => k.step(s, a, o); }
    case 'stoch': return () => stochStep(s, a, b, c, o);
    case 'cross': { const k = new Cross(); return () => k.step(s, a, b, o); }
    case 'vwap': { const k = new Vwap(); return () => k.step(s, a, b, c, o); }
    case 'isna': return () => { const x = s[a]!; s[o] = x !== x ? 1 : 0; };
    case 'nz': return () => { const x = s[a]!; s[o] = x !== x ? s[b]! : x; };
    // An na condition counts as false, as Pine's iff/ternary does.
    case 'iff': return () => { s[o] = s[a] === 1 ? s[b]! : s[c]!; };
    case 'abs': return () => { s[o] = Math.abs(s[a]!); };
    case 'min': return () => { s[o] = Math.min(s[a]!, s[b]!); };
    case 'max': return () => { s[o] = Math.max(s[a]!, s[b]!); };
  }
}

// Turns the DAG into something that runs per candle without allocating: one Float64Array of
// value slots (numbers; bools as 1/0/NaN) and an array of closures in topological order, each
// closing over its input slot indices and its own indicator state. No code generation.
import type { Dag, DagNode } from './dag.ts';
import { INPUTS } from './dag.ts';
import { round9 } from './check.ts';
import { Sma } from './indicators/sma.ts';
import { Ema } from './indicators/ema.ts';
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

export type Step = () => void;

export interface Machine {
  /** Slot i holds node i's value for the current bar; inputs sit in slots 0..5 (INPUT_ID). */
  readonly slots: Float64Array;
  readonly steps: readonly Step[];
  /** Runs every step once, in order. */
  readonly run: Step;
  /** Which input slots (INPUT_ID order) any node reads. */
  readonly inputsUsed: readonly boolean[];
}

/**
 * Builds fresh state: every call gives independent indicators. Nodes in `skip` get no step (the
 * strategy evaluates them on demand, see lazy.ts); the tracer steps everything.
 */
export function buildMachine(dag: Dag, skip: ReadonlySet<number> = new Set()): Machine {
  const slots = new Float64Array(dag.nodes.length);
  const rings = new Map<number, HistoryRing>();
  const steps: Step[] = [];
  for (const node of dag.nodes) {
    if (node.op === 'const') slots[node.id] = node.value!;
    const step = skip.has(node.id) ? undefined : stepFor(node, slots, rings);
    if (step) steps.push(step);
    const depth = dag.historyDepth[node.id]!;
    if (depth > 0) {
      const ring = new HistoryRing(depth);
      rings.set(node.id, ring);
      const i = node.id;
      steps.push(() => ring.record(slots, i));
    }
  }
  const inputsUsed = INPUTS.map(() => false);
  for (const node of dag.nodes) for (const a of node.args) if (a < INPUTS.length) inputsUsed[a] = true;
  return { slots, steps, run: sequence(steps), inputsUsed };
}

/**
 * One function that calls the steps in order. A loop over the array would make one call site see
 * every step (megamorphic, never inlined); here each position has its own call site, which V8 can
 * inline while one strategy dominates the process. About 2x faster per bar than the plain loop.
 */
export function sequence(steps: readonly Step[]): Step {
  switch (steps.length) {
    case 0: return () => {};
    case 1: return steps[0]!;
    case 2: { const [a, b] = steps as [Step, Step]; return () => { a(); b(); }; }
    case 3: { const [a, b, c] = steps as [Step, Step, Step]; return () => { a(); b(); c(); }; }
    case 4: { const [a, b, c, d] = steps as [Step, Step, Step, Step]; return () => { a(); b(); c(); d(); }; }
    case 5: { const [a, b, c, d, e] = steps as [Step, Step, Step, Step, Step]; return () => { a(); b(); c(); d(); e(); }; }
    case 6: { const [a, b, c, d, e, f] = steps as [Step, Step, Step, Step, Step, Step]; return () => { a(); b(); c(); d(); e(); f(); }; }
    default: {
      const head = sequence(steps.slice(0, 6));
      const tail = sequence(steps.slice(6));
      return () => { head(); tail(); };
    }
  }
}

/** Non-finite arithmetic results become na (reference decision 9). */
function fin(x: number): number {
  return x - x === 0 ? x : NaN;
}

function stepFor(node: DagNode, s: Float64Array, rings: Map<number, HistoryRing>): Step | undefined {
  const o = node.id;
  const [a = -1, b = -1, c = -1, d = -1] = node.args;
  const n = node.consts[0] ?? 0;
  switch (node.op) {
    case 'input':
    case 'const':
      return undefined;
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
    case 'sma': { const k = new Sma(n); return () => k.step(s, a, o); }
    case 'ema': { const k = new Ema(n); return () => k.step(s, a, o); }
    case 'rma': { const k = new Rma(n); return () => k.step(s, a, o); }
    case 'wma': { const k = new Wma(n); return () => k.step(s, a, o); }
    case 'stdev': { const k = new Stdev(n); return () => k.step(s, a, o); }
    case 'rsi': { const k = new Rsi(n); return () => k.step(s, a, o); }
    case 'tr': { const k = new TrueRange(n === 1); return () => k.step(s, a, b, c, o); }
    case 'highest': { const k = new Highest(n); return () => k.step(s, a, o); }
    case 'lowest': { const k = new Lowest(n); return () => k.step(s, a, o); }
    case 'stoch': return () => stochStep(s, a, b, c, o);
    case 'crossover': { const k = new Crossover(); return () => k.step(s, a, b, o); }
    case 'crossunder': { const k = new Crossunder(); return () => k.step(s, a, b, o); }
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

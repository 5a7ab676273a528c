// The compiled program: a DAG of nodes, built by hash-consing so that a sub-expression written
// twice (`ema(close, 9)` in entry and exit) is one node with one state. Node ids are assigned in
// creation order, which is already a topological order (children exist before parents).

export type ValueType = 'number' | 'bool';

/** Operations the runtime knows how to step (runtime.ts has one case per op). */
export type Op =
  | 'input' | 'const'
  | 'hl2' | 'hlc3' | 'ohlc4'
  | 'neg' | 'add' | 'sub' | 'mul' | 'div' | 'mod'
  | 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne'
  | 'and' | 'or' | 'not'
  | 'hist'
  | 'sma' | 'ema' | 'rma' | 'wma' | 'stdev' | 'rsi' | 'tr' | 'highest' | 'lowest' | 'stoch'
  | 'crossover' | 'crossunder' | 'cross' | 'vwap'
  | 'isna' | 'nz' | 'iff' | 'abs' | 'min' | 'max';

export interface DagNode {
  id: number;
  op: Op;
  type: ValueType;
  args: readonly number[];
  /** Constant parameters: lengths, offsets, multipliers, flags. */
  consts: readonly number[];
  /** Source text (as the user wrote it, whitespace collapsed) or a synthesised equivalent. */
  label: string;
  /** True once the user wrote this sub-expression; internal helper nodes stay unnamed. */
  named: boolean;
  /** First bar index with a valid value on clean input (reference 1.4). */
  warmup: number;
  /** Bars until recursive averages have forgotten their seed to 1e-4 (≥ warmup). */
  settle: number;
  /** For 'const' nodes. */
  value?: number;
}

export const INPUTS = ['open', 'high', 'low', 'close', 'volume', 'time'] as const;
export type InputName = (typeof INPUTS)[number];
/** Inputs sit in the first slots so a candle is loaded without going through the step list. */
export const INPUT_ID: Readonly<Record<InputName, number>> = { open: 0, high: 1, low: 2, close: 3, volume: 4, time: 5 };

export interface NodeSpec {
  op: Op;
  type: ValueType;
  args?: readonly number[];
  consts?: readonly number[];
  label: string;
  named: boolean;
  warmup: number;
  settle: number;
}

export class Dag {
  readonly nodes: DagNode[] = [];
  private readonly byKey = new Map<string, number>();
  /** Deepest `[k]` requested per node; 0 when no history is needed. */
  readonly historyDepth: number[] = [];

  constructor() {
    for (const name of INPUTS) this.add({ op: 'input', type: 'number', label: name, named: false, warmup: 0, settle: 0 });
  }

  add(spec: NodeSpec): number {
    const args = spec.args ?? [];
    const consts = spec.consts ?? [];
    // A constant is keyed by its type too: `1 < 2` folds to true, which is not the number 1.
    const op = spec.op === 'const' ? `const:${spec.type}` : spec.op;
    const key = spec.op === 'input' ? `input:${spec.label}` : `${op}(${args.join(',')};${consts.map(constKey).join(',')})`;
    const existing = this.byKey.get(key);
    if (existing !== undefined) {
      const node = this.nodes[existing]!;
      if (spec.named && !node.named) {
        node.named = true;
        node.label = spec.label;
      }
      return existing;
    }
    const id = this.nodes.length;
    this.nodes.push({ id, op: spec.op, type: spec.type, args, consts, label: spec.label, named: spec.named, warmup: spec.warmup, settle: spec.settle });
    this.historyDepth.push(0);
    this.byKey.set(key, id);
    return id;
  }

  constant(value: number, type: ValueType, label: string): number {
    const id = this.add({ op: 'const', type, consts: [value], label, named: false, warmup: 0, settle: 0 });
    this.nodes[id]!.value = value;
    return id;
  }

  requestHistory(id: number, depth: number): void {
    if (depth > this.historyDepth[id]!) this.historyDepth[id] = depth;
  }

  node(id: number): DagNode {
    return this.nodes[id]!;
  }
}

function constKey(v: number): string {
  return Object.is(v, -0) ? '0' : String(v);
}

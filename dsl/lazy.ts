// Conditions that only decide signals need not run every bar. A true/false node that is
// stateless (comparison, and/or/not), has no history ring and feeds nothing but other such nodes
// and the entry/exit roots is evaluated on demand when the strategy reads its root, with
// short-circuit `and`/`or`. Skipping it cannot desynchronise any state, because every stateful
// node still steps on every bar (reference 3.5); on quiet bars most of the tree is never touched.
//
// Evaluators return small integers (1 true, 0 false, −1 na): V8 returns those unboxed, whereas a
// returned double may be boxed into a fresh heap number.
import type { Dag } from './dag.ts';
import type { Provider } from './runtime.ts';
import type { EmaPair } from './indicators/ema-pair.ts';
import { round9 } from './check.ts';

/** Reads a condition: 1 true, 0 false, −1 na. */
export interface Cond {
  read(s: Float64Array): number;
}

const LAZY_OPS = new Set(['lt', 'le', 'gt', 'ge', 'eq', 'ne', 'and', 'or', 'not']);

/** Nodes that can be evaluated on demand instead of stepped, given the roots read by the strategy. */
export function lazyNodes(dag: Dag, roots: readonly number[]): Set<number> {
  const consumers: number[][] = dag.nodes.map(() => []);
  for (const n of dag.nodes) for (const a of n.args) consumers[a]!.push(n.id);
  const rootSet = new Set(roots);
  const lazy = new Set<number>();
  // Parents have larger ids, so walking down the ids sees every consumer before its inputs.
  for (let id = dag.nodes.length - 1; id >= 0; id--) {
    const n = dag.nodes[id]!;
    if (!LAZY_OPS.has(n.op) || dag.historyDepth[id]! > 0) continue;
    const users = consumers[id]!;
    if (users.length === 0 && !rootSet.has(id)) continue;
    if (users.every((u) => lazy.has(u))) lazy.add(id);
  }
  return lazy;
}

/** Where a condition may read values other than the slots; `slotReads` collects what it does read there. */
export interface CondSources {
  providers: ReadonlyMap<number, Provider>;
  slotReads: Set<number>;
}

const NO_SOURCES: CondSources = { providers: new Map(), slotReads: new Set() };

/**
 * The evaluator of a root: lazy nodes compute on demand, stepped nodes are read from their slot,
 * or from the field of the kernel that computed them (a Provider). Objects rather than closures:
 * each class has its own monomorphic call sites, which V8 inlines into the strategy's per-bar
 * call (measured a few ns per bar faster than nested closures).
 */
export function condition(dag: Dag, lazy: ReadonlySet<number>, id: number, src: CondSources = NO_SOURCES): Cond {
  if (!lazy.has(id)) {
    const p = src.providers.get(id);
    if (p?.kind === 'value') return new ValueFlag(p.kernel);
    if (p?.kind === 'up') return new PairUp(p.pair);
    if (p?.kind === 'down') return new PairDown(p.pair);
    src.slotReads.add(id);
    return new Slot(id);
  }
  const n = dag.nodes[id]!;
  const [a = -1, b = -1] = n.args;
  const fused = compareWithConstant(dag, n.op, a, b, src);
  if (fused) return fused;
  if (n.op !== 'and' && n.op !== 'or' && n.op !== 'not') {
    src.slotReads.add(a);
    src.slotReads.add(b);
  }
  switch (n.op) {
    case 'and': return new And(condition(dag, lazy, a, src), condition(dag, lazy, b, src));
    case 'or': return new Or(condition(dag, lazy, a, src), condition(dag, lazy, b, src));
    case 'not': return new Not(condition(dag, lazy, a, src));
    case 'lt': return new Lt(a, b);
    case 'le': return new Le(a, b);
    case 'gt': return new Gt(a, b);
    case 'ge': return new Ge(a, b);
    case 'eq': return new Eq(a, b);
    case 'ne': return new Ne(a, b);
    default:
      throw new Error(`internal: ${n.op} cannot be evaluated lazily`);
  }
}

/**
 * `x < c`, `c > x`, … where x is kept in a kernel's field (`rsi(close, 14) < 70`): reads the
 * field and a number, no slots. Constants on the left swap the operator.
 */
function compareWithConstant(dag: Dag, op: string, a: number, b: number, src: CondSources): Cond | undefined {
  if (op !== 'lt' && op !== 'le' && op !== 'gt' && op !== 'ge') return undefined;
  const left = dag.node(a);
  const right = dag.node(b);
  let x: number;
  let c: number;
  let cmp = op;
  if (right.op === 'const') {
    x = a;
    c = right.value!;
  } else if (left.op === 'const') {
    x = b;
    c = left.value!;
    cmp = SWAP[op]!;
  } else {
    return undefined;
  }
  const p = src.providers.get(x);
  if (p?.kind !== 'value' || c !== c) return undefined;
  switch (cmp) {
    case 'lt': return new ValueLt(p.kernel, c);
    case 'le': return new ValueLe(p.kernel, c);
    case 'gt': return new ValueGt(p.kernel, c);
    default: return new ValueGe(p.kernel, c);
  }
}

const SWAP: Readonly<Record<string, string>> = { lt: 'gt', le: 'ge', gt: 'lt', ge: 'le' };

interface Valued {
  readonly value: number;
}

class ValueFlag implements Cond {
  constructor(private readonly k: Valued) {}
  read(): number {
    const v = this.k.value;
    return v === 1 ? 1 : v === 0 ? 0 : -1;
  }
}
class PairUp implements Cond {
  constructor(private readonly pair: EmaPair) {}
  read(): number {
    const v = this.pair.upValue;
    return v === 1 ? 1 : v === 0 ? 0 : -1;
  }
}
class PairDown implements Cond {
  constructor(private readonly pair: EmaPair) {}
  read(): number {
    const v = this.pair.downValue;
    return v === 1 ? 1 : v === 0 ? 0 : -1;
  }
}
class ValueLt implements Cond {
  constructor(private readonly k: Valued, private readonly c: number) {}
  read(): number {
    const x = this.k.value;
    return x !== x ? -1 : x < this.c ? 1 : 0;
  }
}
class ValueLe implements Cond {
  constructor(private readonly k: Valued, private readonly c: number) {}
  read(): number {
    const x = this.k.value;
    return x !== x ? -1 : x <= this.c ? 1 : 0;
  }
}
class ValueGt implements Cond {
  constructor(private readonly k: Valued, private readonly c: number) {}
  read(): number {
    const x = this.k.value;
    return x !== x ? -1 : x > this.c ? 1 : 0;
  }
}
class ValueGe implements Cond {
  constructor(private readonly k: Valued, private readonly c: number) {}
  read(): number {
    const x = this.k.value;
    return x !== x ? -1 : x >= this.c ? 1 : 0;
  }
}

class Slot implements Cond {
  constructor(private readonly id: number) {}
  read(s: Float64Array): number {
    const v = s[this.id]!;
    return v === 1 ? 1 : v === 0 ? 0 : -1;
  }
}

class And implements Cond {
  constructor(private readonly l: Cond, private readonly r: Cond) {}
  read(s: Float64Array): number {
    const x = this.l.read(s);
    if (x === 0) return 0;
    const y = this.r.read(s);
    // x is 1 or −1 here: true only when both are 1 (kept short: see the budget in ema-pair.ts).
    return y === 0 ? 0 : x + y === 2 ? 1 : -1;
  }
}

class Or implements Cond {
  constructor(private readonly l: Cond, private readonly r: Cond) {}
  read(s: Float64Array): number {
    const x = this.l.read(s);
    if (x === 1) return 1;
    const y = this.r.read(s);
    return y === 1 ? 1 : x === 0 && y === 0 ? 0 : -1;
  }
}

class Not implements Cond {
  constructor(private readonly l: Cond) {}
  read(s: Float64Array): number {
    const x = this.l.read(s);
    return x === -1 ? -1 : 1 - x;
  }
}

// Comparisons with na are na (NaN compares false, so test explicitly).
class Lt implements Cond {
  constructor(private readonly a: number, private readonly b: number) {}
  read(s: Float64Array): number {
    const x = s[this.a]!, y = s[this.b]!;
    return x !== x || y !== y ? -1 : x < y ? 1 : 0;
  }
}
class Le implements Cond {
  constructor(private readonly a: number, private readonly b: number) {}
  read(s: Float64Array): number {
    const x = s[this.a]!, y = s[this.b]!;
    return x !== x || y !== y ? -1 : x <= y ? 1 : 0;
  }
}
class Gt implements Cond {
  constructor(private readonly a: number, private readonly b: number) {}
  read(s: Float64Array): number {
    const x = s[this.a]!, y = s[this.b]!;
    return x !== x || y !== y ? -1 : x > y ? 1 : 0;
  }
}
class Ge implements Cond {
  constructor(private readonly a: number, private readonly b: number) {}
  read(s: Float64Array): number {
    const x = s[this.a]!, y = s[this.b]!;
    return x !== x || y !== y ? -1 : x >= y ? 1 : 0;
  }
}
class Eq implements Cond {
  constructor(private readonly a: number, private readonly b: number) {}
  read(s: Float64Array): number {
    const x = s[this.a]!, y = s[this.b]!;
    return x !== x || y !== y ? -1 : round9(x) === round9(y) ? 1 : 0;
  }
}
class Ne implements Cond {
  constructor(private readonly a: number, private readonly b: number) {}
  read(s: Float64Array): number {
    const x = s[this.a]!, y = s[this.b]!;
    return x !== x || y !== y ? -1 : round9(x) !== round9(y) ? 1 : 0;
  }
}

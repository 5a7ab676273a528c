// Conditions that only decide signals need not run every bar. A true/false node that is
// stateless (comparison, and/or/not), has no history ring and feeds nothing but other such nodes
// and the entry/exit roots is evaluated on demand when the strategy reads its root, with
// short-circuit `and`/`or`. Skipping it cannot desynchronise any state, because every stateful
// node still steps on every bar (reference 3.5); on quiet bars most of the tree is never touched.
//
// Evaluators return small integers (1 true, 0 false, −1 na): V8 returns those unboxed, whereas a
// returned double may be boxed into a fresh heap number.
import type { Dag } from './dag.ts';
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

/**
 * The evaluator of a root: lazy nodes compute on demand, stepped nodes are read from their slot.
 * Objects rather than closures: each class has its own monomorphic call sites, which V8 inlines
 * into the strategy's per-bar call (measured a few ns per bar faster than nested closures).
 */
export function condition(dag: Dag, lazy: ReadonlySet<number>, id: number): Cond {
  if (!lazy.has(id)) return new Slot(id);
  const n = dag.nodes[id]!;
  const [a = -1, b = -1] = n.args;
  switch (n.op) {
    case 'and': return new And(condition(dag, lazy, a), condition(dag, lazy, b));
    case 'or': return new Or(condition(dag, lazy, a), condition(dag, lazy, b));
    case 'not': return new Not(condition(dag, lazy, a));
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
    return y === 0 ? 0 : x === 1 && y === 1 ? 1 : -1;
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

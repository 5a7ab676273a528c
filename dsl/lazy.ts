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

export type Cond = () => number;

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

/** The evaluator of a root: lazy nodes compute on demand, stepped nodes are read from their slot. */
export function condition(dag: Dag, lazy: ReadonlySet<number>, s: Float64Array, id: number): Cond {
  if (!lazy.has(id)) {
    return () => {
      const v = s[id]!;
      return v === 1 ? 1 : v === 0 ? 0 : -1;
    };
  }
  const n = dag.nodes[id]!;
  const [a = -1, b = -1] = n.args;
  switch (n.op) {
    case 'and': {
      const l = condition(dag, lazy, s, a);
      const r = condition(dag, lazy, s, b);
      return () => {
        const x = l();
        if (x === 0) return 0;
        const y = r();
        return y === 0 ? 0 : x === 1 && y === 1 ? 1 : -1;
      };
    }
    case 'or': {
      const l = condition(dag, lazy, s, a);
      const r = condition(dag, lazy, s, b);
      return () => {
        const x = l();
        if (x === 1) return 1;
        const y = r();
        return y === 1 ? 1 : x === 0 && y === 0 ? 0 : -1;
      };
    }
    case 'not': {
      const l = condition(dag, lazy, s, a);
      return () => {
        const x = l();
        return x === -1 ? -1 : 1 - x;
      };
    }
    case 'lt': return () => { const x = s[a]!, y = s[b]!; return x !== x || y !== y ? -1 : x < y ? 1 : 0; };
    case 'le': return () => { const x = s[a]!, y = s[b]!; return x !== x || y !== y ? -1 : x <= y ? 1 : 0; };
    case 'gt': return () => { const x = s[a]!, y = s[b]!; return x !== x || y !== y ? -1 : x > y ? 1 : 0; };
    case 'ge': return () => { const x = s[a]!, y = s[b]!; return x !== x || y !== y ? -1 : x >= y ? 1 : 0; };
    case 'eq': return () => { const x = s[a]!, y = s[b]!; return x !== x || y !== y ? -1 : round9(x) === round9(y) ? 1 : 0; };
    case 'ne': return () => { const x = s[a]!, y = s[b]!; return x !== x || y !== y ? -1 : round9(x) !== round9(y) ? 1 : 0; };
    default:
      throw new Error(`internal: ${n.op} cannot be evaluated lazily`);
  }
}

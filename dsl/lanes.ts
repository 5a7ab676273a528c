// Several rule sets in one process (several bots, a sweep beside a backtest) keep the speed of
// one. V8 keeps type feedback per function of the source, shared by every object that runs it:
// once a second rule set of another shape has run, the per-bar call sites (runtime.ts sequences,
// lazy.ts conditions, strategy.ts onCandle) see several kernel classes, go polymorphic or
// megamorphic, and inline less; the benchmark rule went from ~24 to ~33 ns/bar (61 on a loaded
// machine) after three other rule sets (test/bench/dsl.ts).
//
// So each shape of rules gets its own copy of that code: the same three files loaded again as
// separate module instances (`runtime.ts?lane=2`), which V8 compiles and profiles separately. No
// generated code: every lane runs the same source text. Strategies of one shape share a lane
// (a sweep's thousand combinations differ only in constants), so their feedback stays
// monomorphic; shapes beyond the last lane share lanes round-robin, which is how it was before.
// Indicator kernels stay shared: their methods only ever see their own class.
import * as runtime from './runtime.ts';
import * as lazy from './lazy.ts';
import * as strategy from './strategy.ts';
import type { Program } from './compile.ts';

export interface Lane {
  runtime: typeof runtime;
  lazy: typeof lazy;
  strategy: typeof strategy;
}

/** Distinct rule shapes that get code of their own; more share. */
export const LANES = 6;

// `.ts` when run from the sources, `.js` once compiled: the lanes load the file this one sits beside.
const ext = /\.[cm]?[jt]s$/.exec(new URL(import.meta.url).pathname)?.[0] ?? '.js';

async function loadLane(i: number): Promise<Lane> {
  const at = (name: string): string => new URL(`./${name}${ext}?lane=${i}`, import.meta.url).href;
  const [r, l, s] = await Promise.all([import(at('runtime')), import(at('lazy')), import(at('strategy'))]);
  return { runtime: r as typeof runtime, lazy: l as typeof lazy, strategy: s as typeof strategy };
}

/** Lane 0 is the modules as imported; the tracer (`botctl explain`) always uses it. */
export const BASE_LANE: Lane = { runtime, lazy, strategy };
const lanes: Lane[] = [BASE_LANE];
const byShape = new Map<string, Lane>();
let loading: Promise<void> | undefined;

/**
 * Loads the other lanes (~10 ms each from the TypeScript sources). Commands that only check
 * specs never call it; engine/strategy/load.ts awaits it before building a strategy. Until it
 * has finished, every shape uses lane 0.
 */
export function loadLanes(): Promise<void> {
  loading ??= Promise.all(Array.from({ length: LANES - 1 }, (_, i) => loadLane(i + 1))).then((loaded) => {
    lanes.push(...loaded);
  });
  return loading;
}

/** The lane for a program's shape (its DAG with the constants' values left out). */
export function laneFor(program: Program): Lane {
  const key = shapeOf(program);
  let lane = byShape.get(key);
  if (!lane) {
    lane = lanes[byShape.size % lanes.length]!;
    byShape.set(key, lane);
  }
  return lane;
}

function shapeOf(program: Program): string {
  const { dag, plan } = program;
  const nodes = dag.nodes.map((n) => `${n.op}(${n.args.join(',')})${dag.historyDepth[n.id]! > 0 ? 'h' : ''}`).join(';');
  return `${nodes}|${plan.longEntry},${plan.longExit},${plan.shortEntry},${plan.shortExit},${plan.strength},${plan.confidence}`;
}

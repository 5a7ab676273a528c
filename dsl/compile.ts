// compileRules: every field is parsed and checked into one shared DAG (so entry and exit share
// indicator state), every problem of every field is collected, and on success the result can
// build any number of independent strategies and tracers.
import type { CompileResult, CompiledRules, DslDiagnostic, RuleExpressions, FieldNames, RuleField } from './index.ts';
import type { SignalAction } from '../engine/strategy/strategy.ts';
import { Checker } from './check.ts';
import { Dag, INPUTS } from './dag.ts';
import { parseExpression } from './syntax.ts';
import type { RulesStrategy, StrategyPlan } from './strategy.ts';
import { laneFor, type Lane } from './lanes.ts';
import { RuleTracer } from './trace.ts';
import { LIMITS } from './limits.ts';

export const FIELDS: readonly RuleField[] = ['long_entry', 'long_exit', 'short_entry', 'short_exit', 'strength', 'confidence'];
const BOOL_FIELDS = new Set<RuleField>(['long_entry', 'long_exit', 'short_entry', 'short_exit']);
const FIELD_WORDS: Readonly<Record<RuleField, string>> = {
  long_entry: 'long entry',
  long_exit: 'long exit',
  short_entry: 'short entry',
  short_exit: 'short exit',
  strength: 'strength',
  confidence: 'confidence',
};

/** Everything compile-time that strategies and tracers are built from. */
export interface Program {
  dag: Dag;
  roots: ReadonlyMap<RuleField, number>;
  texts: ReadonlyMap<RuleField, string>;
  plan: StrategyPlan;
}

/** Parsing is the slow part of a compile and does not depend on params: remembered per text. */
const parses = new Map<string, ReturnType<typeof parseExpression>>();
function parseCached(text: string): ReturnType<typeof parseExpression> {
  let p = parses.get(text);
  if (p === undefined) {
    p = parseExpression(text);
    if (parses.size >= 256) parses.delete(parses.keys().next().value as string);
    parses.set(text, p);
  }
  return p;
}

/**
 * `names`: what messages call each field, e.g. `strategy.long.entry` as the spec file writes it
 * (default: the field key). `dag`: compile into an existing DAG shared with other programs (see
 * compileVariants); the node limit then applies to the whole DAG only as far as `nodeLimit` says.
 */
export function compileProgram(
  exprs: RuleExpressions, params: ReadonlyMap<string, number | boolean>, names: FieldNames = {}, dag: Dag = new Dag(), nodeLimit: number = LIMITS.nodes,
): { ok: true; program: Program } | { ok: false; diagnostics: DslDiagnostic[] } {
  const diagnostics: DslDiagnostic[] = [];
  const roots = new Map<RuleField, number>();
  const texts = new Map<RuleField, string>();
  let nodeLimitReported = false;

  for (const field of FIELDS) {
    const text: unknown = exprs[field];
    if (text === undefined) continue;
    if (typeof text !== 'string') {
      diagnostics.push({ field, offset: 0, length: 1, message: `${names[field] ?? field} must be an expression written as text` });
      continue;
    }
    const parsed = parseCached(text);
    if (!parsed.ok) {
      for (const p of parsed.problems) diagnostics.push({ field, ...p });
      continue;
    }
    const checker = new Checker(dag, params, text);
    const value = checker.check(parsed.ast);
    for (const p of checker.problems) diagnostics.push({ field, ...p });
    if (!value) continue;
    const span = parsed.ast.span;
    const whole = { offset: span.start, length: Math.max(1, span.end - span.start) };
    const name = names[field] ?? field;
    if (BOOL_FIELDS.has(field) && value.type !== 'bool') {
      diagnostics.push({ field, ...whole, message: `${name} must be a true/false condition, but ${checker.quote(span)} is a number`, hint: 'compare it with something, for example `rsi(close, 14) < 30`' });
      continue;
    }
    if (!BOOL_FIELDS.has(field) && value.type !== 'number') {
      diagnostics.push({ field, ...whole, message: `${name} must be a number, but ${checker.quote(span)} is a true/false condition`, hint: 'use a number expression, for example `(70 - rsi(close, 14)) / 70`' });
      continue;
    }
    const count = dag.nodes.length - INPUTS.length;
    if (count > nodeLimit && !nodeLimitReported) {
      nodeLimitReported = true;
      diagnostics.push({ field, ...whole, message: `the rules need ${count} distinct computations; the limit is ${LIMITS.nodes}`, hint: 'simplify the expressions or split the idea into separate bots' });
      continue;
    }
    roots.set(field, value.id);
    texts.set(field, text.replace(/\s+/g, ' ').trim());
  }
  if (diagnostics.length > 0) return { ok: false, diagnostics };

  let warmupBars = 0;
  let settle = 0;
  for (const id of roots.values()) {
    const n = dag.node(id);
    warmupBars = Math.max(warmupBars, n.warmup);
    settle = Math.max(settle, n.settle);
  }
  const slot = (f: RuleField): number => roots.get(f) ?? -1;
  const reason = (f: RuleField): string => `${FIELD_WORDS[f]}: ${texts.get(f) ?? ''}`;
  const reasons: Record<SignalAction, string> = {
    enter_long: reason('long_entry'),
    exit_long: reason('long_exit'),
    enter_short: reason('short_entry'),
    exit_short: reason('short_exit'),
  };
  const plan: StrategyPlan = {
    warmupBars,
    preloadBars: Math.max(warmupBars, settle),
    longEntry: slot('long_entry'),
    longExit: slot('long_exit'),
    shortEntry: slot('short_entry'),
    shortExit: slot('short_exit'),
    strength: slot('strength'),
    confidence: slot('confidence'),
    reasons,
  };
  return { ok: true, program: { dag, roots, texts, plan } };
}

/**
 * The fast strategy: pure conditions are evaluated on demand (lazy.ts), everything else steps.
 * Built from the code of its shape's lane (lanes.ts), so other rule sets in the process do not
 * slow it down.
 */
export function createStrategy(program: Program, lane: Lane = laneFor(program)): RulesStrategy {
  return createStrategies([program], lane)[0]!;
}

/**
 * Strategies for programs compiled into one DAG: one machine steps every node once per bar, and
 * each strategy reads its own conditions. Call onCandle on all of them, in order, for every
 * candle: the first steps the machine, the others only read it.
 */
function createStrategies(programs: readonly Program[], lane: Lane): RulesStrategy[] {
  const dag = programs[0]!.dag;
  const plans = programs.map((p) => p.plan);
  const roots = plans.flatMap((p) => [p.longEntry, p.longExit, p.shortEntry, p.shortExit]).filter((id) => id >= 0);
  const lazy = lane.lazy.lazyNodes(dag, roots);
  const machine = lane.runtime.buildMachine(dag, lazy);
  const sources = { providers: machine.providers, slotReads: new Set<number>() };
  const cond = (id: number) => (id >= 0 ? lane.lazy.condition(dag, lazy, id, sources) : undefined);
  const conditions = plans.map((p) => ({ longEntry: cond(p.longEntry), longExit: cond(p.longExit), shortEntry: cond(p.shortEntry), shortExit: cond(p.shortExit) }));
  lane.runtime.dropUnreadSlots(dag, machine, lazy, sources.slotReads, plans.flatMap((p) => [p.strength, p.confidence]));
  const reader = { ...machine, run: lane.runtime.sequence([]) };
  return plans.map((p, i) => new lane.strategy.RulesStrategy(i === 0 ? machine : reader, p, conditions[i]!));
}

/**
 * One rule set with several sets of params (a sweep's variants) compiled into one DAG, so an
 * indicator they share (`ema(close, 9)` for every `slow`) is one node computed once per bar for
 * all of them. Each set must compile alone (compileRules) first; the node limit is per set.
 */
export function compileVariants(exprs: RuleExpressions, paramSets: readonly ReadonlyMap<string, number | boolean>[]): { ok: true; createStrategies(): RulesStrategy[] } | { ok: false; diagnostics: DslDiagnostic[] } {
  const dag = new Dag();
  const programs: Program[] = [];
  for (const params of paramSets) {
    const r = compileProgram(exprs, params, {}, dag, Infinity);
    if (!r.ok) return r;
    programs.push(r.program);
  }
  return { ok: true, createStrategies: () => createStrategies(programs, laneFor(programs[0]!)) };
}

export function compile(exprs: RuleExpressions, params: ReadonlyMap<string, number | boolean>, names: FieldNames = {}): CompileResult {
  const r = compileProgram(exprs, params, names);
  if (!r.ok) return r;
  const program = r.program;
  const rules: CompiledRules = {
    warmupBars: program.plan.warmupBars,
    preloadBars: program.plan.preloadBars,
    createStrategy: () => createStrategy(program),
    createTracer: () => new RuleTracer(program),
  };
  return { ok: true, rules };
}

// Public face of the rule language: the spec loader hands it the expression texts, it hands back
// either a compiled program (which builds `Strategy` instances) or every error it found, each with
// an offset into the expression text so the caller can point at the YAML line and column.
import type { Strategy } from '../engine/strategy/strategy.ts';
import type { RuleTracer } from './trace.ts';
import { compile } from './compile.ts';

export { renderExpressionError } from './render.ts';
export { loadLanes } from './lanes.ts';
export { compileVariants } from './compile.ts';
export type { RuleTracer, TraceBar, TraceColumn, TraceField } from './trace.ts';

/** The expression fields of a rules strategy, as written in the spec (text, not yet parsed). */
export interface RuleExpressions {
  long_entry?: string;
  long_exit?: string;
  short_entry?: string;
  short_exit?: string;
  /** Number expression: the strength attached to entry signals. */
  strength?: string;
  /** Number expression: the confidence attached to entry signals. */
  confidence?: string;
}
export type RuleField = keyof RuleExpressions;
/** What messages call each field (the spec says `strategy.long.entry`); a field left out is called by its key. */
export type FieldNames = Partial<Readonly<Record<RuleField, string>>>;

export interface DslDiagnostic {
  field: RuleField;
  /** 0-based offset into that field's text, and the length to underline (≥ 1). */
  offset: number;
  length: number;
  message: string;
  hint?: string;
}

export interface CompiledRules {
  warmupBars: number;
  preloadBars: number;
  /** A fresh strategy with its own indicator state. */
  createStrategy(): Strategy;
  /** A fresh strategy that also reports every named sub-expression per bar (for `botctl explain`). */
  createTracer?(): RuleTracer;
}

export type CompileResult =
  | { ok: true; rules: CompiledRules }
  | { ok: false; diagnostics: DslDiagnostic[] };

/**
 * Compiles the expressions with the spec's `params` (constants usable as lengths and offsets).
 * The last results are remembered: a spec is compiled when it is checked and again when its
 * strategy is built, and a sweep checks thousands of specs with a few dozen distinct params.
 * A compiled program is immutable; every strategy it creates has its own state.
 */
export function compileRules(exprs: RuleExpressions, params: ReadonlyMap<string, number | boolean>, names: FieldNames = NO_NAMES): CompileResult {
  const key = JSON.stringify([exprs.long_entry, exprs.long_exit, exprs.short_entry, exprs.short_exit, exprs.strength, exprs.confidence, [...params]]);
  const hit = compiled.get(key);
  // Field names only change the words of a failed compile: a compiled program serves any caller.
  if (hit !== undefined && (hit.result.ok || hit.names === names)) return hit.result;
  const result = compile(exprs, params, names);
  if (hit === undefined && compiled.size >= COMPILED_KEPT) compiled.delete(compiled.keys().next().value as string);
  compiled.set(key, { result, names });
  return result;
}

const NO_NAMES: FieldNames = {};
const COMPILED_KEPT = 256;
const compiled = new Map<string, { result: CompileResult; names: FieldNames }>();

// The one way into a bot spec: read it, check everything `botctl validate` checks (YAML, schema,
// settings that conflict, rule expressions or the strategy module), and build the Plan.
import { createHash } from 'node:crypto';
import { resolve as resolvePath } from 'node:path';
import { displayPath } from '../strategy/load.ts';
import { isMap } from 'yaml';
import type { Plan } from '../plan/plan.ts';
import type { Diagnostic } from './diagnostic.ts';
import { compareDiagnostics } from './diagnostic.ts';
import { SpecSource, readSpecFile } from './source.ts';
import { numbersForValidation, validateShape } from './schema.ts';
import { schemaDiagnostics } from './schema-errors.ts';
import { SpecValues } from './values.ts';
import { semanticDiagnostics, semanticWarnings } from './semantic.ts';
import { checkRules } from './expressions.ts';
import { checkModule, intervalOf } from './module-check.ts';
import { buildPlan } from './build.ts';
import { summarize } from './summary.ts';

export type SpecResult =
  | { ok: true; plan: Plan; summary: string; warnings: Diagnostic[]; file: string }
  | { ok: false; diagnostics: Diagnostic[]; file: string };

/** `file` as given (relative to the working directory) is what diagnostics name. */
export async function loadBotSpec(file: string): Promise<SpecResult> {
  const read = readSpecFile(file);
  if ('problem' in read) {
    return { ok: false, file, diagnostics: [{ file, line: 0, column: 0, severity: 'error', message: `cannot read the spec: ${read.problem}` }] };
  }
  const bytes = read.bytes;
  const text = bytes.toString('utf8');
  return checkSpecText(file, text, createHash('sha256').update(bytes).digest('hex'));
}

/** Everything `loadBotSpec` does after reading the file. */
export async function checkSpecText(file: string, text: string, specHash: string): Promise<SpecResult> {
  const fail = (diagnostics: Diagnostic[]): SpecResult => ({ ok: false, file, diagnostics: diagnostics.sort(compareDiagnostics) });
  const src = new SpecSource(file, text);
  const syntax = src.syntaxDiagnostics();
  if (syntax.some((d) => d.severity === 'error')) return fail(syntax);
  if (!isMap(src.doc.contents)) {
    const message = src.doc.contents === null ? 'the spec is empty' : 'the spec must be a mapping of keys (`name:`, `market:`, …), not a single value or a list';
    return fail([src.at([], message, { hint: 'start from bots/btc-ema.yaml' })]);
  }

  return checkSpecData(src, src.doc.toJS() as unknown, specHash, syntax);
}

/**
 * The checks after parsing, on the spec's data: schema, conflicting settings, the rules or the
 * module, then the Plan. A sweep runs them on each combination: the parsed spec with some values
 * replaced (`SpecSource.withValues`), exactly the checks `botctl validate` runs on the file.
 */
export async function checkSpecData(src: SpecSource, data: unknown, specHash: string, syntaxWarnings: Diagnostic[] = []): Promise<SpecResult> {
  const file = src.file;
  const fail = (diagnostics: Diagnostic[]): SpecResult => ({ ok: false, file, diagnostics: diagnostics.sort(compareDiagnostics) });
  const v = new SpecValues(src, data);
  const errors: Diagnostic[] = [
    ...schemaDiagnostics(src, data, validateShape(numbersForValidation(data))),
    ...semanticDiagnostics(v),
  ];
  const warnings: Diagnostic[] = [...syntaxWarnings, ...semanticWarnings(v)];

  const specFileAbs = resolvePath(file);
  let warmupBars: number | undefined;
  if (v.has(['strategy', 'module'])) {
    const symbol = v.str(['market', 'symbol']) ?? '';
    const interval = intervalOf(v) ?? '60';
    const mod = await checkModule(v, specFileAbs, { symbol, interval });
    errors.push(...mod.diagnostics);
    warmupBars = mod.warmupBars;
  } else {
    const rules = checkRules(v);
    errors.push(...rules.diagnostics);
    warnings.push(...rules.warnings);
    warmupBars = rules.rules?.warmupBars;
  }

  if (errors.length) return fail([...errors, ...warnings]);
  const plan = buildPlan(v, specFileAbs, specHash);
  const modulePath = plan.strategy.kind === 'module' ? displayPath(plan.strategy.path) : undefined;
  const summary = summarize(plan, { ...(warmupBars !== undefined ? { warmupBars } : {}), ...(modulePath ? { modulePath } : {}) });
  return { ok: true, file, plan, summary, warnings: warnings.sort(compareDiagnostics) };
}

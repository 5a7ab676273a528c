// A sweep file: the parameters and options of a sweep in YAML, kept beside the spec so a trader
// can re-run it without retyping flags. Checked against schemas/sweep.schema.json with located
// messages, like a spec; each parameter remembers its line and column, so a wrong name or range
// is reported where it is written.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { PACKAGE_ROOT } from '../package-root.ts';
import { isMap, isScalar, isSeq, type Scalar } from 'yaml';
import { UserError } from '../cli/exit.ts';
import { formatDiagnostics, type Diagnostic } from '../spec/diagnostic.ts';
import { SpecSource, readSpecFile } from '../spec/source.ts';
import { didYouMean } from '../spec/suggest.ts';
import type { Objective } from './objective.ts';
import type { ParamInput } from './params.ts';
import type { WalkForward } from './windows.ts';

const SWEEP_SCHEMA_URL = new URL('schemas/sweep.schema.json', PACKAGE_ROOT);

export interface SweepFile {
  params: ParamInput[];
  objective?: Objective;
  minTrades?: number;
  maxDrawdown?: number;
  walkForward?: WalkForward;
  random?: { count: number; seed: number };
  top?: number;
}

const require = createRequire(import.meta.url);
let validate: ValidateFunction | undefined;
let schema: { properties: Record<string, unknown> } | undefined;

export async function loadSweepFile(file: string): Promise<SweepFile> {
  const read = readSpecFile(file);
  if ('problem' in read) throw new UserError(`cannot read the sweep file ${file}: ${read.problem}`);
  const src = new SpecSource(file, read.bytes.toString('utf8'));
  const fail = (d: Diagnostic[]): never => {
    throw new UserError(formatDiagnostics(d, file).trimEnd());
  };
  const syntax = src.syntaxDiagnostics().filter((d) => d.severity === 'error');
  if (syntax.length) fail(syntax);
  if (!isMap(src.doc.contents)) fail([src.at([], 'a sweep file is a mapping of keys (`params:`, `objective:`, …)', { hint: 'start with `params:` and one line per parameter, e.g. `fast: 5..20`' })]);
  const data = src.doc.toJS() as Record<string, unknown>;
  if (!validate) {
    schema = JSON.parse(readFileSync(SWEEP_SCHEMA_URL, 'utf8')) as { properties: Record<string, unknown> };
    // ajv is CommonJS; `require` gives its module.exports, which carry the class on `.default`.
    const Ajv = (require('ajv/dist/2020.js') as typeof Ajv2020Module.default).default;
    validate = new Ajv({ allErrors: true, strict: true, strictTypes: false }).compile(schema);
  }
  if (!validate(data)) fail(problems(src, validate.errors ?? []));

  const params: ParamInput[] = [];
  const map = src.node(['params']);
  if (isMap(map)) {
    for (const pair of map.items) {
      const name = String((pair.key as Scalar).value);
      const key = pair.key as Scalar;
      const pos = key.range ? src.linePos(key.range[0]) : { line: 0, col: 0 };
      params.push({ name, values: valuesText(src, ['params', name]), where: `${file}:${pos.line}:${pos.col}` });
    }
  }
  const wf = data.walk_forward as { folds: number; mode?: 'anchored' | 'rolling' } | undefined;
  const random = data.random as { count: number; seed?: number } | undefined;
  return {
    params,
    ...(data.objective !== undefined ? { objective: data.objective as Objective } : {}),
    ...(data.min_trades !== undefined ? { minTrades: data.min_trades as number } : {}),
    ...(data.max_drawdown !== undefined ? { maxDrawdown: data.max_drawdown as number } : {}),
    ...(wf ? { walkForward: { folds: wf.folds, mode: wf.mode ?? 'anchored' } } : {}),
    ...(random ? { random: { count: random.count, seed: random.seed ?? 1 } } : {}),
    ...(data.top !== undefined ? { top: data.top as number } : {}),
  };
}

/** A parameter's values in the command-line grammar, numbers as written (`1.50` stays 1.50). */
function valuesText(src: SpecSource, path: string[]): string {
  const node = src.node(path);
  if (isSeq(node)) return node.items.map((_, i) => src.scalarSource([...path, i]) ?? '').join(',');
  if (isScalar(node)) return src.scalarSource(path) ?? String(node.value);
  return '';
}

function problems(src: SpecSource, errors: readonly ErrorObject[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const path = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const where = path.length ? `\`${path.join('.')}\`` : 'the sweep file';
    let d: Diagnostic;
    if (e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = path.length === 0 ? Object.keys(schema!.properties) : ['folds', 'mode', 'count', 'seed'];
      d = src.at([...path, key], `unknown key \`${key}\` in ${where}${didYouMean(key, allowed)}`, { prefer: 'key', hint: `the keys are ${allowed.map((k) => `\`${k}\``).join(', ')} (schemas/sweep.schema.json)` });
    } else if (e.keyword === 'required') {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      d = src.atParent(path, `missing required key \`${missing}\` in ${where}`, { hint: missing === 'params' ? 'add `params:` with one line per parameter, e.g. `fast: 5..20`' : undefined });
    } else if (e.keyword === 'enum') {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      d = src.at(path, `${where} must be one of ${allowed.map((a) => `\`${a}\``).join(', ')}${didYouMean(String(valueAt(src, path)), allowed)}`);
    } else if (e.keyword === 'anyOf' && path[0] === 'params') {
      d = src.at(path, `${where} must be a range (\`5..20\`, \`"1..3:0.5"\`), a list (\`[1, 1.5, 2]\`) or one value`);
    } else if (path[0] === 'params' && e.keyword !== 'minProperties') {
      continue; // the anyOf above says it once
    } else {
      d = src.at(path, `${where} ${e.message ?? 'is not valid'}`);
    }
    const k = `${d.line}:${d.column}:${d.message}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(d);
    }
  }
  return out;
}

function valueAt(src: SpecSource, path: string[]): unknown {
  const n = src.node(path);
  return isScalar(n) ? n.value : undefined;
}

// Sweep parameters: which number in the spec to vary and over which values. A parameter is named
// by a `strategy.params` name (`fast`) or by a spec path in dot notation, as validate prints it
// (`risk.stop_loss.atr.multiple`). Values are written as ranges `a..b[:step]` and lists
// `1,1.5,2`; spans (cooldowns, timeouts) take a unit (`1..6 bars`, `4h,12h,1d`), true/false
// params take `true,false`. Values are computed in Decimal, so `0.1..0.5:0.1` gives 0.1 0.2 0.3
// 0.4 0.5 exactly, and each value keeps the text it is written into the spec with.
import { Decimal } from 'decimal.js';
import { botSchema, isDecimalSchema, resolve, type SchemaNode } from '../spec/schema.ts';
import { suggest } from '../spec/suggest.ts';
import { parseSpan } from '../spec/span.ts';
import type { Path } from '../spec/source.ts';

export type ParamKind = 'number' | 'integer' | 'span' | 'bool';

export interface ParamValue {
  /** What the spec gets: a number, true/false, or a span's text (`3 bars`). */
  value: number | boolean | string;
  /** As written into the spec file and shown in tables (`1.5`, `3 bars`). */
  text: string;
}

export interface ParamDef {
  /** As the trader named it: `fast`, `risk.stop_loss.atr.multiple`. */
  name: string;
  path: Path;
  kind: ParamKind;
  values: ParamValue[];
}

/** A parameter as written (command line or sweep file), with where it was written for messages. */
export interface ParamInput {
  name: string;
  values: string;
  /** "--param fast=5..20" or "sweep.yaml:4:3", prefixed to every problem with this parameter. */
  where: string;
}

/** Something wrong with a parameter; `where` already locates it. */
export class ParamError extends Error {
  constructor(readonly where: string, message: string, readonly hint?: string) {
    super(`${where}: ${message}${hint ? `\n  hint: ${hint}` : ''}`);
    this.name = 'ParamError';
  }
}

/** How many values one range may produce before it is surely a typo (`0..1000000:0.001`). */
const MAX_VALUES = 100_000;

/** Parses and resolves every parameter against the spec; throws ParamError on the first problem. */
export function resolveParams(inputs: readonly ParamInput[], specData: unknown): ParamDef[] {
  const defs: ParamDef[] = [];
  const seen = new Map<string, string>();
  for (const input of inputs) {
    const { path, kind } = resolvePath(input, specData);
    const key = path.join('.');
    const earlier = seen.get(key);
    if (earlier !== undefined) throw new ParamError(input.where, `\`${key}\` is already swept (${earlier})`, 'give each parameter once, with all its values');
    seen.set(key, input.where);
    defs.push({ name: input.name, path, kind, values: parseValues(input, kind) });
  }
  return defs;
}

// ---------------------------------------------------------------- names and paths

function resolvePath(input: ParamInput, specData: unknown): { path: Path; kind: ParamKind } {
  const name = input.name.trim();
  const params = objectAt(specData, ['strategy', 'params']) ?? {};
  const paramNames = Object.keys(params);
  const segments = name.split('.');
  const paramName = segments.length === 1 ? name : segments.length === 3 && segments[0] === 'strategy' && segments[1] === 'params' ? segments[2]! : undefined;
  if (paramName !== undefined) {
    if (!(paramName in params)) {
      const close = suggest(paramName, paramNames);
      const known = paramNames.length ? `the spec's strategy.params are ${paramNames.map((p) => `\`${p}\``).join(', ')}` : 'the spec has no strategy.params';
      throw new ParamError(input.where, `unknown parameter \`${name}\`${close.length ? `; did you mean ${close.map((c) => `\`${c}\``).join(' or ')}?` : ''}`,
        `${known}; any other number is named by its path, e.g. \`risk.stop_loss.atr.multiple\``);
    }
    const current = params[paramName];
    if (typeof current !== 'number' && typeof current !== 'boolean') {
      throw new ParamError(input.where, `\`${paramName}\` is the text \`${String(current)}\`, not a number`, 'a sweep varies numbers and true/false values');
    }
    return { path: ['strategy', 'params', paramName], kind: typeof current === 'boolean' ? 'bool' : 'number' };
  }
  const leaves = numericLeaves();
  const kind = leaves.get(name);
  if (kind === undefined) {
    const node = schemaNodeAt(segments);
    if (node) {
      throw new ParamError(input.where, `\`${name}\` is ${describeNode(node)}, not a number a sweep can vary`,
        'sweep numbers (lengths, multiples, percents, sizes), spans such as `cooldown.after_exit`, or strategy.params');
    }
    const replaced = REPLACED[name];
    if (replaced) throw new ParamError(input.where, `unknown parameter \`${name}\`: it was replaced by \`${replaced.by}\``, replaced.hint);
    const close = suggest(name, [...leaves.keys()]);
    throw new ParamError(input.where, `unknown parameter \`${name}\`${close.length ? `; did you mean ${close.map((c) => `\`${c}\``).join(' or ')}?` : ''}`,
      'name a strategy.params entry (`fast`) or a number in the spec by its dotted path, as `botctl validate` prints it');
  }
  return { path: segments, kind };
}

/** Settings the schema no longer has, and what took their place (validate says the same of a spec: engine/spec/schema-errors.ts). */
const REPLACED: Readonly<Record<string, { by: string; hint: string }>> = {
  'protections.resume_after': {
    by: 'protections.drawdown_cool_off',
    hint: 'a drawdown pause now lasts until `botctl resume`; `drawdown_cool_off` lifts it by itself after a time',
  },
};

let leafCache: Map<string, ParamKind> | undefined;

/** Every numeric (or span) setting of the bot schema by dotted path, e.g. `risk.leverage`. */
function numericLeaves(): Map<string, ParamKind> {
  if (leafCache) return leafCache;
  const out = new Map<string, ParamKind>();
  const walk = (node: SchemaNode, path: string[]): void => {
    const n = resolve(node);
    for (const [key, child] of Object.entries(n.properties ?? {})) {
      const c = resolve(child);
      const p = [...path, key];
      if (p.join('.') === 'strategy.params') continue;
      if (isDecimalSchema(child) || c.type === 'number') out.set(p.join('.'), 'number');
      else if (c.type === 'integer') out.set(p.join('.'), 'integer');
      else if (child.$ref === '#/$defs/span') out.set(p.join('.'), 'span');
      else if (c.properties) walk(c, p);
    }
  };
  walk(botSchema, []);
  leafCache = out;
  return out;
}

function schemaNodeAt(path: readonly string[]): SchemaNode | undefined {
  let n: SchemaNode | undefined = resolve(botSchema);
  for (const seg of path) {
    const child: SchemaNode | boolean | undefined = n?.properties?.[seg];
    if (typeof child !== 'object') return undefined;
    n = resolve(child);
  }
  return n;
}

function describeNode(n: SchemaNode): string {
  if (n.enum) return `a choice (${n.enum.map((x) => `\`${String(x)}\``).join(', ')})`;
  if (n.type === 'object' || n.properties) return 'a section';
  if (n.type === 'boolean') return 'true/false';
  return 'text';
}

function objectAt(data: unknown, path: readonly string[]): Record<string, unknown> | undefined {
  let v = data;
  for (const s of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[s];
  }
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

// ---------------------------------------------------------------- values

const NUMBER = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/;
const RANGE = /^(.+?)\.\.(.+?)(?::(.+))?$/;
const SPAN_UNIT = /^(.*?)\s*(bars?|s|m|h|d)$/;

function parseValues(input: ParamInput, kind: ParamKind): ParamValue[] {
  const text = input.values.trim();
  if (text === '') throw new ParamError(input.where, `no values for \`${input.name}\``, valueHint(kind));
  const out: ParamValue[] = [];
  const seen = new Set<string>();
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') throw new ParamError(input.where, `an empty value in \`${text}\``, 'separate values with single commas: `1,1.5,2`');
    for (const v of itemValues(input, kind, item)) {
      const key = String(v.value);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(v);
    }
  }
  return out;
}

function valueHint(kind: ParamKind): string {
  switch (kind) {
    case 'bool': return 'write `true,false`';
    case 'span': return 'write spans such as `1..6 bars`, `4h,12h,1d` or `2h..12h:2h`';
    default: return 'write a range `low..high` or `low..high:step` (`5..20`, `1..3:0.5`), or a list `1,1.5,2`';
  }
}

function itemValues(input: ParamInput, kind: ParamKind, item: string): ParamValue[] {
  if (kind === 'bool') {
    if (item === 'true' || item === 'false') return [{ value: item === 'true', text: item }];
    throw new ParamError(input.where, `\`${item}\` is not true or false`, valueHint(kind));
  }
  if (kind === 'span') return spanValues(input, item);
  const range = RANGE.exec(item);
  if (!range) return [{ value: number(input, item).toNumber(), text: number(input, item).toFixed() }];
  const [, lo, hi, st] = range;
  return rangeValues(input, number(input, lo!), number(input, hi!), st === undefined ? new Decimal(1) : number(input, st), item).map((d) => ({ value: d.toNumber(), text: d.toFixed() }));
}

function number(input: ParamInput, text: string): Decimal {
  const t = text.trim();
  if (!NUMBER.test(t)) {
    throw new ParamError(input.where, `\`${t}\` is not a number`, valueHint('number'));
  }
  return new Decimal(t);
}

function rangeValues(input: ParamInput, lo: Decimal, hi: Decimal, step: Decimal, item: string): Decimal[] {
  if (step.isZero()) throw new ParamError(input.where, `the step of \`${item}\` is 0, so the range never moves`, 'give a positive step, e.g. `5..20:5`');
  if (step.isNegative()) throw new ParamError(input.where, `the step of \`${item}\` is negative`, 'write ranges low to high with a positive step, e.g. `5..20:5`');
  if (lo.gt(hi)) throw new ParamError(input.where, `the range \`${item}\` produces no value: it starts above its end`, `write it low to high: \`${hi.toFixed()}..${lo.toFixed()}\``);
  const count = hi.sub(lo).div(step).floor().toNumber() + 1;
  if (count > MAX_VALUES) {
    throw new ParamError(input.where, `the range \`${item}\` has ${count.toLocaleString('en')} values`, `use a coarser step; one range may have at most ${MAX_VALUES.toLocaleString('en')}`);
  }
  const out: Decimal[] = [];
  for (let i = 0; i < count; i++) out.push(lo.add(step.mul(i)));
  return out;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function spanText(n: number, unit: string): string {
  return unit.startsWith('bar') ? `${n} ${n === 1 ? 'bar' : 'bars'}` : `${n}${unit}`;
}

function spanValues(input: ParamInput, item: string): ParamValue[] {
  const one = parseSpan(item);
  if (one) {
    const unit = /(bars?|s|m|h|d)$/.exec(item.trim())![1]!;
    const n = one.unit === 'bars' ? one.bars : one.ms / UNIT_MS[unit]!;
    return [{ value: spanText(n, unit), text: spanText(n, unit) }];
  }
  // `1..6 bars`, `2h..12h:2h`, `2..12h:2`: one unit for the whole range.
  const range = RANGE.exec(item);
  if (!range) throw new ParamError(input.where, `\`${item}\` is not a span`, valueHint('span'));
  const parts = [range[1]!, range[2]!, range[3]].map((p) => (p === undefined ? undefined : SPAN_UNIT.exec(p.trim()) ?? [p, p.trim(), '']));
  const units = new Set(parts.filter((p) => p !== undefined && p[2] !== '').map((p) => (p![2]!.startsWith('bar') ? 'bars' : p![2]!)));
  if (units.size !== 1) {
    throw new ParamError(input.where, units.size === 0 ? `the range \`${item}\` has no unit` : `the range \`${item}\` mixes units`, valueHint('span'));
  }
  const unit = [...units][0]!;
  const [lo, hi, st] = parts.map((p) => (p === undefined ? undefined : number(input, p[1]!)));
  const values = rangeValues(input, lo!, hi!, st ?? new Decimal(1), item);
  return values.map((d) => {
    if (!d.isInteger() || d.isNegative()) throw new ParamError(input.where, `\`${item}\` gives ${d.toFixed()} ${unit}; spans are whole numbers`, valueHint('span'));
    const text = spanText(d.toNumber(), unit);
    return { value: text, text };
  });
}

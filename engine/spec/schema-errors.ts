// Turns ajv's errors into plain-English diagnostics at the offending YAML node. ajv reports one
// error per failed keyword, and a failed `oneOf`/`anyOf` drags every branch's errors along; those
// cascades collapse here into one message per node.
import { isMap, isScalar, isSeq } from 'yaml';
import type { ErrorObject } from 'ajv';
import type { Diagnostic } from './diagnostic.ts';
import type { Path, SpecSource } from './source.ts';
import { botSchema, pointer, resolve } from './schema.ts';
import type { SchemaNode } from './schema.ts';
import { didYouMean } from './suggest.ts';
import { SPAN_UNITS_TEXT, describeSpanProblem } from './span.ts';
import { expressionTypeProblem } from './traps.ts';

/** `risk.stop_loss.percent`, or `the spec` for the root. */
export function dotted(path: Path): string {
  if (path.length === 0) return 'the spec';
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

const code = (s: unknown): string => `\`${String(s)}\``;

function listOr(items: readonly unknown[]): string {
  const xs = items.map(code);
  return xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;
}

function pathOf(instancePath: string): Path {
  if (instancePath === '') return [];
  return instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** How YAML read a value, for "must be a number, but …" messages. */
export function describeValue(src: SpecSource, path: Path, value: unknown): string {
  const node = src.node(path);
  if (value === null || value === undefined) return 'it is empty';
  if (isSeq(node)) return 'YAML reads it as a list';
  if (isMap(node)) return 'YAML reads it as a mapping (key: value)';
  if (typeof value === 'boolean') return `YAML reads \`${isScalar(node) ? String((node as { source?: string }).source ?? value) : value}\` as true/false`;
  if (typeof value === 'number') return `it is the number ${value}`;
  if (typeof value === 'string') return `it is the text ${code(value)}`;
  return 'it has the wrong type';
}

function expectedType(t: unknown): string {
  const types = Array.isArray(t) ? t : [t];
  if (types.includes('number')) return 'a number';
  if (types.includes('integer')) return 'a whole number';
  if (types.includes('object')) return 'a mapping (indented `key: value` lines)';
  if (types.includes('string')) return 'text';
  if (types.includes('boolean')) return 'true or false';
  return types.join(' or ');
}

/** The `if` condition of an if/then/else, in words: "`type` is `limit`". */
function describeIf(ifSchema: SchemaNode | undefined): string {
  const props = ifSchema?.properties ?? {};
  const parts = Object.entries(props).map(([k, v]) => `${code(k)} is ${code(v.const)}`);
  return parts.join(' and ') || 'this applies';
}

function valueAt(data: unknown, path: Path): unknown {
  let v = data;
  for (const s of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[String(s)];
  }
  return v;
}

/** The `required` key of each branch of a oneOf/anyOf made of `{ required: [key] }` branches. */
function branchKeys(branches: unknown): string[] {
  if (!Array.isArray(branches)) return [];
  return branches.flatMap((b) => ((b as SchemaNode).required ?? []).slice(0, 1));
}

export function schemaDiagnostics(src: SpecSource, data: unknown, errors: readonly ErrorObject[]): Diagnostic[] {
  // Branch errors of a failed combinator are replaced by the combinator's own message.
  const combinators = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const swallowed = (e: ErrorObject): boolean =>
    combinators.some((c) => c !== e && e.schemaPath.startsWith(`${c.schemaPath}/`));
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const push = (d: Diagnostic): void => {
    const key = `${d.line}:${d.column}:${d.message}`;
    if (!seen.has(key)) { seen.add(key); out.push(d); }
  };

  for (const e of errors) {
    // A bad parameter name also fails the name pattern under `propertyNames`; one message is enough.
    if (e.keyword === 'if' || swallowed(e) || e.schemaPath.includes('/propertyNames/')) continue;
    // "needs one of `percent` or `atr`" on something that is not a mapping at all: the type error says it better.
    if ((e.keyword === 'oneOf' || e.keyword === 'anyOf') && !isMapping(valueAt(data, pathOf(e.instancePath)))) continue;
    const d = translate(src, data, e);
    if (d) push(d);
  }
  return out;
}

function translate(src: SpecSource, data: unknown, e: ErrorObject): Diagnostic | undefined {
  const path = pathOf(e.instancePath);
  const where = dotted(path);
  const parent = e.parentSchema as SchemaNode | undefined;
  const params = e.params as Record<string, unknown>;
  const value = valueAt(data, path);

  switch (e.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      // Inside then/else the parent schema is the branch; the property is described on the owner.
      const branch = /^#(.*)\/(then|else)\/required$/.exec(e.schemaPath);
      const owner = branch ? (pointer(botSchema, branch[1]!) as SchemaNode | undefined) : parent;
      const described = owner?.properties?.[missing];
      const hint = described ? hintFor(missing, described) : undefined;
      if (branch) {
        const cond = describeIf(pointer(botSchema, `${branch[1]!}/if`) as SchemaNode | undefined);
        return src.atParent(path, `${where} needs ${code(missing)} when ${cond}`, { hint });
      }
      const message = path.length === 0 ? `missing required key ${code(missing)}` : `missing required key ${code(missing)} in ${code(where)}`;
      return src.atParent(path, message, { hint });
    }
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      if (path.join('.') === 'protections' && key === 'resume_after') {
        const name = valueAt(data, ['name']);
        const value = valueAt(data, [...path, key]);
        return src.at([...path, key], `\`resume_after\` is gone: a drawdown pause now lasts until \`botctl resume ${typeof name === 'string' ? name : '<name>'}\`; to lift it by itself after a time, write \`drawdown_cool_off: ${typeof value === 'string' ? value : '1d'}\``, {
          prefer: 'key',
          hint: 'each cool-off measures the next drawdown from the equity at that moment, so equity can fall further in total; `halt_below_equity` caps it',
        });
      }
      const side = path.join('.') === 'strategy' ? /^(long|short)_?only$/.exec(key)?.[1] : undefined;
      if (side) return src.at([...path, key], oneSide(data, key, side as 'long' | 'short'), { prefer: 'key', hint: 'a rules bot trades the sides that have a block with an `entry:` rule; a strategy module, the sides `direction` allows' });
      const later = notSupportedYet(path, key);
      if (later) {
        const d = src.at([...path, key], later.message, { prefer: 'key', hint: later.hint });
        // Never echo a line that may hold a secret.
        if (/api_(key|secret)/.test(key)) delete d.excerpt;
        return d;
      }
      const allowed = Object.keys(parent?.properties ?? {});
      const inWhat = path.length === 0 ? 'at the top level' : `in ${code(where)}`;
      const dym = didYouMean(key, allowed);
      return src.at([...path, key], `unknown key ${code(key)} ${inWhat}${dym}`, {
        prefer: 'key',
        hint: dym ? undefined : `allowed keys: ${allowed.join(', ')}`,
      });
    }
    case 'propertyNames': {
      const name = String(params.propertyName);
      return src.at([...path, name], `${code(name)} is not a valid parameter name`, {
        prefer: 'key',
        hint: 'start with a letter or `_`, then letters, digits or `_` (like `fast_length`)',
      });
    }
    case 'pattern': {
      if (e.schemaPath.startsWith('#/$defs/span/')) {
        const { message, hint } = describeSpanProblem(String(value));
        return src.at(path, `${where} ${message}`, { hint });
      }
      const msg = parent?.patternErrorMessage ?? `does not have the expected form`;
      const fixed = path.join('.') === 'market.symbol' && typeof value === 'string' ? symbolSpelling(value) : undefined;
      return src.at(path, `${where} ${msg}${fixed ? `: write ${code(fixed)}` : ''}`);
    }
    case 'type': {
      if (e.schemaPath.startsWith('#/$defs/expression/')) {
        const p = expressionTypeProblem(src, path, value);
        return src.at(path, `${where} ${p.message}`, { hint: p.hint });
      }
      if (e.schemaPath.startsWith('#/$defs/span/')) {
        const p = typeof value === 'number'
          ? { message: `needs a unit: write ${code(`${value} bars`)} or ${code(`${value}m`)}`, hint: `units: ${SPAN_UNITS_TEXT}` }
          : { message: `must be a length of time like \`3 bars\` or \`4h\`, but ${describeValue(src, path, value)}`, hint: `units: ${SPAN_UNITS_TEXT}` };
        return src.at(path, `${where} ${p.message}`, { hint: p.hint });
      }
      if (typeof value === 'number' && !Number.isFinite(value)) {
        return src.at(path, `${where} must be a finite number; \`${src.scalarSource(path) ?? String(value)}\` is too large or infinite`);
      }
      if (params.type === 'integer' && typeof value === 'number') return src.at(path, `${where} must be a whole number, not ${value}`);
      const shorthand = params.type === 'object' ? distanceShorthand(path, value) : undefined;
      if (shorthand) return src.at(path, `${where} must be a mapping: write ${code(shorthand.write)}`, { hint: shorthand.hint });
      return src.at(path, `${where} must be ${expectedType(params.type)}, but ${describeValue(src, path, value)}`);
    }
    case 'enum': {
      const allowed = [...new Set((params.allowedValues as unknown[]).map(String))];
      const interval = path.join('.') === 'market.interval' && typeof value === 'string' ? INTERVAL_SPELLINGS[value.trim().toLowerCase()] : undefined;
      if (interval) return src.at(path, `${where} must be one of ${listOr(allowed)}, not \`${String(value)}\`; write \`${interval}\``, { hint: 'minute intervals are plain numbers; D, W and M are a day, a week and a month' });
      const dym = typeof value === 'string' ? didYouMean(value, allowed) : '';
      const got = value === null || value === undefined ? 'it is empty' : `not ${code(value)}`;
      return src.at(path, `${where} must be one of ${listOr(allowed)}, ${got}${dym}`);
    }
    case 'const':
      return src.at(path, `${where} must be ${code(params.allowedValue)}`);
    case 'minimum':
      return src.at(path, `${where} must be at least ${String(params.limit)}`);
    case 'maximum':
      return src.at(path, `${where} must be at most ${String(params.limit)}`);
    case 'exclusiveMinimum':
      return src.at(path, `${where} must be greater than ${String(params.limit)}`);
    case 'exclusiveMaximum':
      return src.at(path, `${where} must be less than ${String(params.limit)}`);
    case 'minLength':
      if (e.schemaPath.startsWith('#/$defs/expression/')) return src.at(path, `${where} is empty`, { hint: 'write a rule, e.g. `close > sma(close, 50)`' });
      return src.at(path, `${where} must not be empty`);
    case 'dependentRequired': {
      const prop = String(params.property);
      const missing = String(params.missingProperty);
      return src.at([...path, prop], `${code(prop)} in ${code(where)} needs ${code(missing)}`, { prefer: 'key', hint: parent?.properties?.[prop]?.description });
    }
    case 'false schema': {
      const key = String(path[path.length - 1]);
      const owner = dotted(path.slice(0, -1));
      const dep = /\/dependentSchemas\/([^/]+)\/properties\//.exec(e.schemaPath);
      if (dep) {
        const other = dep[1] === 'long' || dep[1] === 'short' ? 'rules (`long:`/`short:`)' : code(dep[1]);
        return src.at(path, `${code(key)} cannot be used together with ${other} in ${code(owner)}`, { prefer: 'key', hint: conflictHint(key, dep[1]!) });
      }
      const branch = /^(.*)\/(then|else)\/properties\/[^/]+(\/false schema)?$/.exec(e.schemaPath);
      if (branch) {
        const cond = describeIf(pointer(botSchema, `${branch[1]!.replace(/^#/, '')}/if`) as SchemaNode | undefined);
        const message = branch[2] === 'else' ? `${code(key)} only applies when ${cond}` : `${code(key)} cannot be used when ${cond}`;
        return src.at(path, message, { prefer: 'key' });
      }
      return src.at(path, `${code(key)} is not allowed here`, { prefer: 'key' });
    }
    case 'oneOf':
    case 'anyOf': {
      const keys = branchKeys(e.schema);
      if (keys.length === 0) return src.at(path, `${where} does not have a valid form`);
      const present = keys.filter((k) => value !== null && typeof value === 'object' && k in (value as object));
      if (e.keyword === 'oneOf' && present.length > 1) {
        return src.at([...path, present[1]!], `${code(where)} takes only one of ${listOr(keys)}, but has ${listOr(present).replace(' or ', ' and ')}`, { prefer: 'key', hint: `keep one of them` });
      }
      const what = e.keyword === 'oneOf' ? 'one of' : 'at least one of';
      return src.atParent(path, `${code(where)} needs ${what} ${listOr(keys)}`, { hint: combinatorHint(path, parent) });
    }
    default:
      return src.at(path, `${where} ${e.message ?? 'is invalid'}`);
  }
}

/** `long_only: true`: the one-step way to trade one side. */
function oneSide(data: unknown, key: string, side: 'long' | 'short'): string {
  const other = side === 'long' ? 'short' : 'long';
  const strategy = valueAt(data, ['strategy']) as Record<string, unknown> | undefined;
  if (strategy?.module !== undefined) return `${code(key)} is not a setting: to trade ${side} only, write \`direction: ${side}\``;
  if (strategy?.[other] === undefined) return `${code(key)} is not a setting, and this bot already trades ${side} only (it has no \`${other}:\` block): remove this line`;
  return `${code(key)} is not a setting: to trade ${side} only, remove the \`${other}:\` block`;
}

function isMapping(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `btcusdt`, `BTC/USDT`, `BTC-USDT`: the Bybit spelling, when that is all that is wrong. */
function symbolSpelling(value: string): string | undefined {
  const fixed = value.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return fixed !== value && /^[A-Z0-9]{2,}$/.test(fixed) ? fixed : undefined;
}

const DISTANCES: Record<string, string> = {
  'risk.stop_loss': 'stop_loss', 'risk.take_profit': 'take_profit', 'risk.trailing_stop': 'trailing_stop', 'risk.trailing_stop.activation': 'activation',
};

/**
 * `stop_loss: 2%` (or `2`, `1.5 ATR`, `2R`): a distance written as one value where a mapping is
 * expected. The mapping it stands for, written out.
 */
function distanceShorthand(path: Path, value: unknown): { write: string; hint: string } | undefined {
  const key = DISTANCES[path.join('.')];
  if (key === undefined || (typeof value !== 'number' && typeof value !== 'string')) return undefined;
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(%|percent|x?\s*atr|r|rr)?\s*$/i.exec(String(value));
  if (!m) return undefined;
  const [, n, unit = '%'] = m;
  const kind = /atr/i.test(unit) ? 'atr' : /^r{1,2}$/i.test(unit) && key !== 'stop_loss' && key !== 'trailing_stop' ? 'risk_reward' : '%';
  if (kind === 'atr') return { write: `${key}: { atr: { length: 14, multiple: ${n} } }`, hint: `${n} × ATR(14) away; choose the ATR length with \`length\`` };
  if (kind === 'risk_reward') return { write: `${key}: { risk_reward: ${n} }`, hint: `${n} times the stop distance` };
  const alt = key === 'take_profit' || key === 'activation' ? `, or \`${key}: { risk_reward: ${n} }\` for ${n} × the stop distance` : '';
  const where = key === 'trailing_stop' ? 'behind the best close' : key === 'activation' ? 'in favour' : "from the signal candle's close";
  return { write: `${key}: { percent: ${n} }`, hint: `${n}% ${where}; or \`${key}: { atr: { length: 14, multiple: ${n} } }\` for ${n} × ATR(14)${alt}` };
}

const INTERVAL_SPELLINGS: Record<string, string> = {
  '1m': '1', '3m': '3', '5m': '5', '15m': '15', '30m': '30', '1h': '60', '60m': '60', '2h': '120', '4h': '240', '6h': '360',
  '12h': '720', '1d': 'D', d1: 'D', '1w': 'W', '1mo': 'M', day: 'D', daily: 'D', week: 'W', weekly: 'W', month: 'M', monthly: 'M',
};

/**
 * Keys a trader may reasonably write that botctl does not implement: saying "not supported yet"
 * is clearer than "unknown key", and they must never be silently ignored.
 */
function notSupportedYet(path: Path, key: string): { message: string; hint?: string } | undefined {
  const at = [...path, key].join('.');
  const table: Record<string, { message: string; hint?: string }> = {
    symbols: { message: '`symbols` is not supported yet: a bot trades one symbol', hint: 'write one spec per symbol, each with `market.symbol`' },
    'market.symbols': { message: '`market.symbols` is not supported yet: a bot trades one symbol', hint: 'write one spec per symbol, each with `market.symbol`' },
    'market.exchange': { message: '`market.exchange` is not supported yet: botctl trades on Bybit only', hint: 'remove it; choose the Bybit environment with `market.network`' },
    'market.intervals': { message: '`market.intervals` is not supported yet: a bot decides on one candle interval', hint: 'use `market.interval`' },
    'risk.take_profits': { message: '`take_profits` (several targets) is not supported yet', hint: 'use one `take_profit`, optionally with a `trailing_stop`' },
    'risk.take_profit.levels': { message: 'take-profit `levels` (partial exits) are not supported yet', hint: 'use one target (`percent`, `atr` or `risk_reward`), optionally with a `trailing_stop`' },
    'risk.max_open_positions': { message: '`max_open_positions` is not supported yet: a bot holds at most one position', hint: 'cap its size with `risk.max_position`' },
    'risk.pyramiding': { message: '`pyramiding` (adding to a position) is not supported yet: a bot holds at most one position' },
    notifications: { message: '`notifications` are not supported yet', hint: 'remove the block; follow the bot with `botctl status` and `botctl trades`' },
    'run.api_key': { message: 'API keys are never read from the spec', hint: 'set BYBIT_API_KEY and BYBIT_API_SECRET in the environment' },
    'run.api_secret': { message: 'API keys are never read from the spec', hint: 'set BYBIT_API_KEY and BYBIT_API_SECRET in the environment' },
    api_key: { message: 'API keys are never read from the spec', hint: 'set BYBIT_API_KEY and BYBIT_API_SECRET in the environment' },
    api_secret: { message: 'API keys are never read from the spec', hint: 'set BYBIT_API_KEY and BYBIT_API_SECRET in the environment' },
  };
  return table[at];
}

function hintFor(key: string, node: SchemaNode): string | undefined {
  const n = resolve(node);
  const ex = n.examples?.[0];
  const example = ex === undefined || typeof ex === 'object' ? '' : ` Example: \`${key}: ${String(ex)}\``;
  return n.description ? `${n.description}${example}` : undefined;
}

function conflictHint(key: string, other: string): string {
  if (other === 'module') return 'a strategy module decides its own entries and exits; remove the rules or the `module` line';
  if (key === 'direction') return 'with rules, the sides traded are the ones that have an `entry` rule';
  return `remove ${code(key)} or ${code(other)}`;
}

function combinatorHint(path: Path, parent: SchemaNode | undefined): string | undefined {
  const last = path[path.length - 1];
  if (last === 'risk') return 'size entries with `quantity` (base coin), `quote` (quote coin value) or `risk_percent` (of equity, needs a stop_loss)';
  if (last === 'strategy') return 'write rules under `long:`/`short:` (each with an `entry:`), or name a strategy module with `module:`';
  return parent?.description;
}


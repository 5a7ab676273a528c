// Rule expressions: hands their text to the rule language's compiler and maps every error it
// reports (an offset into the expression) back to the file's line and column.
import { isScalar } from 'yaml';
import type { Scalar } from 'yaml';
import { compileRules } from '../../dsl/index.ts';
import type { CompiledRules, FieldNames, RuleExpressions, RuleField } from '../../dsl/index.ts';
import { diagnosticAt } from './diagnostic.ts';
import type { Diagnostic } from './diagnostic.ts';
import type { Path, SpecSource } from './source.ts';
import type { SpecValues } from './values.ts';
import { commentTrap } from './traps.ts';

export const RULE_FIELDS: Record<RuleField, Path> = {
  long_entry: ['strategy', 'long', 'entry'],
  long_exit: ['strategy', 'long', 'exit'],
  short_entry: ['strategy', 'short', 'entry'],
  short_exit: ['strategy', 'short', 'exit'],
  strength: ['strategy', 'strength'],
  confidence: ['strategy', 'confidence'],
};

/** Rule messages name each field as the file writes it: `strategy.long.entry`. */
const FIELD_NAMES = Object.fromEntries(Object.entries(RULE_FIELDS).map(([f, path]) => [f, path.join('.')])) as FieldNames;

/** The expression texts present in the spec (strings only; other types are schema errors). */
export function ruleExpressions(v: SpecValues): RuleExpressions {
  const out: RuleExpressions = {};
  for (const [field, path] of Object.entries(RULE_FIELDS) as [RuleField, Path][]) {
    const text = v.str(path);
    if (text !== undefined && text.length > 0) out[field] = text;
  }
  return out;
}

export function ruleParams(v: SpecValues): Map<string, number | boolean> {
  const params = new Map<string, number | boolean>();
  for (const [k, val] of Object.entries(v.obj(['strategy', 'params']) ?? {})) {
    if (typeof val === 'number' || typeof val === 'boolean') params.set(k, val);
  }
  return params;
}

export interface RulesCheck {
  diagnostics: Diagnostic[];
  warnings: Diagnostic[];
  rules?: CompiledRules;
}

export function checkRules(v: SpecValues): RulesCheck {
  const src = v.src;
  const exprs = ruleExpressions(v);
  const warnings: Diagnostic[] = [];
  const commented = new Set<RuleField>();
  for (const field of Object.keys(exprs) as RuleField[]) {
    const w = commentTrap(src, RULE_FIELDS[field]);
    if (w) {
      warnings.push(w);
      commented.add(field);
    }
  }
  warnings.push(...unusedParams(v, exprs));
  if (Object.keys(exprs).length === 0) return { diagnostics: [], warnings };

  const result = compileRules(exprs, ruleParams(v), FIELD_NAMES);
  if (result.ok) return { diagnostics: [], warnings, rules: result.rules };
  // A text-valued parameter is already reported where it is defined; the rule language would
  // add "unknown name" wherever it is used.
  const textParams = new Set(Object.entries(v.obj(['strategy', 'params']) ?? {}).filter(([, x]) => typeof x === 'string').map(([k]) => k));
  const relevant = result.diagnostics.filter((d) => !textParams.has((exprs[d.field] ?? '').slice(d.offset, d.offset + d.length)));
  const diagnostics = relevant.map((raw) => {
    // A rule cut short by `#` often fails to parse at its end; say why it ended there.
    const d = commented.has(raw.field)
      ? { ...raw, hint: `${raw.hint ? `${raw.hint}; ` : ''}the rule ends where \`#\` starts a YAML comment: put the whole rule in quotes` }
      : raw;
    const path = RULE_FIELDS[d.field];
    const node = src.node(path);
    if (!isScalar(node) || !node.range) return src.at(path, d.message, { hint: d.hint });
    const text = exprs[d.field] ?? '';
    const map = valueToSource(src.text, node, text);
    const start = map[Math.min(d.offset, map.length - 1)] ?? node.range[0];
    return diagnosticAt(src, start, Math.max(1, d.length), d.message, { hint: d.hint });
  });
  return { diagnostics, warnings };
}

/**
 * For each character of a scalar's value (plus one past the end), its offset in the file.
 * Walks value and source together: YAML folds line breaks and indentation into one space (plain,
 * quoted and `>` scalars) or one newline (`|`), and quoted scalars have escapes; both are skipped.
 */
export function valueToSource(file: string, node: Scalar, value: string): number[] {
  const [start, valueEnd] = node.range!;
  const block = node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL';
  const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
  let p = quoted ? start + 1 : start;
  // Block scalars start on the line after the `|`/`>` header and strip a fixed indentation.
  let blockIndent = 0;
  if (block) {
    const nl = file.indexOf('\n', start);
    p = nl === -1 ? valueEnd : nl + 1;
    blockIndent = /^[ ]*/.exec(file.slice(p))![0].length;
  }
  const atLineStart = (): boolean => p > 0 && file[p - 1] === '\n';
  const skipIndent = (): void => {
    if (block) {
      for (let i = 0; i < blockIndent && file[p] === ' '; i++) p++;
    } else {
      while (p < valueEnd && /\s/.test(file[p]!)) p++;
    }
  };
  const map: number[] = [];
  for (const c of value) {
    if (atLineStart()) skipIndent();
    const s = file[p];
    if (s === c && !(node.type === 'QUOTE_DOUBLE' && s === '\\')) {
      map.push(p++);
    } else if ((s === '\n' || s === '\r') && (c === ' ' || c === '\n')) {
      // A folded line break: one space in the value stands for the break (and the next indent).
      map.push(p);
      while (p < valueEnd && (file[p] === '\r' || file[p] === '\n')) p++;
    } else if (node.type === 'QUOTE_DOUBLE' && s === '\\') {
      map.push(p);
      const e = file[p + 1];
      p += e === 'x' ? 4 : e === 'u' ? 6 : e === 'U' ? 10 : 2;
    } else if (node.type === 'QUOTE_SINGLE' && s === "'" && file[p + 1] === "'") {
      map.push(p);
      p += 2;
    } else {
      // Blank lines folded away, or trailing spaces YAML dropped: skip layout and try again.
      let q = p;
      while (q < valueEnd && /\s/.test(file[q]!)) q++;
      if (file[q] === c) {
        map.push(q);
        p = q + 1;
      } else {
        map.push(p);
        if (p < valueEnd) p++;
      }
    }
  }
  map.push(p);
  return map;
}

/** Parameters nobody refers to are usually a typo in a rule or a leftover. */
function unusedParams(v: SpecValues, exprs: RuleExpressions): Diagnostic[] {
  if (!v.has(['strategy', 'long']) && !v.has(['strategy', 'short'])) return [];
  const used = new Set<string>();
  for (const text of Object.values(exprs) as string[]) {
    for (const m of text.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) used.add(m[0]);
  }
  return Object.keys(v.obj(['strategy', 'params']) ?? {})
    .filter((name) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !used.has(name))
    .map((name) => v.src.at(['strategy', 'params', name], `parameter \`${name}\` is defined but never used in the rules`, {
      prefer: 'key', severity: 'warning', hint: `use it in a rule (e.g. \`ema(close, ${name})\`) or remove it`,
    }));
}

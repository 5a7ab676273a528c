// YAML traps around rule expressions: what YAML made of an unquoted rule, said in plain words.
import { isMap, isScalar, isSeq } from 'yaml';
import type { Diagnostic } from './diagnostic.ts';
import type { Path, SpecSource } from './source.ts';

/** Why an expression field is not a string, and how to fix it. */
export function expressionTypeProblem(src: SpecSource, path: Path, value: unknown): { message: string; hint: string } {
  const node = src.node(path);
  const quote = 'put the whole rule in double quotes, e.g. `entry: "close > open"`';
  if (isSeq(node)) {
    return { message: 'is a YAML list, not a rule: a value starting with `[` or `- ` is read as a list', hint: quote };
  }
  if (isMap(node)) {
    return { message: 'is a YAML mapping, not a rule: `?` at the start, or `: ` inside an unquoted value, makes a key/value pair', hint: quote };
  }
  if (value === null || value === undefined) {
    const commented = commentAfter(src, path) ?? commentOnKeyLine(src, path);
    if (commented) {
      return { message: 'is empty: everything after `#` is a YAML comment, so the rule was cut off', hint: quote };
    }
    return { message: 'is empty', hint: 'write a rule, e.g. `entry: close > sma(close, 50)`' };
  }
  if (typeof value === 'boolean') {
    const text = isScalar(node) ? String((node as { source?: string }).source ?? value) : String(value);
    return { message: `is the YAML true/false value \`${text}\`, not a rule`, hint: `if you mean a rule that is always ${value ? 'true' : 'false'}, quote it: \`"${value}"\`` };
  }
  if (typeof value === 'number') {
    return { message: `is the number ${value}, not a true/false rule`, hint: 'entries and exits need a condition such as `close > open`' };
  }
  return { message: 'must be a rule written as text', hint: quote };
}

/** If a YAML comment follows the value on its last line, its offset. */
function commentAfter(src: SpecSource, path: Path): number | undefined {
  const node = src.node(path);
  if (!node?.range) return undefined;
  const end = node.range[1];
  const lineEnd = src.text.indexOf('\n', end);
  const rest = src.text.slice(end, lineEnd === -1 ? undefined : lineEnd);
  const i = rest.indexOf('#');
  return i >= 0 && /^\s*$/.test(rest.slice(0, i)) ? end + i : undefined;
}

function commentOnKeyLine(src: SpecSource, path: Path): number | undefined {
  const key = src.keyNode(path);
  if (!key?.range) return undefined;
  const lineEnd = src.text.indexOf('\n', key.range[1]);
  const rest = src.text.slice(key.range[1], lineEnd === -1 ? undefined : lineEnd);
  const m = /^\s*:\s*#/.exec(rest);
  return m ? key.range[1] + m[0].length - 1 : undefined;
}

/**
 * An unquoted `#` preceded by a space starts a YAML comment, so `close > open # and rsi(...)`
 * silently drops the end of the rule. Warn when a plain (unquoted) rule is followed by a comment.
 */
export function commentTrap(src: SpecSource, path: Path): Diagnostic | undefined {
  const node = src.node(path);
  if (!isScalar(node) || node.type !== 'PLAIN') return undefined;
  const at = commentAfter(src, path);
  if (at === undefined) return undefined;
  const d = src.at(path, 'the text after `#` is a YAML comment, not part of this rule', {
    severity: 'warning',
    hint: 'if `#` was meant to be part of the rule, put the whole rule in quotes; otherwise ignore this',
  });
  const { line, col } = src.linePos(at);
  const lineText = src.text.split(/\r?\n/)[line - 1] ?? '';
  return { ...d, line, column: col, excerpt: { lineText, caretStart: col - 1, caretLength: lineText.length - (col - 1) } };
}

// A parsed spec file: the YAML document with positions, so every check can point at the node it
// is about. Paths are the same as the data's (`['risk', 'stop_loss', 'percent']`).
import { readFileSync, statSync, type Stats } from 'node:fs';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, isNode, visit } from 'yaml';
import type { Alias, Document, Node, Scalar, YAMLMap } from 'yaml';
import { diagnosticAt } from './diagnostic.ts';
import type { Diagnostic, Severity, SourceText } from './diagnostic.ts';

export type Path = readonly (string | number)[];

/** A bot spec is a few kilobytes; anything past this is not a spec (and would take long to check). */
export const MAX_SPEC_BYTES = 1_000_000;

/**
 * The spec file's bytes, or why it cannot be a spec: only a regular file of at most 1 MB is read
 * (a FIFO or /dev/zero would never end, a directory is not a file).
 */
export function readSpecFile(file: string): { bytes: Buffer } | { problem: string } {
  let st: Stats;
  try {
    st = statSync(file);
  } catch (e) {
    return { problem: readProblem(e) };
  }
  if (st.isDirectory()) return { problem: 'it is a directory, not a file' };
  if (!st.isFile()) return { problem: `it is ${st.isFIFO() ? 'a named pipe (FIFO)' : st.isSocket() ? 'a socket' : 'a device'}, not a file` };
  if (st.size > MAX_SPEC_BYTES) return { problem: `it is ${(st.size / 1e6).toFixed(1)} MB; a bot spec is a few kilobytes (at most ${MAX_SPEC_BYTES / 1e6} MB). Is this the right file?` };
  try {
    return { bytes: readFileSync(file) };
  } catch (e) {
    return { problem: readProblem(e) };
  }
}

function readProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory, not a file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
}

export class SpecSource implements SourceText {
  readonly doc: Document.Parsed;
  private readonly lines: LineCounter;
  /** Scalars replaced by `withValues`: path (joined with NUL) → the text written in their place. */
  private overrides: ReadonlyMap<string, string> | undefined;

  constructor(readonly file: string, readonly text: string) {
    this.lines = new LineCounter();
    // Duplicate keys are found by hazardDiagnostics: YAML's own check compares every pair of keys.
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: false, strict: true });
  }

  /**
   * This spec with some scalars written differently (a sweep's combination), without parsing it
   * again: positions still point into this file, and `scalarSource` gives the new texts.
   */
  withValues(texts: ReadonlyMap<string, string>): SpecSource {
    const variant = Object.create(this) as SpecSource;
    variant.overrides = texts;
    return variant;
  }

  static pathKey(path: Path): string {
    return path.join('\u0000');
  }

  linePos(offset: number): { line: number; col: number } {
    return this.lines.linePos(offset);
  }

  /** YAML syntax errors (and duplicate keys) as diagnostics. */
  syntaxDiagnostics(): Diagnostic[] {
    const out: Diagnostic[] = [];
    const seen = new Set<number>();
    const assignments = this.doc.errors.length > 0 ? this.assignmentLines() : [];
    for (const a of assignments) out.push(a.diagnostic);
    for (const e of [...this.doc.errors, ...this.doc.warnings]) {
      // yaml often reports one mistake twice at the same spot; the first message is the useful one.
      if (seen.has(e.pos[0])) continue;
      seen.add(e.pos[0]);
      // What `key = value` leads to on its own line or the next is the same mistake.
      const line = this.linePos(e.pos[0]).line;
      if (assignments.some((a) => line === a.line || line === a.line + 1)) continue;
      const severity = this.doc.errors.includes(e as never) ? 'error' : 'warning';
      if (e.code === 'BLOCK_AS_IMPLICIT_KEY' || e.code === 'MULTILINE_IMPLICIT_KEY') {
        out.push(this.implicitKeyProblem(e.pos[0], severity));
        continue;
      }
      const [start, end] = e.pos;
      const first = e.message.split('\n')[0] ?? e.message;
      out.push(diagnosticAt(this, start, Math.max(1, end - start), yamlMessage(e.code, first), { severity, hint: yamlHint(e.code) }));
    }
    for (const alias of this.unresolvedAliases()) out.push(alias);
    out.push(...this.hazardDiagnostics());
    return out;
  }

  /**
   * What YAML allows but a bot spec must not hold, each at its place: explicit tags, numbers in
   * hex, octal, with a leading zero or infinite, names JavaScript reserves, invisible or unusual
   * spaces, aliases that refer to themselves or expand without bound, and more values than any bot
   * needs (so validation stays quick on a file that is not a spec).
   */
  private hazardDiagnostics(): Diagnostic[] {
    const out: Diagnostic[] = [];
    const aliases: Alias[] = [];
    let nodes = 0;
    const at = (node: { range?: [number, number, number] | null | undefined }, message: string, hint: string, from?: number, length?: number) => {
      const start = from ?? node.range?.[0] ?? 0;
      out.push(diagnosticAt(this, start, length ?? Math.max(1, (node.range?.[1] ?? start + 1) - start), message, { hint }));
    };
    const tagged = (node: Node) => {
      if (node.tag === undefined) return;
      const written = node.tag.replace(/^tag:yaml\.org,2002:/, '!!');
      // The caret goes under the tag as written, the nearest `!…` word before the value.
      const value = node.range?.[0] ?? 0;
      let from = this.text.lastIndexOf('!', value - 1);
      while (from > 0 && !/[\s,[{]/.test(this.text[from - 1]!)) from--;
      const length = from < 0 ? undefined : (/^\S+/.exec(this.text.slice(from, value))?.[0].length ?? 1);
      at(node, `YAML tags (\`${written}\`) are not used in bot specs`, 'write the plain value (in quotes if it must be text)', from < 0 ? undefined : from, length);
    };
    visit(this.doc, {
      Scalar: (key, node) => {
        if (++nodes > MAX_SPEC_VALUES) return visit.BREAK;
        tagged(node);
        const source = (node as Scalar & { source?: string }).source ?? '';
        if (typeof node.value === 'number') {
          const plain = plainNumber(source, node.value);
          if (plain) at(node, plain.message, plain.hint);
        }
        if (key === 'key' && typeof node.value === 'string' && RESERVED_NAMES.has(node.value)) {
          at(node, `\`${node.value}\` is a reserved name: JavaScript gives it a meaning of its own, so botctl cannot use it as a key or parameter name`, 'choose another name');
        }
        const range = node.range;
        if (range) {
          const written = this.text.slice(range[0], range[1]);
          const m = UNUSUAL_SPACE.exec(written);
          if (m) {
            const code = m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
            at(node, `this value contains ${SPACE_NAMES[m[0]] ?? 'an unusual space'} (U+${code}), which looks like a space or nothing but is not read as one`, 'delete it and type a plain space if one belongs there', range[0] + m.index, 1);
          }
        }
        return undefined;
      },
      Map: (_k, node) => {
        if (++nodes > MAX_SPEC_VALUES) return visit.BREAK;
        tagged(node);
        const keys = new Set<string>();
        for (const pair of node.items) {
          if (!isScalar(pair.key)) continue;
          const name = String(pair.key.value);
          if (keys.has(name)) at(pair.key, 'this key appears twice in the same mapping', 'delete one of the two entries');
          keys.add(name);
        }
        return undefined;
      },
      Seq: (_k, node) => {
        if (++nodes > MAX_SPEC_VALUES) return visit.BREAK;
        tagged(node);
        return undefined;
      },
      Alias: (_k, node) => {
        aliases.push(node);
      },
    });
    if (nodes > MAX_SPEC_VALUES) {
      return [diagnosticAt(this, 0, 1, `this file holds more than ${MAX_SPEC_VALUES.toLocaleString('en-US')} values; a bot spec has a few dozen`, { hint: 'is this the right file? Start from bots/btc-ema.yaml' })];
    }
    for (const alias of aliases) {
      const target = alias.resolve(this.doc);
      const r = target?.range;
      if (r && alias.range && alias.range[0] >= r[0] && alias.range[0] < r[1]) {
        at(alias, `\`*${alias.source}\` refers to the anchor \`&${alias.source}\` it is inside of, so its value would never end`, 'write the value out instead of the alias');
      }
    }
    if (aliases.length > 0 && out.length === 0 && this.doc.errors.length === 0) {
      try {
        this.doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
      } catch {
        at(aliases[0]!, `the anchors and aliases (\`&name\`, \`*name\`) in this spec expand to too many values`, 'write the values out; aliases are for repeating a small block once or twice');
      }
    }
    return out;
  }

  /**
   * "Nested mappings are not allowed in compact mappings": either the value itself holds `: `
   * (an unquoted rule like `a ? b : c`), or the next line is indented deeper than this key.
   */
  private implicitKeyProblem(at: number, severity: Severity): Diagnostic {
    const lineEnd = this.text.indexOf('\n', at);
    const rest = this.text.slice(at, lineEnd === -1 ? undefined : lineEnd);
    const ternary = this.ternaryRule(at, rest, severity);
    if (ternary) return ternary;
    if (/: |:$/.test(rest.replace(/\s+#.*$/, '')) || /^\?(\s|$)/.test(rest)) {
      return diagnosticAt(this, at, rest.trimEnd().length, 'YAML syntax error: this value contains `: ` (or starts with `? `), so YAML reads it as another key instead of text', {
        severity, hint: 'put the whole value in double quotes, e.g. `entry: "close > open"`',
      });
    }
    const next = lineEnd === -1 ? at : lineEnd + 1;
    const indent = /^[ \t]*/.exec(this.text.slice(next))?.[0].length ?? 0;
    return diagnosticAt(this, next + indent, 1, 'YAML syntax error: this line is indented more than the key above it, so YAML cannot tell which mapping it belongs to', {
      severity, hint: 'keys of the same mapping must start in the same column',
    });
  }

  /**
   * An unquoted rule written with `? :` (`strength: close > open ? 1 : 0`): YAML stops at the `: `,
   * but the fix is the rule language's `iff`, and quotes.
   */
  private ternaryRule(at: number, rest: string, severity: Severity): Diagnostic | undefined {
    const lineStart = this.text.lastIndexOf('\n', at - 1) + 1;
    if (!/^\s*(entry|exit|strength|confidence):\s*$/.test(this.text.slice(lineStart, at))) return undefined;
    const m = /^(.+?)\s\?\s(.+?)\s:\s(.+?)\s*(#.*)?$/.exec(rest);
    if (!m) return undefined;
    const iff = `iff(${m[1]!.trim()}, ${m[2]!.trim()}, ${m[3]!.trim()})`;
    return diagnosticAt(this, at + rest.indexOf(' ?') + 1, 1, `there is no \`? :\` operator in rules: write \`${iff}\``, {
      severity, hint: `iff(condition, value_if_true, value_if_false), in double quotes (unquoted, YAML reads \`: \` as a new key): \`"${iff}"\``,
    });
  }

  /** Lines written `name = value`: YAML's error lands on the next line; the fix is `name: value`. */
  private assignmentLines(): { line: number; diagnostic: Diagnostic }[] {
    const out: { line: number; diagnostic: Diagnostic }[] = [];
    const errorLines = new Set(this.doc.errors.map((e) => this.linePos(e.pos[0]).line));
    let offset = 0;
    for (const [i, text] of this.text.split('\n').entries()) {
      const m = /^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([^\s=#'"][^#]*?)\s*(#.*)?\r?$/.exec(text);
      if (m && (errorLines.has(i + 1) || errorLines.has(i + 2))) {
        const written = `${m[2]} = ${m[3]}`;
        out.push({
          line: i + 1,
          diagnostic: diagnosticAt(this, offset + m[1]!.length, text.trimEnd().length - m[1]!.length, `\`${written}\` is not a YAML key and value: write \`${m[2]}: ${m[3]}\``, {
            hint: 'YAML puts a colon and a space between a key and its value',
          }),
        });
      }
      offset += text.length + 1;
    }
    return out;
  }

  private unresolvedAliases(): Diagnostic[] {
    const out: Diagnostic[] = [];
    visit(this.doc, {
      Alias: (_key, node) => {
        if (node.resolve(this.doc) === undefined && node.range) {
          out.push(diagnosticAt(this, node.range[0], node.range[1] - node.range[0], `YAML syntax error: \`*${node.source}\` refers to an anchor \`&${node.source}\` that is not defined`, {
            hint: 'a value starting with `*` is a YAML alias; put it in quotes if it is text',
          }));
        }
      },
    });
    return out;
  }

  /** The value node at `path`, if present. */
  node(path: Path): Node | undefined {
    let n: unknown = this.doc.contents;
    for (const seg of path) {
      if (isMap(n)) {
        const pair = n.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        n = pair?.value ?? undefined;
      } else if (isSeq(n) && typeof seg === 'number') {
        n = n.items[seg];
      } else return undefined;
    }
    return isNode(n) ? n : undefined;
  }

  /** The key scalar of the last segment of `path` (a mapping entry), if present. */
  keyNode(path: Path): Scalar | undefined {
    if (path.length === 0) return undefined;
    const parent = this.node(path.slice(0, -1));
    if (!isMap(parent)) return undefined;
    const last = String(path[path.length - 1]);
    const pair = (parent as YAMLMap).items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === last);
    return pair && isScalar(pair.key) ? pair.key : undefined;
  }

  /** The text span a diagnostic about `path` should underline: the value, else its key, else the closest ancestor. */
  spanOf(path: Path, prefer: 'value' | 'key' = 'value'): { offset: number; length: number } {
    for (let i = path.length; i >= 0; i--) {
      const p = path.slice(0, i);
      const key = this.keyNode(p);
      const value = this.node(p);
      const pick = prefer === 'key' || (i < path.length) ? key ?? value : value ?? key;
      const range = pick?.range;
      if (range) return { offset: range[0], length: spanLength(this.text, range[0], range[1]) };
    }
    return { offset: 0, length: 1 };
  }

  /** The mapping a missing key belongs in: underline the parent's key (`risk:`), or the top of the document. */
  spanOfParent(path: Path): { offset: number; length: number } {
    const key = this.keyNode(path);
    if (key?.range) return { offset: key.range[0], length: key.range[1] - key.range[0] };
    const n = this.node(path);
    if (n?.range) return { offset: n.range[0], length: 1 };
    return { offset: 0, length: 1 };
  }

  at(path: Path, message: string, opts: { hint?: string | undefined; severity?: Severity; prefer?: 'value' | 'key' } = {}): Diagnostic {
    const { offset, length } = this.spanOf(path, opts.prefer);
    return diagnosticAt(this, offset, length, message, opts);
  }

  atParent(path: Path, message: string, opts: { hint?: string | undefined; severity?: Severity } = {}): Diagnostic {
    const { offset, length } = this.spanOfParent(path);
    return diagnosticAt(this, offset, length, message, opts);
  }

  /** How a scalar is written: 'PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_…'; undefined for no scalar. */
  scalarStyle(path: Path): string | undefined {
    const n = this.node(path);
    return isScalar(n) ? n.type ?? 'PLAIN' : undefined;
  }

  /** Source text of a scalar as written (`0.10` stays `0.10`), for exact Decimal conversion. */
  scalarSource(path: Path): string | undefined {
    const replaced = this.overrides?.get(SpecSource.pathKey(path));
    if (replaced !== undefined) return replaced;
    const n = this.node(path);
    if (!isScalar(n)) return undefined;
    return (n as Scalar & { source?: string }).source ?? String(n.value);
  }
}

/** Underline to the end of the node but not past its first line. */
function spanLength(text: string, start: number, end: number): number {
  const nl = text.indexOf('\n', start);
  const stop = nl === -1 ? end : Math.min(end, nl);
  return Math.max(1, stop - start);
}

function yamlMessage(code: string, raw: string): string {
  switch (code) {
    case 'DUPLICATE_KEY': return 'this key appears twice in the same mapping';
    case 'TAB_AS_INDENT': return 'YAML does not allow tabs for indentation';
    case 'BAD_INDENT': return 'this line is not indented consistently with the lines around it';
    case 'MISSING_CHAR': return `YAML syntax error: ${lowerFirst(raw.replace(/ at line \d+, column \d+:?$/, ''))}`;
    case 'BAD_SCALAR_START': return `YAML syntax error: ${lowerFirst(raw.replace(/ at line \d+, column \d+:?$/, ''))}`;
    default: return `YAML syntax error: ${lowerFirst(raw.replace(/ at line \d+, column \d+:?$/, ''))}`;
  }
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case 'DUPLICATE_KEY': return 'delete one of the two entries';
    case 'TAB_AS_INDENT': return 'indent with spaces';
    case 'BAD_SCALAR_START': return 'put the value in quotes';
    case 'MISSING_CHAR': return 'close the quote or bracket that was opened';
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY': return 'check the indentation and that every key ends with `: `';
    default: return undefined;
  }
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** A spec has a few dozen values; past this many the file is not a spec (and checks would crawl). */
const MAX_SPEC_VALUES = 10_000;
/** Alias resolutions while reading the spec (YAML's own default): a few are fine, a "billion laughs" is not. */
const MAX_ALIAS_EXPANSIONS = 100;

/** Keys and parameter names JavaScript objects already have: as data they would shadow or corrupt them. */
const RESERVED_NAMES: ReadonlySet<string> = new Set([
  '__proto__', 'constructor', 'prototype', 'toString', 'toLocaleString', 'valueOf', 'hasOwnProperty',
  'isPrototypeOf', 'propertyIsEnumerable', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__',
]);

const SPACE_NAMES: Readonly<Record<string, string>> = {
  '\u00A0': 'a no-break space', '\u00AD': 'a soft hyphen', '\u1680': 'an ogham space', '\u180E': 'a Mongolian vowel separator',
  '\u2000': 'an en quad', '\u2001': 'an em quad', '\u2002': 'an en space', '\u2003': 'an em space', '\u2004': 'a three-per-em space',
  '\u2005': 'a four-per-em space', '\u2006': 'a six-per-em space', '\u2007': 'a figure space', '\u2008': 'a punctuation space',
  '\u2009': 'a thin space', '\u200A': 'a hair space', '\u200B': 'a zero-width space', '\u200C': 'a zero-width non-joiner',
  '\u200D': 'a zero-width joiner', '\u200E': 'a left-to-right mark', '\u200F': 'a right-to-left mark', '\u2028': 'a line separator',
  '\u2029': 'a paragraph separator', '\u202F': 'a narrow no-break space', '\u205F': 'a medium mathematical space', '\u2060': 'a word joiner',
  '\u3000': 'an ideographic space', '\uFEFF': 'a zero-width no-break space (byte order mark)',
};
const UNUSUAL_SPACE = new RegExp(`[${Object.keys(SPACE_NAMES).join('')}]`);

/**
 * Numbers are written in decimal: `0x10`, `0o17`, `060` (octal to other YAML readers) and `.inf`
 * are refused with the plain form. `1.`, `+60`, `.5` and `1e3` mean what they say and are accepted.
 */
function plainNumber(source: string, value: number): { message: string; hint: string } | undefined {
  const t = source.trim();
  if (/^[-+]?0x/i.test(t)) return { message: `\`${t}\` is a hexadecimal number; bot specs use decimal numbers`, hint: `write ${value}` };
  if (/^[-+]?0o/i.test(t)) return { message: `\`${t}\` is an octal number; bot specs use decimal numbers`, hint: `write ${value}` };
  if (!Number.isFinite(value)) return { message: `\`${t}\` is not a number botctl can use (infinite or not a number)`, hint: 'write a finite decimal number' };
  if (/^[-+]?0[0-9]/.test(t)) return { message: `\`${t}\` starts with a zero, which some YAML readers take for an octal number`, hint: `write ${value}` };
  return undefined;
}

// One combination of a sweep is the spec with some values replaced. It is checked by the same
// checks `botctl validate` runs (engine/spec/load.ts checkSpecData), on the parsed spec with those
// values swapped in, so a combination that breaks a rule (slow ≤ fast where the rules say so, a
// take-profit inside the fees) is skipped with validate's own message. Parsing the YAML again for
// every combination would double the cost of a check; the values are plain scalars, so the
// parsed document stays valid.
//
// `specText` writes the combination as a file: each value replaces the old one's characters,
// so comments and layout stay as they were (a setting the spec did not have is added through the
// yaml Document API, which may re-flow that file).
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { isScalar, parseDocument, type Scalar } from 'yaml';
import { checkSpecData, type SpecResult } from '../spec/load.ts';
import { SpecSource } from '../spec/source.ts';
import type { Diagnostic } from '../spec/diagnostic.ts';
import type { ParamDef, ParamValue } from './params.ts';

export class SpecVariants {
  readonly src: SpecSource;
  readonly data: unknown;

  constructor(readonly file: string, readonly text: string, readonly specHash: string) {
    this.src = new SpecSource(file, text);
    this.data = this.src.doc.toJS() as unknown;
  }

  /** The values of one combination, each parameter's value by index. */
  static pick(defs: readonly ParamDef[], digits: readonly number[]): ParamValue[] {
    return defs.map((d, i) => d.values[digits[i]!]!);
  }

  /** Checks the spec with these values, as `botctl validate` would check the file written with them. */
  check(defs: readonly ParamDef[], values: readonly ParamValue[]): Promise<SpecResult> {
    const data = structuredClone(this.data) as Record<string, unknown>;
    const texts = new Map<string, string>();
    defs.forEach((d, i) => {
      setAt(data, d.path, values[i]!.value);
      texts.set(SpecSource.pathKey(d.path), values[i]!.text);
    });
    return checkSpecData(this.src.withValues(texts), data, this.specHash);
  }

  /**
   * The spec file's text with these values written in, for the file `to` (default: beside the
   * spec): a strategy module's relative path is rewritten to name the same module from there.
   */
  specText(defs: readonly ParamDef[], values: readonly ParamValue[], to: string = this.file): string {
    const edits: { from: number; to: number; text: string }[] = [];
    const missing: { path: readonly (string | number)[]; value: ParamValue }[] = [];
    const module = this.src.node(['strategy', 'module']);
    if (isScalar(module) && typeof module.value === 'string' && module.range && !isAbsolute(module.value) && resolve(dirname(to)) !== resolve(dirname(this.file))) {
      let moved = relative(dirname(to), resolve(dirname(this.file), module.value)).split(sep).join('/');
      if (!moved.startsWith('.')) moved = `./${moved}`;
      edits.push({ from: module.range[0], to: module.range[1], text: module.type === 'PLAIN' && /^[\w./-]+$/.test(moved) ? moved : JSON.stringify(moved) });
    }
    defs.forEach((d, i) => {
      const v = values[i]!;
      const node = this.src.node(d.path);
      if (isScalar(node) && node.range) {
        const quote = (node as Scalar).type === 'QUOTE_DOUBLE' ? '"' : (node as Scalar).type === 'QUOTE_SINGLE' ? "'" : '';
        edits.push({ from: node.range[0], to: node.range[1], text: `${quote}${v.text}${quote}` });
      } else {
        missing.push({ path: d.path, value: v });
      }
    });
    let text = this.text;
    for (const e of edits.sort((a, b) => b.from - a.from)) text = text.slice(0, e.from) + e.text + text.slice(e.to);
    if (missing.length === 0) return text;
    const doc = parseDocument(text);
    for (const m of missing) doc.setIn(m.path, m.value.value);
    return doc.toString();
  }
}

function setAt(data: Record<string, unknown>, path: readonly (string | number)[], value: unknown): void {
  let o = data;
  for (const seg of path.slice(0, -1)) {
    const next = o[String(seg)];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) o[String(seg)] = {};
    o = o[String(seg)] as Record<string, unknown>;
  }
  o[String(path[path.length - 1])] = value;
}

/** Why a combination is skipped: validate's first error, located in the spec file. */
export function skipReason(diagnostics: readonly Diagnostic[]): string {
  const d = diagnostics.find((x) => x.severity === 'error') ?? diagnostics[0];
  if (!d) return 'the spec does not validate';
  return d.line > 0 ? `${d.file}:${d.line}:${d.column}: ${d.message}` : `${d.file}: ${d.message}`;
}

// One problem found in a bot spec (or in a strategy module it names), printed the way compilers
// print them so editors and terminals can jump to the spot: `file:line:col: error: message`.
export type Severity = 'error' | 'warning';

export interface Diagnostic {
  file: string;
  /** 1-based line and column; 0 when the problem is the whole file (e.g. it cannot be read). */
  line: number;
  column: number;
  severity: Severity;
  message: string;
  hint?: string;
  /** The source line and the span to underline (0-based start in `lineText`). */
  excerpt?: { lineText: string; caretStart: number; caretLength: number };
}

/** Minimal view of a source text that can turn offsets into positions. */
export interface SourceText {
  file: string;
  text: string;
  /** 0-based offset → 1-based line and column. */
  linePos(offset: number): { line: number; col: number };
}

/** A diagnostic pointing at `length` characters starting at `offset` of `src`. */
export function diagnosticAt(
  src: SourceText,
  offset: number,
  length: number,
  message: string,
  opts: { hint?: string | undefined; severity?: Severity } = {},
): Diagnostic {
  const at = Math.max(0, Math.min(offset, src.text.length));
  const { line, col } = src.linePos(at);
  return withExcerpt(
    { file: src.file, line, column: col, severity: opts.severity ?? 'error', message, ...(opts.hint ? { hint: opts.hint } : {}) },
    src.text,
    length,
  );
}

/** Attaches the source line and a caret under `length` characters from the diagnostic's column. */
export function withExcerpt(d: Diagnostic, text: string, length: number): Diagnostic {
  const lineText = text.split(/\r?\n/)[d.line - 1];
  if (lineText === undefined) return d;
  const caretStart = Math.min(d.column - 1, lineText.length);
  const caretLength = Math.max(1, Math.min(length, lineText.length - caretStart));
  return { ...d, excerpt: { lineText, caretStart, caretLength } };
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1);
}

export function formatDiagnostic(d: Diagnostic): string {
  // Line 0 means the whole file (it could not be read at all).
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const out = [`${where}: ${d.severity}: ${d.message}`];
  if (d.excerpt) {
    const { lineText, caretStart, caretLength } = d.excerpt;
    // Keep tabs in the caret line's indent so the caret lines up under tab-indented text.
    const indent = lineText.slice(0, caretStart).replace(/[^\t]/g, ' ');
    out.push(`    ${lineText}`, `    ${indent}${'^'.repeat(caretLength)}`);
  }
  if (d.hint) out.push(`  hint: ${d.hint}`);
  return out.join('\n');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "2 errors in bots/x.yaml", "1 error and 1 warning in …", or '' when there is nothing. */
export function countLine(file: string, diags: readonly Diagnostic[]): string {
  const errors = diags.filter((d) => d.severity === 'error').length;
  const warnings = diags.length - errors;
  const parts: string[] = [];
  if (errors) parts.push(plural(errors, 'error'));
  if (warnings) parts.push(plural(warnings, 'warning'));
  return parts.length ? `${parts.join(' and ')} in ${file}` : '';
}

/**
 * Every diagnostic sorted by file and position, each followed by its excerpt and hint, then one
 * count line. Diagnostics in a strategy module are counted with the spec that named it, so the
 * count is labelled with the first file's name unless `countFile` says otherwise.
 */
export function formatDiagnostics(diags: readonly Diagnostic[], countFile?: string): string {
  if (diags.length === 0) return '';
  const sorted = [...diags].sort(compareDiagnostics);
  const label = countFile ?? diags[0]!.file;
  return `${sorted.map(formatDiagnostic).join('\n')}\n${countLine(label, diags)}\n`;
}

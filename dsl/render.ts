// Source line plus caret underline, for tests, `botctl explain` and anyone holding only the
// expression text (the spec loader renders against the YAML file instead).
import type { DslDiagnostic } from './index.ts';

export function renderExpressionError(text: string, diag: Pick<DslDiagnostic, 'offset' | 'length' | 'message' | 'hint'>): string {
  // Show the expression on one line; offsets stay valid because each whitespace char maps to one space.
  const line = text.replace(/[\r\n\t]/g, ' ');
  const start = Math.max(0, Math.min(diag.offset, line.length));
  const len = Math.max(1, Math.min(diag.length, Math.max(1, line.length - start)));
  const out = [`error: ${diag.message}`, `  ${line}`, `  ${' '.repeat(start)}${'^'.repeat(len)}`];
  if (diag.hint) out.push(`  hint: ${diag.hint}`);
  return out.join('\n');
}

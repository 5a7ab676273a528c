// Plain-text tables for the terminal: columns padded to their widest cell, numbers right-aligned.

export type Align = 'left' | 'right';

export interface Column {
  header: string;
  align?: Align;
}

/** Renders rows under a header; a row of `null` becomes a separator line (e.g. before a total). */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[] | null)[], indent = ''): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r ? (r[i] ?? '').length : 0))));
  const line = (cells: readonly string[]): string =>
    indent +
    cells
      .map((cell, i) => (columns[i]?.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(columns.map((c) => c.header))];
  const rule = indent + widths.map((w) => '-'.repeat(w)).join('  ');
  out.push(rule);
  for (const r of rows) out.push(r ? line(r) : rule);
  return `${out.join('\n')}\n`;
}

/** A CSV field: quoted when it holds a comma, quote or line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvField).join(',')}\n`;
}

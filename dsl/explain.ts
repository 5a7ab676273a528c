// Pure helpers for `botctl explain`: time parsing, value formatting, the per-bar report and CSV
// rows. The command (engine/cli/commands/explain.ts) does the file reading and writing.
import type { Candle } from '../engine/market/candle.ts';
import type { Decision } from '../engine/core/types.ts';
import type { RuleField } from './index.ts';
import type { RuleTracer, TraceBar } from './trace.ts';

const FIELD_TITLES: Readonly<Record<RuleField, string>> = {
  long_entry: 'long entry',
  long_exit: 'long exit',
  short_entry: 'short entry',
  short_exit: 'short exit',
  strength: 'strength',
  confidence: 'confidence',
};

/**
 * UTC time in the forms people type: 2022-01-05T14:00Z, 2022-01-05 14:00, 2022-01-05T14:00:00,
 * 2022-01-05 (midnight). Returns epoch ms, or undefined when the text is not such a time.
 */
export function parseUtcTime(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*(?:Z|UTC|\+00:?00)?$/i.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h = '0', mi = '0', s = '0'] = m.slice(1);
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const back = new Date(ms);
  // Reject 2022-02-30, month 13 and 25:00 instead of rolling over into another day or year; years
  // before 100 (which Date.UTC reads as 19xx) are not times either.
  if (back.getUTCFullYear() !== Number(y) || back.getUTCMonth() !== Number(mo) - 1 || back.getUTCDate() !== Number(d) || back.getUTCHours() !== Number(h) || back.getUTCMinutes() !== Number(mi)) return undefined;
  return ms;
}

export function formatUtc(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}${iso.slice(16, 19) === ':00' ? '' : iso.slice(16, 19)} UTC`;
}

/** A value as a trader reads it: true/false/na for conditions, ≤ 10 significant digits for numbers. */
export function formatValue(x: number, type: 'number' | 'bool'): string {
  if (Number.isNaN(x)) return 'na';
  if (type === 'bool') return x === 1 ? 'true' : 'false';
  return String(Number(x.toPrecision(10)));
}

export interface ExplainedBar {
  candle: Candle;
  trace: TraceBar;
}

/**
 * The report for one bar: candle, each field with what it decided, the decision core's records
 * for the candle (entered, or skipped and why; fills and protections), then every named value.
 */
export function explainBar(tracer: RuleTracer, bar: ExplainedBar, decisions: readonly Decision[] = []): string {
  const { candle, trace } = bar;
  const lines: string[] = [];
  const c = candle;
  lines.push(`${formatUtc(c.start)}  bar ${trace.index}  open ${fmt(c.open)}  high ${fmt(c.high)}  low ${fmt(c.low)}  close ${fmt(c.close)}  volume ${fmt(c.volume)}`);
  if (trace.warmingUp) lines.push(`  warming up: no signals before bar ${tracer.warmupBars}`);
  const width = Math.max(...tracer.fields.map((f) => FIELD_TITLES[f.field].length));
  const outcomes = tracer.fields.map((f) => outcome(trace, f.field, f.type));
  const outcomeWidth = Math.max(...outcomes.map((o) => o.length));
  tracer.fields.forEach((f, i) => lines.push(`  ${FIELD_TITLES[f.field].padEnd(width)}  ${outcomes[i]!.padEnd(outcomeWidth)}  ${f.text}`));
  if (trace.signals.length > 0) {
    lines.push(`  signals: ${trace.signals.map((s) => s.action + (s.strength !== undefined ? ` strength ${fmt(s.strength)}` : '') + (s.confidence !== undefined ? ` confidence ${fmt(s.confidence)}` : '')).join(', ')}`);
  } else {
    lines.push('  signals: none');
  }
  // A record's text starts with its time; on this bar's own time it is left out.
  const own = `${formatUtc(c.start).slice(0, 16)} `;
  for (const d of decisions) lines.push(`  decision: ${d.text.startsWith(own) ? d.text.slice(own.length) : d.text}`);
  if (decisions.length === 0) {
    const muted = trace.signals.length > 0 && trace.index < tracer.preloadBars;
    lines.push(muted ? `  decision: none (signals before bar ${tracer.preloadBars} are ignored while the averages settle)` : '  decision: none');
  }
  // Whole expressions were shown above; list the parts they are made of, including a whole rule
  // that is also part of another (the flagship's crossover is the short exit and half the long entry).
  const roots = new Set(tracer.fields.map((f) => f.column));
  const parts = tracer.columns.map((col, i) => ({ col, i })).filter(({ col, i }) => col.inner || !roots.has(i));
  if (parts.length > 0) {
    lines.push('  values:');
    const labelWidth = Math.min(60, Math.max(...parts.map(({ col }) => col.label.length)));
    for (const { col, i } of parts) lines.push(`    ${col.label.padEnd(labelWidth)}  ${formatValue(trace.values[i]!, col.type)}`);
  }
  return lines.join('\n');
}

function outcome(trace: TraceBar, field: RuleField, type: 'number' | 'bool'): string {
  const v = trace.fields.get(field) ?? NaN;
  if (type === 'number') return formatValue(v, type);
  if (v === 1) return trace.warmingUp ? 'true, held back by warm-up' : 'FIRED';
  if (v === 0) return 'did not fire';
  return 'did not fire (na: not enough history)';
}

function fmt(x: number): string {
  return formatValue(x, 'number');
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV header: time, then one column per named sub-expression, then one per field. */
export function csvHeader(tracer: RuleTracer): string {
  const cols = ['time', ...tracer.columns.map((c) => c.label), ...tracer.fields.map((f) => f.field)];
  return cols.map(csvCell).join(',');
}

/** One CSV row; na is an empty cell so spreadsheets see a gap, not text. */
export function csvRow(tracer: RuleTracer, bar: ExplainedBar): string {
  const cell = (x: number, type: 'number' | 'bool') => (Number.isNaN(x) ? '' : formatCsvValue(x, type));
  const cells = [new Date(bar.candle.start).toISOString()];
  for (let i = 0; i < tracer.columns.length; i++) cells.push(cell(bar.trace.values[i]!, tracer.columns[i]!.type));
  for (const f of tracer.fields) cells.push(cell(bar.trace.fields.get(f.field) ?? NaN, f.type));
  return cells.join(',');
}

function formatCsvValue(x: number, type: 'number' | 'bool'): string {
  return type === 'bool' ? (x === 1 ? 'true' : 'false') : String(x);
}

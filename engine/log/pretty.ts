// One readable line per log record for a terminal: `2026-11-24 23:41:05.123 INFO  order placed side=Buy qty=0.01`.
// The JSON file keeps everything (stacks included); the terminal line keeps what a trader reads.

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const LEVEL_COLOURS: Record<string, string> = {
  TRACE: '\x1b[90m',
  DEBUG: '\x1b[36m',
  INFO: '\x1b[32m',
  WARN: '\x1b[33m',
  ERROR: '\x1b[31m',
  FATAL: '\x1b[35m',
};
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';
/** Fields every line has; shown in fixed places rather than as key=value. */
const FRAME_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

export interface PrettyOptions {
  colour?: boolean;
}

/** Formats one pino JSON line. Lines that are not JSON are passed through unchanged. */
export function formatPrettyLine(jsonLine: string, opts: PrettyOptions = {}): string {
  let rec: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(jsonLine);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return jsonLine.trimEnd();
    rec = parsed as Record<string, unknown>;
  } catch {
    return jsonLine.trimEnd();
  }
  const level = typeof rec.level === 'number' ? (LEVEL_NAMES[rec.level] ?? String(rec.level)) : String(rec.level ?? '').toUpperCase();
  const time = formatTime(rec.time);
  const msg = typeof rec.msg === 'string' ? rec.msg : '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(rec)) {
    if (FRAME_FIELDS.has(k) || v === undefined) continue;
    parts.push(`${k}=${formatValue(k, v)}`);
  }
  const lvl = level.padEnd(5);
  const head = opts.colour ? `${DIM}${time}${RESET} ${LEVEL_COLOURS[level] ?? ''}${lvl}${RESET}` : `${time} ${lvl}`;
  return oneLine([head, msg, ...parts].filter((p) => p !== '').join(' '));
}

function formatTime(t: unknown): string {
  const d = typeof t === 'number' || typeof t === 'string' ? new Date(t) : new Date();
  if (Number.isNaN(d.getTime())) return String(t);
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

function formatValue(key: string, v: unknown): string {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && isErrorRecord(v)) {
    // Terminal gets the message only; the stack is in the log file.
    const e = v as { type?: unknown; message?: unknown };
    return quoteIfNeeded(`${typeof e.type === 'string' ? e.type + ': ' : ''}${String(e.message)}`);
  }
  if (typeof v === 'string') return quoteIfNeeded(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  void key;
  return JSON.stringify(v);
}

function isErrorRecord(v: object): boolean {
  return 'message' in v && ('stack' in v || 'type' in v);
}

function quoteIfNeeded(s: string): string {
  return /[\s"=]/.test(s) || s === '' ? JSON.stringify(s) : s;
}

/** A terminal line must stay one line whatever a message contains. */
function oneLine(s: string): string {
  return s.replace(/\r?\n/g, '\\n');
}

// Candle CSV reader: `start_ms,open,high,low,close,volume`, oldest first. Streams the file in
// fixed-size chunks (constant memory whatever the length) and parses numbers straight from the
// text without splitting lines into arrays. Numbers with ≤ 15 significant digits and no exponent
// (every published price) are parsed as integer ÷ power of ten, which IEEE division rounds
// exactly like Number(); anything else falls back to Number() on the slice.
import { open } from 'node:fs/promises';
import type { Candle } from './candle.ts';
import { UserError } from '../cli/exit.ts';

export const CSV_HEADER = 'start_ms,open,high,low,close,volume';
const COLUMNS = ['start_ms', 'open', 'high', 'low', 'close', 'volume'] as const;
const CHUNK = 1 << 20;
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

export class CsvError extends UserError {
  constructor(readonly file: string, readonly line: number, readonly column: number, what: string) {
    super(`${file}:${line}:${column}: ${what}`);
    this.name = 'CsvError';
  }
}

export interface CsvSummary {
  count: number;
  first?: number;
  last?: number;
  /** Missing candles: how many holes, and the first one (the candle before and after it). */
  gaps: { count: number; first?: { after: number; before: number } };
}

export interface CsvOptions {
  /** Expected candle spacing; inferred from the first two candles when absent. */
  intervalMs?: number;
  /** Called after each chunk with bytes read so far and the file size (for progress bars). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/** Parses [a, b) of s as a number; NaN when it is not one. */
function num(s: string, a: number, b: number): number {
  if (a >= b) return NaN;
  let i = a;
  let neg = false;
  if (s.charCodeAt(i) === 45) {
    neg = true;
    i++;
  }
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < b; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c >= 0 && c <= 9) {
      m = m * 10 + c;
      digits++;
      if (frac >= 0) frac++;
    } else if (c === -2 && frac < 0) frac = 0;
    else return slow(s, a, b);
  }
  if (digits === 0 || digits > 15 || frac === 0) return slow(s, a, b);
  const v = frac > 0 ? m / (POW10[frac] as number) : m;
  return neg ? -v : v;
}

function slow(s: string, a: number, b: number): number {
  const t = s.slice(a, b).trim();
  if (t === '') return NaN;
  const v = Number(t);
  return Number.isFinite(v) ? v : NaN;
}

/**
 * Reads every candle, oldest first, calling `onCandle` for each. Throws CsvError naming the file,
 * line and column of the first problem (bad number, missing column, time not increasing,
 * duplicate candle, high/low not containing open/close).
 */
export async function readCandleCsv(file: string, onCandle: (c: Candle) => void, opts: CsvOptions = {}): Promise<CsvSummary> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'it is a directory' : err.code === 'EACCES' ? 'permission denied' : err.message;
    throw new UserError(`cannot read candle file ${file}: ${why}`);
  }
  const summary: CsvSummary = { count: 0, gaps: { count: 0 } };
  const buf = Buffer.allocUnsafe(CHUNK);
  const totalBytes = opts.onProgress ? (await fh.stat()).size : 0;
  let bytesSoFar = 0;
  let carry = '';
  let lineNo = 0;
  let headerSeen = false;
  let prev = NaN;
  let interval = opts.intervalMs ?? NaN;
  const vals = [0, 0, 0, 0, 0, 0];
  const fail = (col: number, what: string): never => {
    throw new CsvError(file, lineNo, col, what);
  };

  const line = (s: string, a: number, b: number): void => {
    lineNo++;
    if (b > a && s.charCodeAt(b - 1) === 13) b--; // CRLF
    if (!headerSeen) {
      let h = s.slice(a, b);
      if (h.startsWith('\u00ef\u00bb\u00bf')) h = h.slice(3); // UTF-8 byte-order mark, read as latin1
      if (h.replace(/\s+/g, '') !== CSV_HEADER) fail(1, `expected the header "${CSV_HEADER}", found "${h.slice(0, 80)}"`);
      headerSeen = true;
      return;
    }
    if (a === b) return; // blank line
    let p = a;
    for (let k = 0; k < 6; k++) {
      let e = s.indexOf(',', p);
      if (e < 0 || e > b) e = b;
      if (k < 5 && e === b) fail(b - a + 1, `missing column "${COLUMNS[k + 1]}" (expected ${CSV_HEADER})`);
      const v = num(s, p, e);
      if (v !== v) fail(p - a + 1, `${COLUMNS[k]} "${s.slice(p, e)}" is not a number`);
      vals[k] = v;
      p = e + 1;
      if (k === 5 && e !== b) fail(e - a + 1, `unexpected extra column after volume (expected ${CSV_HEADER})`);
    }
    const [start, o, h, l, c, vol] = vals as [number, number, number, number, number, number];
    if (!Number.isInteger(start)) fail(1, `start_ms "${start}" must be a whole number of milliseconds`);
    if (start === prev) fail(1, `duplicate candle: start_ms ${start} (${new Date(start).toISOString()}) appears twice in a row`);
    if (start < prev) fail(1, `time goes backwards: start_ms ${start} (${new Date(start).toISOString()}) comes after ${prev} (${new Date(prev).toISOString()}); candles must be oldest first`);
    if (h < o || h < c || l > o || l > c || l > h) fail(1, `high/low do not contain open/close (open ${o}, high ${h}, low ${l}, close ${c})`);
    if (vol < 0) fail(1, `volume ${vol} is negative`);
    if (prev === prev) {
      if (interval !== interval) interval = start - prev;
      else if (start - prev > interval) {
        if (summary.gaps.count === 0) summary.gaps.first = { after: prev, before: start };
        summary.gaps.count++;
      }
    } else summary.first = start;
    prev = start;
    summary.count++;
    onCandle({ start, open: o, high: h, low: l, close: c, volume: vol });
  };

  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      const text = carry + buf.toString('latin1', 0, bytesRead);
      let a = 0;
      for (;;) {
        const nl = text.indexOf('\n', a);
        if (nl < 0) break;
        line(text, a, nl);
        a = nl + 1;
      }
      carry = text.slice(a);
      bytesSoFar += bytesRead;
      opts.onProgress?.(bytesSoFar, totalBytes);
    }
    if (carry.length > 0) line(carry, 0, carry.length);
  } finally {
    await fh.close();
  }
  if (!headerSeen) throw new CsvError(file, 1, 1, `the file is empty; expected the header "${CSV_HEADER}"`);
  if (summary.count > 0) summary.last = prev;
  return summary;
}

// Candle CSV reader: `start_ms,open,high,low,close,volume`, oldest first. Streams the file in
// fixed-size chunks (constant memory whatever the length) and parses each line in one pass over
// its bytes: no strings, no splitting. Numbers with ≤ 15 significant digits and no exponent
// (every published price) are integer ÷ power of ten, which IEEE division rounds exactly like
// Number(); anything else (exponents, long mantissas, stray characters) falls back to Number()
// on the field's text, and whatever that rejects is an error naming file, line and column.
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
  try {
    const parser = new CandleParser(file, onCandle, opts.intervalMs ?? NaN);
    const totalBytes = opts.onProgress ? (await fh.stat()).size : 0;
    const buf = Buffer.allocUnsafe(CHUNK);
    let keep = 0;
    let done = 0;
    for (;;) {
      if (keep === CHUNK) throw new CsvError(file, parser.lineNo + 1, 1, `line longer than ${CHUNK} bytes; is this a candle CSV?`);
      const { bytesRead } = await fh.read(buf, keep, CHUNK - keep, null);
      const end = keep + bytesRead;
      const eof = bytesRead === 0;
      const consumed = parser.parse(buf, end, eof);
      if (eof) break;
      buf.copyWithin(0, consumed, end);
      keep = end - consumed;
      done += bytesRead;
      opts.onProgress?.(done, totalBytes);
    }
    return parser.finish();
  } finally {
    await fh.close();
  }
}

class CandleParser {
  lineNo = 0;
  private headerSeen = false;
  private prev = NaN;
  private readonly vals = new Float64Array(6);
  /** 1-based column where each field of the current line starts. */
  private readonly cols = new Int32Array(6);
  private readonly summary: CsvSummary = { count: 0, gaps: { count: 0 } };

  constructor(private readonly file: string, private readonly onCandle: (c: Candle) => void, private interval: number) {}

  /** Parses the complete lines in buf[0, end) (and the tail too at EOF); returns bytes consumed. */
  parse(buf: Buffer, end: number, eof: boolean): number {
    let ls = 0; // line start
    while (ls < end) {
      let nl = buf.indexOf(10, ls);
      if (nl < 0 || nl >= end) {
        if (!eof) return ls;
        nl = end;
      }
      let le = nl;
      if (le > ls && buf[le - 1] === 13) le--; // CRLF
      this.lineNo++;
      if (!this.headerSeen) this.header(buf, ls, le);
      else if (le > ls) this.line(buf, ls, le);
      ls = nl + 1;
    }
    return end;
  }

  private header(buf: Buffer, ls: number, le: number): void {
    let h = buf.toString('utf8', ls, le);
    if (h.charCodeAt(0) === 0xfeff) h = h.slice(1);
    if (h.replace(/\s+/g, '') !== CSV_HEADER) this.fail(1, `expected the header "${CSV_HEADER}", found "${h.slice(0, 80)}"`);
    this.headerSeen = true;
  }

  private line(buf: Buffer, ls: number, le: number): void {
    const vals = this.vals;
    let k = 0;
    let fs = ls;
    let m = 0;
    let digits = 0;
    let frac = -1;
    let neg = false;
    let odd = false;
    for (let i = ls; i <= le; i++) {
      const b = i < le ? (buf[i] as number) : 44;
      if (b >= 48 && b <= 57) {
        m = m * 10 + (b - 48);
        digits++;
        if (frac >= 0) frac++;
      } else if (b === 44) {
        if (k > 5) this.fail(fs - ls, `unexpected extra column after volume (expected ${CSV_HEADER})`);
        let v: number;
        if (odd || digits === 0 || digits > 15 || frac === 0) v = this.slow(buf, fs, i, ls, k);
        else {
          v = frac > 0 ? m / (POW10[frac] as number) : m;
          if (neg) v = -v;
        }
        this.cols[k] = fs - ls + 1;
        vals[k++] = v;
        fs = i + 1;
        m = 0;
        digits = 0;
        frac = -1;
        neg = false;
        odd = false;
      } else if (b === 46 && frac < 0) frac = 0;
      else if (b === 45 && i === fs) neg = true;
      else odd = true;
    }
    if (k < 6) this.fail(le - ls + 1, `missing column "${COLUMNS[k]}" (expected ${CSV_HEADER})`);
    const start = vals[0] as number;
    const o = vals[1] as number;
    const h = vals[2] as number;
    const l = vals[3] as number;
    const c = vals[4] as number;
    const vol = vals[5] as number;
    const prev = this.prev;
    if (!Number.isInteger(start)) this.fail(1, `start_ms "${start}" must be a whole number of milliseconds`);
    if (start <= prev) {
      if (start === prev) this.fail(1, `duplicate candle: start_ms ${start} (${new Date(start).toISOString()}) appears twice in a row`);
      this.fail(1, `time goes backwards: start_ms ${start} (${new Date(start).toISOString()}) comes after ${prev} (${new Date(prev).toISOString()}); candles must be oldest first`);
    }
    // Zero or negative prices are bad data, never a market: sizing divides by them.
    for (let j = 1; j <= 4; j++) {
      const p = vals[j] as number;
      if (!(p > 0)) this.fail(this.cols[j] as number, `${COLUMNS[j]} ${p} is not above zero; prices must be positive`);
    }
    if (h < o || h < c || l > o || l > c) this.fail(1, `high/low do not contain open/close (open ${o}, high ${h}, low ${l}, close ${c})`);
    if (vol < 0) this.fail(1, `volume ${vol} is negative`);
    const s = this.summary;
    if (prev === prev) {
      const step = start - prev;
      if (this.interval !== this.interval) this.interval = step;
      else if (step > this.interval) {
        if (s.gaps.count === 0) s.gaps.first = { after: prev, before: start };
        s.gaps.count++;
      }
    } else s.first = start;
    this.prev = start;
    s.count++;
    this.onCandle({ start, open: o, high: h, low: l, close: c, volume: vol });
  }

  private slow(buf: Buffer, a: number, b: number, ls: number, k: number): number {
    const text = buf.toString('latin1', a, b);
    const t = text.trim();
    const v = t === '' ? NaN : Number(t);
    if (!Number.isFinite(v)) {
      if (k > 5) this.fail(a - ls, `unexpected extra column after volume (expected ${CSV_HEADER})`);
      this.fail(a - ls + 1, `${COLUMNS[k]} "${text}" is not a number`);
    }
    return v;
  }

  finish(): CsvSummary {
    if (!this.headerSeen) throw new CsvError(this.file, 1, 1, `the file is empty; expected the header "${CSV_HEADER}"`);
    if (this.summary.count > 0) this.summary.last = this.prev;
    return this.summary;
  }

  private fail(col: number, what: string): never {
    throw new CsvError(this.file, this.lineNo, col, what);
  }
}

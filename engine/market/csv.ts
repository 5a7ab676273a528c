// Candle CSV reader. botctl's own format is `start_ms,open,high,low,close,volume`, oldest first;
// the files traders already have are read as well, recognised from the header (or its absence):
// TradingView chart exports (`time,open,high,low,close,Volume`, seconds or ISO times), Binance and
// Bybit archive/kline CSVs (with or without a header, milliseconds or microseconds). Times given
// as numbers are read as seconds, milliseconds or microseconds by their magnitude; every candle
// must fall between 2000 and 2100.
//
// Streams the file in fixed-size chunks (constant memory whatever the length) and parses each line
// in one pass over its bytes: no strings, no splitting. Numbers with ≤ 15 significant digits and
// no exponent (every published price) are integer ÷ power of ten, which IEEE division rounds
// exactly like Number(); anything else goes through a strict decimal check on the field's text
// (no hex, no `Infinity`), and whatever fails is an error naming file, line and column.
import { open, stat } from 'node:fs/promises';
import type { Candle } from './candle.ts';
import { UserError } from '../cli/exit.ts';

export const CSV_HEADER = 'start_ms,open,high,low,close,volume';
const CHUNK = 1 << 20;
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Candles must open in [2000-01-01, 2100-01-01) UTC: anything else is a misread unit or bad data. */
export const EARLIEST_MS = Date.UTC(2000, 0, 1);
export const LATEST_MS = Date.UTC(2100, 0, 1);

export class CsvError extends UserError {
  constructor(readonly file: string, readonly line: number, readonly column: number, readonly what: string) {
    super(`${file}:${line}:${column}: ${what}`);
    this.name = 'CsvError';
  }
}

/** How numeric times were read, from the first candle's magnitude; 'iso' for date-time text. */
export type TimeUnit = 's' | 'ms' | 'µs' | 'iso';
export const TIME_UNIT_TEXT: Record<TimeUnit, string> = { s: 'seconds', ms: 'milliseconds', µs: 'microseconds', iso: 'date-time text' };

/** What a `# key: value` (or `key=value`) comment above the header says about the data. */
export interface CsvMeta {
  symbol?: string;
  category?: string;
  interval?: string;
  source?: string;
}

export interface CsvSummary {
  count: number;
  first?: number;
  last?: number;
  /** Missing candles: how many holes, and the first one (the candle before and after it). */
  gaps: { count: number; first?: { after: number; before: number } };
  /** What the file was recognised as ("botctl CSV", "TradingView export", ...). */
  format: string;
  timeUnit?: TimeUnit;
  meta: CsvMeta;
  /** Things the reader let pass but the trader should hear about (a cut-off last line). */
  warnings: string[];
}

export interface CsvOptions {
  /** Expected candle spacing; inferred from the first two candles when absent. */
  intervalMs?: number;
  /** Called after each chunk with bytes read so far and the file size (for progress bars). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Called once the header (or its absence) is understood, before the first candle. */
  onFormat?: (format: string, meta: CsvMeta) => void;
  /** Candles in any order (botctl data import sorts a newest-first file); order and duplicates are then the caller's to check. */
  anyOrder?: boolean;
  /**
   * Called after each chunk's candles were handed to `onCandle`; a promise it returns is awaited
   * before the next chunk is read, so a slow consumer (a replay) holds one chunk, not the file.
   */
  afterChunk?: () => Promise<void> | undefined;
  /**
   * Bytes read at a time (default and most: 1 MB). A replay reads 64 KB: the candles of a chunk
   * wait in memory for the runner, and a small chunk's candles die young instead of being promoted
   * by the garbage collector (which cost a quarter of a long replay's time).
   */
  chunkBytes?: number;
}

/**
 * Refuses what is not a regular file before opening it: a directory, a FIFO (opening one with no
 * writer blocks for ever), a device such as /dev/zero (endless).
 */
export async function checkRegularFile(file: string, what: string): Promise<number> {
  let st;
  try {
    st = await stat(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'ENOTDIR' ? 'a folder on its path is a file' : err.message;
    throw new UserError(`cannot read ${what} ${file}: ${why}`);
  }
  if (st.isDirectory()) throw new UserError(`cannot read ${what} ${file}: it is a directory; give the path of a file`);
  if (!st.isFile()) {
    const kind = st.isFIFO() ? 'a FIFO (named pipe)' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a regular file';
    throw new UserError(`cannot read ${what} ${file}: it is ${kind}, not a regular file; save the data to a file first`);
  }
  return st.size;
}

/**
 * Reads every candle, oldest first, calling `onCandle` for each with its line number. Throws
 * CsvError naming the file, line and column of the first problem (bad number, missing column,
 * time not increasing or outside 2000–2100, duplicate candle, high/low not containing open/close).
 */
export async function readCandleCsv(file: string, onCandle: (c: Candle, line: number) => void, opts: CsvOptions = {}): Promise<CsvSummary> {
  const totalBytes = await checkRegularFile(file, 'candle file');
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UserError(`cannot read candle file ${file}: ${err.code === 'EACCES' ? 'permission denied' : err.message}`);
  }
  try {
    const parser = new CandleParser(file, onCandle, opts.intervalMs ?? NaN, opts.onFormat, Boolean(opts.anyOrder));
    const buf = Buffer.allocUnsafe(CHUNK);
    const readBytes = Math.max(4096, Math.min(CHUNK, opts.chunkBytes ?? CHUNK));
    let keep = 0;
    let done = 0;
    let reading = fh.read(buf, 0, readBytes, null);
    for (;;) {
      const { bytesRead } = await reading;
      const end = keep + bytesRead;
      const eof = bytesRead === 0;
      const consumed = parser.parse(buf, end, eof);
      if (eof) break;
      buf.copyWithin(0, consumed, end);
      keep = end - consumed;
      done += bytesRead;
      opts.onProgress?.(done, totalBytes);
      if (keep === CHUNK) throw new CsvError(file, parser.lineNo + 1, 1, `line longer than ${CHUNK} bytes; is this a candle CSV?`);
      // The next chunk is read while the consumer takes this one's candles (they are parsed out of
      // the buffer already): a replay does not wait for the disk between chunks.
      reading = fh.read(buf, keep, Math.min(CHUNK - keep, readBytes), null);
      reading.catch(() => {}); // told at the next await; never unhandled if the consumer stops first
      const taken = opts.afterChunk?.();
      if (taken) await taken;
    }
    return parser.finish();
  } finally {
    await fh.close();
  }
}

// ------------------------------------------------------------------ formats

/** Slots of a candle, in the order the parser stores them. */
const SLOTS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Header names each slot answers to (lower case, spaces and quotes trimmed). */
const NAMES: Record<(typeof SLOTS)[number], readonly string[]> = {
  time: ['start_ms', 'time', 'timestamp', 'open_time', 'opentime', 'open time', 'starttime', 'start_time', 'start', 'date', 'datetime', 'date_time'],
  open: ['open', 'openprice', 'open_price', 'o'],
  high: ['high', 'highprice', 'high_price', 'h'],
  low: ['low', 'lowprice', 'low_price', 'l'],
  close: ['close', 'closeprice', 'close_price', 'c'],
  volume: ['volume', 'vol', 'v', 'base_volume', 'basevolume'],
};

interface Layout {
  format: string;
  /** Per file column: the slot it fills (0 time … 5 volume) or -1 (ignored). */
  slotOf: Int8Array;
  /** Column name per column, for messages. */
  names: string[];
  /** botctl's own format: a column after volume is an error. Others may carry extra columns. */
  strict: boolean;
  /** Index of the last column a slot needs; the rest of the line is not scanned. */
  lastNeeded: number;
  hasVolume: boolean;
}

const unquote = (s: string): string => s.trim().replace(/^"(.*)"$/, '$1').trim();

function layoutFromHeader(cols: string[]): Layout | string {
  const names = cols.map(unquote);
  const lower = names.map((n) => n.toLowerCase());
  const slotOf = new Int8Array(cols.length).fill(-1);
  const found: number[] = [];
  for (let s = 0; s < SLOTS.length; s++) {
    const i = lower.findIndex((n, j) => slotOf[j] === -1 && NAMES[SLOTS[s] as (typeof SLOTS)[number]].includes(n));
    if (i < 0) {
      if (s === 5) continue; // no volume column (TradingView without the volume study): volume 0
      return `no ${SLOTS[s]} column`;
    }
    slotOf[i] = s;
    found.push(i);
  }
  const joined = lower.join(',');
  const format = joined === CSV_HEADER ? 'botctl CSV'
    : lower[0] === 'time' ? 'TradingView export'
    : lower[0] === 'open_time' ? 'Binance kline CSV'
    : lower.includes('openprice') || lower[0] === 'starttime' ? 'Bybit kline CSV'
    : `CSV with columns ${names.filter((_, j) => (slotOf[j] as number) >= 0).join(', ')}`;
  return { format, slotOf, names, strict: joined === CSV_HEADER, lastNeeded: Math.max(...found), hasVolume: found.length === 6 };
}

/** No header: the first line is a candle, in the archive order open time, open, high, low, close, volume, … */
function headerlessLayout(columns: number): Layout {
  const slotOf = new Int8Array(Math.max(columns, 6)).fill(-1);
  for (let i = 0; i < 6; i++) slotOf[i] = i;
  return {
    format: 'CSV without a header (open time, open, high, low, close, volume: the Binance/Bybit archive order)',
    slotOf, names: ['open time', 'open', 'high', 'low', 'close', 'volume'], strict: false, lastNeeded: 5, hasVolume: true,
  };
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Date-time text as UTC ms (no zone: UTC), or NaN. Strict: 2021-02-30 is not a date. */
export function parseIsoTime(text: string): number {
  const m = ISO.exec(text);
  if (!m) return NaN;
  const [y, mo, d, h = '0', mi = '0', s = '0'] = [m[1], m[2], m[3], m[4], m[5], m[6]] as string[];
  let ms = Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +s) + (m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0);
  const back = new Date(ms);
  if (back.getUTCDate() !== +d! || back.getUTCMonth() !== +mo! - 1 || +h > 23 || +mi > 59 || +s > 59) return NaN;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return ms;
}

function fmtDate(ms: number): string {
  const y = Math.abs(ms) <= 8.64e15 ? new Date(ms).getUTCFullYear() : NaN;
  if (y >= 1000 && y <= 9999) return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  return y === y ? `the year ${y}` : 'beyond any calendar';
}

// ------------------------------------------------------------------ parser

class CandleParser {
  lineNo = 0;
  private layout: Layout | undefined;
  private readonly meta: CsvMeta = {};
  private prev = NaN;
  /** Time unit of numeric times: 0 undecided, else the factor code (see toMs). */
  private unit: TimeUnit | undefined;
  private timeText = false;
  private readonly vals = new Float64Array(6);
  /** 1-based column where each slot's field starts on the current line. */
  private readonly cols = new Int32Array(6);
  private readonly summary: CsvSummary = { count: 0, gaps: { count: 0 }, format: '', meta: this.meta, warnings: [] };

  constructor(
    private readonly file: string,
    private readonly onCandle: (c: Candle, line: number) => void,
    private interval: number,
    private readonly onFormat: ((format: string, meta: CsvMeta) => void) | undefined,
    private readonly anyOrder: boolean,
  ) {}

  /** Parses the complete lines in buf[0, end) (and the tail too at EOF); returns bytes consumed. */
  parse(buf: Buffer, end: number, eof: boolean): number {
    let ls = 0; // line start
    while (ls < end) {
      let nl = buf.indexOf(10, ls);
      let unterminated = false;
      if (nl < 0 || nl >= end) {
        if (!eof) return ls;
        nl = end;
        unterminated = true;
      }
      let le = nl;
      if (le > ls && buf[le - 1] === 13) le--; // CRLF
      this.lineNo++;
      if (this.layout === undefined) this.header(buf, ls, le);
      else if (le > ls) {
        if (unterminated) this.lastLine(buf, ls, le);
        else this.line(buf, ls, le);
      }
      ls = nl + 1;
    }
    return end;
  }

  /**
   * The last line has no line end: the file may have been cut while being written. If it does not
   * parse completely (or ends in the middle of a number) it is left out with a warning, never
   * turned into a candle with a truncated value.
   */
  private lastLine(buf: Buffer, ls: number, le: number): void {
    const tail = buf[le - 1] as number;
    const before = le - 2 >= ls ? (buf[le - 2] as number) : 0;
    let columns = 1;
    for (let i = ls; i < le; i++) if (buf[i] === 44) columns++;
    const want = (this.layout as Layout).slotOf.length;
    let why: string | undefined;
    if (tail === 46 || tail === 45 || tail === 43 || ((tail === 101 || tail === 69) && before >= 48 && before <= 57)) why = 'it ends in the middle of a number';
    else if (columns < want) why = `${columns} of the file's ${want} columns`;
    else {
      try {
        this.line(buf, ls, le);
        return;
      } catch (e) {
        if (!(e instanceof CsvError)) throw e;
        why = e.what;
      }
    }
    this.summary.warnings.push(`${this.file}:${this.lineNo}: the last line has no line end and is incomplete (${why}); it was left out — was the file still being written?`);
  }

  private header(buf: Buffer, ls: number, le: number): void {
    let h = buf.toString('utf8', ls, le);
    if (this.lineNo === 1 && h.charCodeAt(0) === 0xfeff) h = h.slice(1);
    const t = h.trim();
    if (t === '') return; // blank lines before the header
    if (t.startsWith('#')) {
      for (const m of t.matchAll(/\b(symbol|category|interval|source)\s*[:=]\s*([^\s,;]+)/gi)) this.meta[(m[1] as string).toLowerCase() as keyof CsvMeta] = m[2] as string;
      return;
    }
    const cols = h.split(',');
    const first = unquote(cols[0] ?? '');
    if (/^[+-]?\d/.test(first) && (DECIMAL.test(first) || !Number.isNaN(parseIsoTime(first)))) {
      if (cols.length < 6) this.fail(1, `no header, and ${cols.length} columns where a candle needs 6 (open time, open, high, low, close, volume); botctl's own format starts with the header "${CSV_HEADER}"`);
      this.setLayout(headerlessLayout(cols.length));
      this.line(buf, ls, le);
      return;
    }
    const layout = layoutFromHeader(cols);
    if (typeof layout === 'string') {
      this.fail(1, `${layout} in the header "${t.slice(0, 80)}"; expected botctl's "${CSV_HEADER}", a TradingView export (time,open,high,low,close,Volume) or a Binance/Bybit kline CSV (open time, open, high, low, close, volume)`);
    }
    this.setLayout(layout);
  }

  private setLayout(l: Layout): void {
    this.layout = l;
    this.summary.format = l.format;
    this.onFormat?.(l.format, this.meta);
  }

  private line(buf: Buffer, ls: number, le: number): void {
    const layout = this.layout as Layout;
    const slotOf = layout.slotOf;
    const ncols = slotOf.length;
    const lastNeeded = layout.lastNeeded;
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
        if (k >= ncols) {
          if (layout.strict) this.fail(fs - ls, `unexpected extra column after volume (expected ${CSV_HEADER})`);
          break;
        }
        const slot = slotOf[k] as number;
        if (slot >= 0) {
          let v: number;
          if (slot === 0 && this.timeText) v = this.isoTime(buf, fs, i, ls);
          else if (odd || digits === 0 || digits > 15 || frac === 0) v = this.slow(buf, fs, i, ls, k);
          else {
            v = frac > 0 ? m / (POW10[frac] as number) : m;
            if (neg) v = -v;
          }
          this.cols[slot] = fs - ls + 1;
          vals[slot] = v;
        }
        k++;
        if (k > lastNeeded && !layout.strict) break;
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
    if (k <= lastNeeded) this.fail(le - ls + 1, `missing column "${layout.names[k]}"${layout.strict ? ` (expected ${CSV_HEADER})` : ''}`);
    if (!layout.hasVolume) vals[5] = 0;
    const start = this.time(vals[0] as number);
    const o = vals[1] as number;
    const h = vals[2] as number;
    const l = vals[3] as number;
    const c = vals[4] as number;
    const vol = vals[5] as number;
    const prev = this.anyOrder ? NaN : this.prev;
    if (start <= prev) {
      if (start === prev) this.fail(1, `duplicate candle: ${fmtDate(start)} UTC (${start}) appears twice in a row`);
      this.fail(1, `time goes backwards: ${fmtDate(start)} UTC (${start}) comes after ${fmtDate(prev)} (${prev}); candles must be oldest first (botctl data import reorders a newest-first file)`);
    }
    // Zero or negative prices are bad data, never a market: sizing divides by them.
    for (let j = 1; j <= 4; j++) {
      const p = vals[j] as number;
      if (!(p > 0)) this.fail(this.cols[j] as number, `${SLOTS[j]} ${p} is not above zero; prices must be positive`);
    }
    if (h < o || h < c || l > o || l > c) this.fail(1, `high/low do not contain open/close (open ${o}, high ${h}, low ${l}, close ${c})`);
    if (vol < 0) this.fail(this.cols[5] as number, `volume ${vol} is negative`);
    const s = this.summary;
    if (prev === prev) {
      const step = start - prev;
      if (this.interval !== this.interval) this.interval = step;
      else if (step > this.interval) {
        if (s.gaps.count === 0) s.gaps.first = { after: prev, before: start };
        s.gaps.count++;
      }
    } else if (s.count === 0) s.first = start;
    this.prev = start;
    s.count++;
    this.onCandle({ start, open: o, high: h, low: l, close: c, volume: vol }, this.lineNo);
  }

  /** Candle open time in UTC ms from the time field; the unit is fixed by the first candle. */
  private time(raw: number): number {
    let unit = this.unit;
    if (unit === undefined) {
      const a = Math.abs(raw);
      unit = a >= EARLIEST_MS / 1000 && a < LATEST_MS / 1000 ? 's'
        : a >= EARLIEST_MS && a < LATEST_MS ? 'ms'
        : a >= EARLIEST_MS * 1000 && a < LATEST_MS * 1000 ? 'µs'
        : undefined;
      if (unit === undefined) {
        this.fail(this.cols[0] as number, `${this.timeName()} ${raw} is not a time between 2000 and 2100 in seconds, milliseconds or microseconds since 1970; ` +
          `write candle open times as Unix milliseconds (1633046400000 is 2021-10-01 00:00 UTC)`);
      }
      this.unit = unit;
      this.summary.timeUnit = unit;
    }
    const ms = unit === 'ms' || unit === 'iso' ? raw : unit === 's' ? raw * 1000 : raw / 1000;
    if (!Number.isInteger(ms)) this.fail(this.cols[0] as number, `${this.timeName()} ${raw} is not a whole number of milliseconds (times are read as ${TIME_UNIT_TEXT[unit]})`);
    if (ms < EARLIEST_MS || ms >= LATEST_MS) {
      const when = fmtDate(ms);
      this.fail(this.cols[0] as number, `${this.timeName()} ${raw} read as ${TIME_UNIT_TEXT[unit]} (the unit of the file's first candle) is ${when.startsWith('the') ? `in ${when}` : `${when} UTC`}, outside 2000–2100`);
    }
    return ms;
  }

  private timeName(): string {
    const l = this.layout as Layout;
    return l.names[l.slotOf.indexOf(0)] ?? 'time';
  }

  private isoTime(buf: Buffer, a: number, b: number, ls: number): number {
    const text = unquote(buf.toString('latin1', a, b));
    const ms = parseIsoTime(text);
    if (Number.isNaN(ms)) this.fail(a - ls + 1, `time "${text}" is not a date-time like 2021-10-01T00:00:00Z (the file's first candle gives its time as text)`);
    return ms;
  }

  private slow(buf: Buffer, a: number, b: number, ls: number, k: number): number {
    const text = buf.toString('latin1', a, b);
    const t = unquote(text);
    const layout = this.layout as Layout;
    const name = layout.names[k] ?? `column ${k + 1}`;
    if (k === layout.slotOf.indexOf(0) && this.unit === undefined && !DECIMAL.test(t)) {
      // The first candle decides: a time written as text makes every time text.
      const ms = parseIsoTime(t);
      if (!Number.isNaN(ms)) {
        this.timeText = true;
        this.unit = 'iso';
        this.summary.timeUnit = 'iso';
        return ms;
      }
    }
    if (!DECIMAL.test(t)) {
      const hint = /^[+-]?0[xob]/i.test(t) ? '; candle numbers are decimal only (write 16, not 0x10)' : '';
      this.fail(a - ls + 1, t === '' ? `${name} is empty` : `${name} "${text}" is not a decimal number${hint}`);
    }
    const v = Number(t);
    if (!Number.isFinite(v)) this.fail(a - ls + 1, `${name} "${text}" is out of range`);
    return v;
  }

  finish(): CsvSummary {
    if (this.layout === undefined) throw new CsvError(this.file, Math.max(1, this.lineNo), 1, `the file has no header and no candles; expected the header "${CSV_HEADER}"`);
    if (this.summary.count > 0) this.summary.last = this.prev;
    return this.summary;
  }

  private fail(col: number, what: string): never {
    throw new CsvError(this.file, this.lineNo, col, what);
  }
}

// One check for every candle file a command reads (backtest, explain, sweep, run --venue sim,
// report --data): the file is parsed and checked row by row (csv.ts), its own candle length is
// found from its first candles, every later candle must sit a whole number of those lengths after
// the one before, data of a finer interval than the bot's is resampled to the bot's (resample.ts),
// and the data must be the bot's market (plausible.ts). The caller gets the bot's candles and a
// summary it prints in one line, so every command says the same about the same file.
import { UserError } from '../cli/exit.ts';
import { intervalMs, intervalName, spanText, type Candle, type Interval } from './candle.ts';
import { CsvError, TIME_UNIT_TEXT, readCandleCsv, type TimeUnit } from './csv.ts';
import { plausibleRange, symbolOfFile, type FoundSymbol } from './plausible.ts';
import { Resampler, type ResampleCounts } from './resample.ts';

export interface CandleFileRequest {
  file: string;
  /** The bot's market: the data must be its symbol; data of a finer interval is resampled to its interval. */
  market: { symbol: string; interval: Interval; category?: string };
  /** The bot's name, for messages. */
  bot?: string;
  /** Run on data that names another symbol or has implausible prices for this one. */
  allowOtherSymbol?: boolean;
  /** The command-line option that overrides the market guard, for the hint (default --allow-other-symbol). */
  overrideFlag?: string;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Backpressure: awaited after each chunk of the file (see CsvOptions.afterChunk). */
  afterChunk?: () => Promise<void> | undefined;
  /** Bytes read at a time (see CsvOptions.chunkBytes). */
  chunkBytes?: number;
}

export interface CandleFileSummary {
  file: string;
  /** What the file was recognised as ("botctl CSV", "TradingView export", ...). */
  format: string;
  timeUnit?: TimeUnit;
  /** The symbol the file names, if it names one. */
  symbol?: FoundSymbol;
  /** The file's own candle length in ms ('M': monthly); undefined with fewer than two candles. */
  dataInterval?: number | 'M';
  /** The bot's interval the candles were delivered in. */
  interval: Interval;
  /** Candles read from the file. */
  read: number;
  /** Candles delivered, in the bot's interval. */
  count: number;
  first?: number;
  last?: number;
  /** Missing candles at the bot's interval: how many holes, and the first one. */
  gaps: { count: number; first?: { after: number; before: number } };
  /** Set when the candles were merged into the bot's interval. */
  resampled?: ResampleCounts;
  /** Said to the trader with the summary: a dropped cut-off last line, an overridden symbol check. */
  warnings: string[];
}

const DAY = 86_400_000;
/** How many candles the file's own length is measured over: a gap among the first two is not mistaken for it. */
const PROBE = 16;

const fmt = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/**
 * Streams `file` as the bot's candles, oldest first: checked, resampled when the data is finer,
 * and refused (a located UserError) when it cannot be the bot's candles.
 */
export async function readCandleFile(req: CandleFileRequest, onCandle: (c: Candle) => void): Promise<CandleFileSummary> {
  const { file, market } = req;
  const bot = req.bot ?? 'the bot';
  const override = req.overrideFlag ?? '--allow-other-symbol';
  const botIv = intervalName(market.interval);
  const s: CandleFileSummary = { file, format: '', interval: market.interval, read: 0, count: 0, gaps: { count: 0 }, warnings: [] };

  // Delivery in the bot's interval, counting gaps at that interval.
  const step = market.interval === 'M' ? NaN : intervalMs(market.interval);
  let lastOut = NaN;
  const deliver = (c: Candle): void => {
    if (lastOut === lastOut) {
      const missing = step === step ? c.start - lastOut > step : c.start !== nextMonth(lastOut);
      if (missing) {
        if (s.gaps.count === 0) s.gaps.first = { after: lastOut, before: c.start };
        s.gaps.count++;
      }
    } else s.first = c.start;
    lastOut = c.start;
    s.count++;
    onCandle(c);
  };

  let out: (c: Candle) => void = deliver;
  let resampler: Resampler | undefined;
  let spacing: number | 'M' | undefined;
  let prev = NaN;
  let prevLine = 0;
  const pending: [Candle, number][] = [];

  const fail = (line: number, what: string): never => {
    throw new CsvError(file, line, 1, what);
  };

  /** Every candle after the first: a whole number of the file's candle lengths after the one before. */
  const check = (c: Candle, line: number): void => {
    if (prev === prev) {
      const problem = spacingProblem(prev, c.start, prevLine, spacing as number | 'M');
      if (problem) fail(line, problem);
    }
    prev = c.start;
    prevLine = line;
    out(c);
  };

  /** The file's candle length: the closest spacing among its first candles, then what it means for the bot. */
  const decide = (): void => {
    let min = Infinity;
    let at = 0;
    for (let i = 1; i < pending.length; i++) {
      const d = (pending[i] as [Candle, number])[0].start - (pending[i - 1] as [Candle, number])[0].start;
      if (d < min) {
        min = d;
        at = i;
      }
    }
    const where = pending.length > 1 ? `lines ${(pending[at - 1] as [Candle, number])[1]} and ${(pending[at] as [Candle, number])[1]}` : '';
    const line = pending.length > 1 ? (pending[at] as [Candle, number])[1] : 1;
    if (min === Infinity) spacing = market.interval === 'M' ? 'M' : step; // one candle: take it as the bot's
    else if (market.interval === 'M' && min >= 28 * DAY) spacing = 'M';
    else spacing = min;
    s.dataInterval = spacing;
    if (spacing === 'M' || spacing === step) {
      // The bot's own interval: delivered as read.
    } else {
      const botMs = market.interval === 'M' ? DAY : step; // months are built from whole days
      const have = spanText(spacing);
      if (spacing > botMs || botMs % spacing !== 0) {
        const why = spacing > botMs
          ? `${botIv} candles cannot be made from ${have} candles`
          : `${have} candles do not add up to ${market.interval === 'M' ? 'whole days (monthly candles are made of days)' : `${botIv} candles`}`;
        fail(line, `the file's candles are ${have} apart (${where}), but ${bot} trades ${botIv} candles: ${why}. Use ${botIv} data, or data of an interval that divides it (1m, 5m, 15m, 1h …)`);
      }
      resampler = new Resampler(market.interval, spacing, deliver);
      s.resampled = resampler.counts;
      out = (c) => resampler!.push(c);
    }
    for (const [c, l] of pending) check(c, l);
    pending.length = 0;
  };

  let checkedPrice = false;
  const summary = await readCandleCsv(file, (c, line) => {
    s.read++;
    if (!checkedPrice) {
      checkedPrice = true;
      const range = req.allowOtherSymbol ? undefined : plausibleRange(market.symbol, c.start);
      if (range && (c.close < range[0] || c.close > range[1])) {
        fail(line, `the first candle closes at ${c.close} on ${fmt(c.start).slice(0, 10)}, far from where ${market.symbol} traded that year (${num(range[0])} to ${num(range[1])} allowing for error): ` +
          `this looks like another coin's data. Use ${market.symbol} candles, or add ${override} to run on it anyway`);
      }
    }
    if (spacing === undefined) {
      pending.push([c, line]);
      if (pending.length > PROBE) decide();
      return;
    }
    check(c, line);
  }, {
    ...(req.onProgress ? { onProgress: req.onProgress } : {}),
    ...(req.afterChunk ? { afterChunk: req.afterChunk } : {}),
    ...(req.chunkBytes ? { chunkBytes: req.chunkBytes } : {}),
    onFormat: (format, meta) => {
      s.format = format;
      const found = symbolOfFile(file, meta.symbol);
      if (!found) return;
      s.symbol = found;
      if (found.symbol === market.symbol) return;
      if (req.allowOtherSymbol) {
        s.warnings.push(`warning: ${file} holds ${found.symbol} candles (going by ${found.from}); ${bot} trades ${market.symbol} on them because of ${override}`);
        return;
      }
      throw new UserError(`${file}: these are ${found.symbol} candles (going by ${found.from}), but ${bot} trades ${market.symbol}; a backtest on another coin's prices means nothing.\n` +
        `  hint: use ${market.symbol} data (botctl data download ${market.symbol} ${market.interval}${market.category && market.category !== 'linear' ? ` --category ${market.category}` : ''} --from DATE --to DATE), or add ${override} if the file is misnamed`);
    },
  });
  if (spacing === undefined) decide();
  resampler?.finish();
  s.timeUnit = summary.timeUnit;
  s.last = lastOut === lastOut ? lastOut : undefined;
  s.warnings.push(...summary.warnings.map((w) => `warning: ${w}`));
  if (s.read > 0 && s.count === 0) {
    throw new UserError(`${file}: its ${s.read} ${spanText(s.dataInterval ?? step)} candle${s.read === 1 ? '' : 's'} do not fill a single whole ${botIv} candle for ${bot}; use a longer file`);
  }
  return s;
}

/** The whole file in memory (for files known to be small): the same checks as readCandleFile. */
export async function loadCandleFile(req: CandleFileRequest): Promise<{ candles: Candle[]; summary: CandleFileSummary }> {
  const candles: Candle[] = [];
  const summary = await readCandleFile(req, (c) => candles.push(c));
  return { candles, summary };
}

/**
 * What was read, in one line (then any warnings, one per line): "FILE: 4368 1h candles,
 * 2021-10-01 00:00 → 2022-03-31 23:00 UTC, resampled to 1092 4h candles aligned to UTC".
 */
export function candleFileText(s: CandleFileSummary): string {
  const how: string[] = [];
  if (s.format && s.format !== 'botctl CSV') how.push(s.format);
  if (s.timeUnit && s.timeUnit !== 'ms') how.push(`times read as ${TIME_UNIT_TEXT[s.timeUnit]}`);
  const own = s.dataInterval === undefined ? '' : `${spanText(s.dataInterval)} `;
  let line = `${s.file}${how.length ? ` (${how.join(', ')})` : ''}: ${s.read} ${own}candle${s.read === 1 ? '' : 's'}`;
  if (s.resampled) {
    const r = s.resampled;
    const dropped = [r.partialFirst ? 'first' : '', r.partialLast ? 'last' : ''].filter(Boolean);
    line += `, resampled to ${s.count} ${intervalName(s.interval)} candles aligned to UTC`;
    if (dropped.length) line += ` (partial ${dropped.join(' and ')} candle dropped)`;
    if (r.incomplete) line += `; ${r.incomplete} of them miss some ${spanText(s.dataInterval as number)} candles (gaps in the file)`;
  }
  if (s.first !== undefined && s.last !== undefined) line += `, ${fmt(s.first)} → ${fmt(s.last)} UTC`;
  return [line, ...s.warnings].join('\n');
}

/**
 * Why a candle opening at `start` cannot follow the one at `prev` (on `prevLine`) in a file of
 * `spacing` candles, or undefined when it can (right after it, or after whole missing candles).
 */
export function spacingProblem(prev: number, start: number, prevLine: number, spacing: number | 'M'): string | undefined {
  const gap = start - prev;
  if (spacing === 'M') {
    return isMonthStart(start) ? undefined : `${fmt(start)} is not the start of a month, but the file holds monthly candles (they open on the 1st at 00:00 UTC)`;
  }
  if (gap % spacing === 0) return undefined;
  return gap < spacing
    ? `this candle opens ${spanText(gap)} after the one on line ${prevLine} (${fmt(prev)} → ${fmt(start)} UTC), closer than the file's ${spanText(spacing)} candles; a candle file holds one interval`
    : `this candle opens ${spanText(gap)} after the one on line ${prevLine} (${fmt(prev)} → ${fmt(start)} UTC): not a whole number of the file's ${spanText(spacing)} candles; is a candle shifted, or are two intervals mixed?`;
}

function isMonthStart(t: number): boolean {
  const d = new Date(t);
  return d.getUTCDate() === 1 && t % DAY === 0;
}

function nextMonth(t: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

const num = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: 2 });

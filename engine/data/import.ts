// `botctl data import FILE`: a candle file in whatever format the trader has (csv.ts recognises
// it) becomes botctl's own CSV, oldest first, named after its market and range, with the market
// written in its first line. A newest-first file (saved from Bybit's API) is put in order; the
// same checks as every candle file apply, located at the line of the source file.
import { UserError } from '../cli/exit.ts';
import { isInterval, spanText, type Candle } from '../market/candle.ts';
import { spacingProblem } from '../market/candle-file.ts';
import { CsvError, readCandleCsv, type CsvSummary } from '../market/csv.ts';
import { plausibleRange, symbolOfFile } from '../market/plausible.ts';

const DAY = 86_400_000;

export interface ImportRequest {
  file: string;
  /** The market, when the file does not say (its `# symbol:` line or its name). */
  symbol?: string;
  category?: string;
  allowOtherSymbol?: boolean;
}

export interface ImportedCandles {
  candles: Candle[];
  symbol: string;
  /** How the symbol was known, in the trader's words. */
  symbolFrom: string;
  category: string;
  /** The file's candle length (ms), or 'M' for monthly candles. */
  spacing: number | 'M';
  /** Bybit's code for that length (60, 240, D) when it is one, else the short form (8h). */
  interval: string;
  format: string;
  csv: CsvSummary;
  reversed: boolean;
  gaps: number;
}

export async function importCandles(req: ImportRequest): Promise<ImportedCandles> {
  const { file } = req;
  const rows: [Candle, number][] = [];
  let metaSymbol: string | undefined;
  let metaCategory: string | undefined;
  const csv = await readCandleCsv(file, (c, line) => rows.push([c, line]), {
    anyOrder: true,
    onFormat: (_format, meta) => {
      metaSymbol = meta.symbol;
      metaCategory = meta.category;
    },
  });
  if (rows.length < 2) throw new UserError(`${file}: ${rows.length === 0 ? 'no candles' : 'one candle'} to import; at least two are needed to know their interval`);

  // Oldest first, or newest first (reversed); anything else is a file to fix by hand.
  let reversed = false;
  if (rows.length > 1 && (rows[1] as [Candle, number])[0].start < (rows[0] as [Candle, number])[0].start) {
    rows.reverse();
    reversed = true;
  }
  for (let i = 1; i < rows.length; i++) {
    const [c, line] = rows[i] as [Candle, number];
    const [p, pline] = rows[i - 1] as [Candle, number];
    if (c.start === p.start) throw new CsvError(file, line, 1, `duplicate candle: ${fmt(c.start)} UTC is also on line ${pline}`);
    if (c.start < p.start) {
      throw new CsvError(file, line, 1, `${fmt(c.start)} UTC is out of order (line ${pline} has ${fmt(p.start)}); the file must be sorted by time, oldest or newest first`);
    }
  }

  const found = req.symbol ? { symbol: req.symbol.toUpperCase(), from: '--symbol' } : symbolOfFile(file, metaSymbol);
  if (!found) {
    throw new UserError(`${file}: which market are these candles? Neither a "# symbol:" line nor the file name says; add --symbol BTCUSDT (and --category spot for spot prices)`);
  }
  const first = (rows[0] as [Candle, number])[0];
  const range = req.allowOtherSymbol ? undefined : plausibleRange(found.symbol, first.start);
  if (range && (first.close < range[0] || first.close > range[1])) {
    throw new CsvError(file, (rows[0] as [Candle, number])[1], 1, `the first candle closes at ${first.close} on ${fmt(first.start).slice(0, 10)}, far from where ${found.symbol} traded that year: ` +
      `are these ${found.symbol} candles (${found.from})? Give the right --symbol, or add --allow-other-symbol`);
  }

  // The file's candle length: its closest spacing; every other spacing a whole number of it.
  let min = Infinity;
  for (let i = 1; i < rows.length; i++) min = Math.min(min, (rows[i] as [Candle, number])[0].start - (rows[i - 1] as [Candle, number])[0].start);
  const spacing: number | 'M' = min >= 28 * DAY ? 'M' : min;
  let gaps = 0;
  for (let i = 1; i < rows.length; i++) {
    const [c, line] = rows[i] as [Candle, number];
    const [p, pline] = rows[i - 1] as [Candle, number];
    const problem = spacingProblem(p.start, c.start, pline, spacing);
    if (problem) throw new CsvError(file, line, 1, problem);
    if (spacing !== 'M' && c.start - p.start > spacing) gaps++;
  }
  const text = spanText(spacing);
  const code = spacing === 'M' ? 'M' : spacing === DAY ? 'D' : spacing === 7 * DAY ? 'W' : String(spacing / 60_000);
  return {
    candles: rows.map(([c]) => c),
    symbol: found.symbol,
    symbolFrom: found.from,
    category: req.category ?? metaCategory ?? 'linear',
    spacing,
    interval: isInterval(code) ? code : text,
    format: csv.format,
    csv,
    reversed,
    gaps,
  };
}

const fmt = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

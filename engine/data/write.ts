// Candle files botctl writes (`botctl data download --out`, `botctl data import`): its own CSV,
// with a first comment line saying which market the candles are, so the wrong-market guard can
// read it back whatever the file is renamed to.
import type { Candle } from '../market/candle.ts';
import { CSV_HEADER } from '../market/csv.ts';
import { OutputFile } from '../cli/output-path.ts';

export interface CandleFileMeta {
  symbol: string;
  category: string;
  /** Bybit's code (60, 240, D) when the data has a Bybit interval, else the short form (8h). */
  interval: string;
  /** Where the candles came from, one word or path (no spaces). */
  source: string;
}

/** The bundled data's naming: SYMBOL-INTERVAL-FIRSTMONTH_LASTMONTH.csv (BTCUSDT-1h-2021-10_2022-03.csv). */
export function candleFileName(symbol: string, intervalText: string, first: number, last: number): string {
  const month = (ms: number): string => new Date(ms).toISOString().slice(0, 7);
  return `${symbol}-${intervalText}-${month(first)}_${month(last)}.csv`;
}

/** Writes candles as botctl CSV, whole or not at all; `flag` names the option in error messages. */
export class CandleCsvWriter {
  private readonly out: OutputFile;
  private lines: string[] = [];
  count = 0;

  constructor(flag: string, readonly file: string, meta: CandleFileMeta) {
    this.out = new OutputFile(flag, file);
    this.out.write(`# botctl candles: symbol=${meta.symbol} category=${meta.category} interval=${meta.interval} source=${meta.source.replace(/\s+/g, '_')}\n${CSV_HEADER}\n`);
  }

  add = (c: Candle): void => {
    this.lines.push(`${c.start},${c.open},${c.high},${c.low},${c.close},${c.volume}`);
    this.count++;
    if (this.lines.length >= 10_000) this.flush();
  };

  private flush(): void {
    if (this.lines.length) this.out.write(`${this.lines.join('\n')}\n`);
    this.lines = [];
  }

  commit(): void {
    this.flush();
    this.out.commit();
  }

  abandon(): void {
    this.out.abandon();
  }
}

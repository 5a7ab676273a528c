// A CSV file replayed as if it were the live kline stream: the first candles asked for as history
// are the "past", the rest arrive one by one, each handled before the next (optionally paced to
// N candles per second, otherwise as fast as the runner takes them).
import type { Candle, Interval } from '../../market/candle.ts';
import type { InstrumentRules } from '../../market/instrument.ts';
import { loadCandleFile, type CandleFileSummary } from '../../market/candle-file.ts';
import { UserError } from '../../cli/exit.ts';
import type { Unsubscribe } from '../venue.ts';
import type { CandleSource } from './source.ts';

export interface CsvSourceOptions {
  file: string;
  rules: InstrumentRules;
  /** The bot's market: the file gets the same checks (and resampling) as in a backtest. */
  market: { symbol: string; interval: Interval };
  bot?: string;
  allowOtherSymbol?: boolean;
  /** Candles per second; undefined or 0: as fast as possible. */
  speed?: number;
}

export class CsvCandleSource implements CandleSource {
  private candles: Candle[] = [];
  private cursor = 0;
  private stopped = false;
  private resolveFinished: () => void = () => {};
  readonly finished: Promise<void>;
  /** Candles delivered through the subscription (not the history). */
  delivered = 0;
  /** What the file held and how it was read, once started. */
  summary: CandleFileSummary | undefined;

  constructor(private readonly opts: CsvSourceOptions) {
    this.finished = new Promise((r) => (this.resolveFinished = r));
  }

  async start(): Promise<void> {
    if (this.candles.length) return;
    const o = this.opts;
    const { candles, summary } = await loadCandleFile({ file: o.file, market: o.market, ...(o.bot ? { bot: o.bot } : {}), allowOtherSymbol: Boolean(o.allowOtherSymbol) });
    if (candles.length === 0) throw new UserError(`${o.file}: no candles to replay`);
    this.candles = candles;
    this.summary = summary;
  }

  get total(): number {
    return this.candles.length;
  }

  async instrument(): Promise<InstrumentRules> {
    return this.opts.rules;
  }

  async closedCandles(fromMs: number, toMs: number): Promise<Candle[]> {
    return this.candles.slice(0, Math.max(this.cursor, 0)).filter((c) => c.start >= fromMs && c.start <= toMs);
  }

  /** The replay's "past": the first `count` candles of the file. Later calls return the same window end. */
  async recentClosedCandles(count: number): Promise<Candle[]> {
    if (this.cursor === 0) this.cursor = Math.min(count, this.candles.length);
    return this.candles.slice(Math.max(0, this.cursor - count), this.cursor);
  }

  async subscribeCandles(onClosedCandle: (candle: Candle) => void | Promise<void>, afterStart?: number): Promise<Unsubscribe> {
    const gapMs = this.opts.speed ? 1000 / this.opts.speed : 0;
    const play = async () => {
      try {
        await this.replay(onClosedCandle, gapMs, afterStart);
      } finally {
        this.resolveFinished();
      }
    };
    void play().catch(() => {});
    return () => {
      this.stopped = true;
    };
  }

  private async replay(onClosedCandle: (candle: Candle) => void | Promise<void>, gapMs: number, afterStart: number | undefined): Promise<void> {
      for (let i = this.cursor; i < this.candles.length && !this.stopped; i++) {
        const c = this.candles[i] as Candle;
        this.cursor = i + 1;
        if (afterStart !== undefined && c.start <= afterStart) continue;
        // Yield between candles even at full speed, so signals, timers and I/O keep running.
        await new Promise<void>((r) => (gapMs > 0 ? setTimeout(r, gapMs) : setImmediate(r)));
        if (this.stopped) break;
        this.delivered++;
        await onClosedCandle(c);
      }
  }

  async close(): Promise<void> {
    this.stopped = true;
  }
}

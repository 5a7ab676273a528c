// Where a simulated venue gets its closed candles: live public Bybit klines (paper trading; the
// Bybit venue without keys fits this shape) or a CSV file replayed at a chosen speed.
import type { Candle } from '../../market/candle.ts';
import type { InstrumentRules } from '../../market/instrument.ts';
import type { Unsubscribe } from '../venue.ts';

export interface CandleSource {
  start(): Promise<void>;
  instrument(): Promise<InstrumentRules>;
  closedCandles(fromMs: number, toMs: number): Promise<Candle[]>;
  recentClosedCandles(count: number): Promise<Candle[]>;
  /** Same contract as Venue.subscribeCandles: each closed candle once, in order, handler awaited. */
  subscribeCandles(onClosedCandle: (candle: Candle) => void | Promise<void>, afterStart?: number): Promise<Unsubscribe>;
  close(): Promise<void>;
  /** Finite sources (replays): resolves once the last candle has been delivered and handled. */
  readonly finished?: Promise<void>;
}

// Bounded memories of the whole run for reports: however long the history, the equity curve and
// the chart candles stay under a fixed number of points. When a buffer fills, neighbours merge
// pairwise and the stride doubles, so the points stay evenly spread over the run.
import type { Decimal } from 'decimal.js';
import type { Candle } from '../market/candle.ts';

export interface EquityPoint {
  time: number;
  equity: Decimal;
  /** Percent below the running peak at this point (float, for charts). */
  drawdownPercent: number;
}

export class EquitySampler {
  readonly points: EquityPoint[] = [];
  private stride = 1;
  private n = 0;

  /** `cap` is the most points kept (the buffer halves when it reaches it). */
  constructor(private readonly cap = 4000) {}

  /** True when the next `add` would be kept: lets the caller skip computing an exact equity. */
  wants(): boolean {
    return this.n % this.stride === 0;
  }

  /** Call once per bar; `point` is only evaluated when the bar is sampled. */
  tick(point: () => EquityPoint): void {
    if (this.n % this.stride === 0) {
      this.points.push(point());
      if (this.points.length >= this.cap) {
        let j = 0;
        for (let i = 0; i < this.points.length; i += 2) this.points[j++] = this.points[i] as EquityPoint;
        this.points.length = j;
        this.stride *= 2;
      }
    }
    this.n++;
  }
}

/** OHLC candles merged into buckets of 1, 2, 4 … bars, at most `cap` of them. */
export class CandleAggregator {
  readonly candles: Candle[] = [];
  private bucket = 1;
  private inBucket = 0;

  constructor(private readonly cap = 6000) {}

  add(c: Candle): void {
    const arr = this.candles;
    const last = arr[arr.length - 1];
    if (last !== undefined && this.inBucket < this.bucket) {
      if (c.high > last.high) last.high = c.high;
      if (c.low < last.low) last.low = c.low;
      last.close = c.close;
      last.volume += c.volume;
      this.inBucket++;
      return;
    }
    arr.push({ start: c.start, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume });
    this.inBucket = 1;
    if (arr.length >= this.cap) {
      let j = 0;
      for (let i = 0; i < arr.length; i += 2) {
        const a = arr[i] as Candle;
        const b = arr[i + 1];
        if (b !== undefined) {
          a.high = Math.max(a.high, b.high);
          a.low = Math.min(a.low, b.low);
          a.close = b.close;
          a.volume += b.volume;
        }
        arr[j++] = a;
      }
      const oldBucket = this.bucket;
      const pairedLast = arr.length % 2 === 0;
      arr.length = j;
      this.bucket *= 2;
      // The newest candle held 1 bar: merged with a full neighbour it holds oldBucket + 1 bars.
      this.inBucket = pairedLast ? oldBucket + 1 : 1;
    }
  }

  /** Bars per chart candle at the end of the run. */
  get barsPerCandle(): number {
    return this.bucket;
  }
}

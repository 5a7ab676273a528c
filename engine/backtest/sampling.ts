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
  /** The close at this point, for the buy-and-hold line (unknown in journals). */
  price?: number;
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

/**
 * OHLC candles merged into buckets of 1, 2, 4 … bars, at most `cap` of them; with `lines`, the
 * indicator values at each chart candle's last bar ride along.
 */
export class CandleAggregator {
  readonly candles: Candle[] = [];
  /** Per chart candle, the indicator values (NaN: na) at its last bar. */
  private readonly values: Float64Array[] = [];
  private bucket = 1;
  private inBucket = 0;

  constructor(private readonly cap = 6000, private readonly lineCount = 0) {}

  add(c: Candle, values?: ArrayLike<number>): void {
    const arr = this.candles;
    const last = arr[arr.length - 1];
    if (last !== undefined && this.inBucket < this.bucket) {
      if (c.high > last.high) last.high = c.high;
      if (c.low < last.low) last.low = c.low;
      last.close = c.close;
      last.volume += c.volume;
      if (values) (this.values[this.values.length - 1] as Float64Array).set(values);
      this.inBucket++;
      return;
    }
    arr.push({ start: c.start, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume });
    if (this.lineCount) this.values.push(values ? Float64Array.from(values) : new Float64Array(this.lineCount).fill(NaN));
    this.inBucket = 1;
    if (arr.length >= this.cap) {
      const vals = this.values;
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
        if (vals.length) vals[j] = (vals[i + 1] ?? vals[i]) as Float64Array;
        arr[j++] = a;
      }
      if (vals.length) vals.length = j;
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

  /** The indicator lines, one value per chart candle (null: na). */
  lines(labels: readonly string[]): { label: string; values: (number | null)[] }[] {
    return labels.map((label, k) => ({ label, values: this.values.map((v) => (Number.isFinite(v[k]) ? (v[k] as number) : null)) }));
  }
}

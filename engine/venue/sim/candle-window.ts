// The newest candles of a replay, kept for history questions (a backfill after a gap, the
// preload): their numbers in a ring, not the Candle objects. Kept as objects for a thousand candles
// each, every candle of a long replay outlived the garbage collector's young generation and was
// promoted, then collected in old space: memory climbed in a sawtooth and collections cost time.
// Candle objects are made again only when asked for (rarely).
import type { Candle } from '../../market/candle.ts';

const FIELDS = 6;

export class CandleWindow {
  private data: Float64Array;
  /** Index of the oldest candle held. */
  private first = 0;
  private count = 0;
  /** Start of the newest candle pushed out (questions reaching it cannot be answered), or -Infinity. */
  forgotten = -Infinity;

  constructor(private capacity: number) {
    this.data = new Float64Array(capacity * FIELDS);
  }

  get size(): number {
    return this.count;
  }

  get limit(): number {
    return this.capacity;
  }

  /** Keeps at least `capacity` candles from now on (those already pushed out stay forgotten). */
  grow(capacity: number): void {
    if (capacity <= this.capacity) return;
    const data = new Float64Array(capacity * FIELDS);
    for (let i = 0; i < this.count; i++) data.set(this.slot(i), i * FIELDS);
    this.data = data;
    this.capacity = capacity;
    this.first = 0;
  }

  push(c: Candle): void {
    if (this.count === this.capacity) {
      this.forgotten = this.data[this.first * FIELDS] as number;
      this.first = (this.first + 1) % this.capacity;
      this.count--;
    }
    const at = ((this.first + this.count) % this.capacity) * FIELDS;
    const d = this.data;
    d[at] = c.start;
    d[at + 1] = c.open;
    d[at + 2] = c.high;
    d[at + 3] = c.low;
    d[at + 4] = c.close;
    d[at + 5] = c.volume;
    this.count++;
  }

  /** Candles held that start in [fromMs, toMs], oldest first. */
  between(fromMs: number, toMs: number): Candle[] {
    const out: Candle[] = [];
    for (let i = 0; i < this.count; i++) {
      const start = this.slot(i)[0] as number;
      if (start >= fromMs && start <= toMs) out.push(this.candle(i));
    }
    return out;
  }

  /** The newest `n` candles held, oldest first. */
  newest(n: number): Candle[] {
    const out: Candle[] = [];
    for (let i = Math.max(0, this.count - n); i < this.count; i++) out.push(this.candle(i));
    return out;
  }

  private slot(i: number): Float64Array {
    const at = ((this.first + i) % this.capacity) * FIELDS;
    return this.data.subarray(at, at + FIELDS);
  }

  private candle(i: number): Candle {
    const d = this.slot(i);
    return { start: d[0] as number, open: d[1] as number, high: d[2] as number, low: d[3] as number, close: d[4] as number, volume: d[5] as number };
  }
}

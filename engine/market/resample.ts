// Candles of a finer interval merged into the bot's: 1-hour data for a 4-hour bot, 1-minute data
// for a 15-minute bot. Buckets are aligned to UTC the way Bybit's candles are: every interval up
// to a day on multiples of its length since 1970-01-01 (so 4h candles start at 00:00, 04:00 …),
// weeks on Mondays, months on the 1st. A bucket is emitted once the next one starts; the first
// and the last bucket are dropped when the data does not cover them completely (a 4h candle made
// of its last two hours would open at the wrong price). Buckets inside the data that miss some
// source candles (a gap in the file) are kept and counted.
import { intervalMs, type Candle, type Interval } from './candle.ts';

const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** 1970-01-05, the first Monday: weekly candles start on Mondays 00:00 UTC. */
const MONDAY = 4 * DAY;

export interface ResampleCounts {
  /** Candles emitted. */
  emitted: number;
  /** The first bucket started before the data: dropped. */
  partialFirst: boolean;
  /** The data ended inside the last bucket: dropped. */
  partialLast: boolean;
  /** Emitted candles built from fewer source candles than their length holds (gaps in the data). */
  incomplete: number;
}

export class Resampler {
  readonly counts: ResampleCounts = { emitted: 0, partialFirst: false, partialLast: false, incomplete: 0 };
  private key = NaN;
  private end = NaN;
  private n = 0;
  private cur: Candle | undefined;
  private lastSourceEnd = NaN;

  /** `sourceMs`: the data's candle length (it divides the bot's interval). */
  constructor(private readonly interval: Interval, private readonly sourceMs: number, private readonly emit: (c: Candle) => void) {}

  /** Start and end (exclusive) of the bucket holding `t`. */
  private bucket(t: number): [number, number] {
    if (this.interval === 'M') {
      const d = new Date(t);
      return [Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)];
    }
    if (this.interval === 'W') {
      const s = Math.floor((t - MONDAY) / WEEK) * WEEK + MONDAY;
      return [s, s + WEEK];
    }
    const len = intervalMs(this.interval);
    const s = Math.floor(t / len) * len;
    return [s, s + len];
  }

  push(c: Candle): void {
    if (c.start < this.skipUntil) return; // the rest of a first bucket the data did not start with
    const cur = this.cur;
    if (cur !== undefined && c.start < this.end) {
      if (c.high > cur.high) cur.high = c.high;
      if (c.low < cur.low) cur.low = c.low;
      cur.close = c.close;
      cur.volume += c.volume;
      this.n++;
      this.lastSourceEnd = c.start + this.sourceMs;
      return;
    }
    if (cur !== undefined) this.close();
    const [s, e] = this.bucket(c.start);
    if (!this.started) {
      this.started = true;
      // The very first bucket must start with the data, or its open is not the candle's open.
      if (c.start !== s) {
        this.counts.partialFirst = true;
        this.skipUntil = e;
        return;
      }
    }
    this.key = s;
    this.end = e;
    this.n = 1;
    this.cur = { start: s, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume };
    this.lastSourceEnd = c.start + this.sourceMs;
  }

  private started = false;
  private skipUntil = -Infinity;

  private close(): void {
    const cur = this.cur as Candle;
    if (this.n * this.sourceMs < this.end - this.key) this.counts.incomplete++;
    this.counts.emitted++;
    this.emit(cur);
    this.cur = undefined;
  }

  /** Ends the stream: the last bucket is emitted only if the data reached its end. */
  finish(): void {
    if (this.cur === undefined) return;
    if (this.lastSourceEnd < this.end) {
      this.counts.partialLast = true;
      this.cur = undefined;
      return;
    }
    this.close();
  }
}

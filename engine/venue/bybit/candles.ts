// Closed-candle history over REST and the ordering rules of the live kline stream: each closed
// candle is delivered exactly once, in order; a gap (missed pushes, a reconnect) is filled from
// REST before anything newer is delivered.
import { intervalMs, type Candle, type Interval } from '../../market/candle.ts';
import { MalformedError, parseKlineRow } from './parse.ts';

/** Bybit returns at most this many candles per kline request. */
export const KLINE_PAGE = 1000;
const DAY = 86_400_000;

/** Start of the candle after the one starting at `start` (months are calendar months). */
export function nextStart(start: number, interval: Interval): number {
  if (interval !== 'M') return start + intervalMs(interval);
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** Shortest possible candle, so a window of KLINE_PAGE - 1 steps never holds more than a page. */
function minStepMs(interval: Interval): number {
  return interval === 'M' ? 28 * DAY : intervalMs(interval);
}

export type FetchKlines = (start: number, end: number, limit: number) => Promise<unknown[]>;

export interface HistoryResult {
  candles: Candle[];
  /** Rows skipped because they didn't parse. */
  malformed: number;
}

/**
 * Closed candles with start in [fromMs, toMs], oldest first, no duplicates. Requests explicit
 * windows that hold at most one page each, so the result never depends on which rows Bybit
 * keeps when a range holds more than `limit` (undocumented, reference §3.1).
 */
export async function fetchClosedCandles(
  fetch: FetchKlines,
  interval: Interval,
  fromMs: number,
  toMs: number,
  serverNow: number,
): Promise<HistoryResult> {
  const byStart = new Map<number, Candle>();
  let malformed = 0;
  const span = (KLINE_PAGE - 1) * minStepMs(interval);
  for (let start = Math.max(0, fromMs); start <= toMs; start += span + 1) {
    const end = Math.min(toMs, start + span);
    const rows = await fetch(start, end, KLINE_PAGE);
    for (const row of rows) {
      let c: Candle;
      try {
        c = parseKlineRow(row);
      } catch (e) {
        if (e instanceof MalformedError) { malformed++; continue; }
        throw e;
      }
      // The newest row is the candle still forming: it isn't closed until the next one starts.
      if (c.start < start || c.start > end || nextStart(c.start, interval) > serverNow) continue;
      byStart.set(c.start, c);
    }
  }
  const candles = [...byStart.values()].sort((a, b) => a.start - b.start);
  return { candles, malformed };
}

/** How far back to look for the newest `count` closed candles, with slack for the open one. */
export function lookbackMs(interval: Interval, count: number): number {
  const step = interval === 'M' ? 31 * DAY : intervalMs(interval);
  return (count + 2) * step;
}

/**
 * Serialises stream pushes and backfills so candles reach the handler one at a time, in start
 * order, each once. `lastStart` is the newest candle delivered (or already known to the caller).
 */
export class CandleSequencer {
  private queue: Promise<void> = Promise.resolve();
  duplicates = 0;
  backfilled = 0;

  constructor(
    private lastStart: number,
    private readonly interval: Interval,
    private readonly backfill: (fromMs: number, toMs: number) => Promise<Candle[]>,
    private readonly deliver: (c: Candle) => void | Promise<void>,
    private readonly onError: (e: unknown) => void,
    /** History still lacks candles before a pushed one after a second look: report and move on. */
    private readonly onHole: (fromMs: number, toMs: number) => void = () => {},
    private readonly holeRetryMs = 1000,
  ) {}

  get last(): number {
    return this.lastStart;
  }

  /** A confirmed candle from the stream. */
  pushed(c: Candle): void {
    this.enqueue(async () => {
      if (c.start <= this.lastStart) {
        this.duplicates++;
        return;
      }
      if (c.start > nextStart(this.lastStart, this.interval)) {
        await this.fill(c.start - 1);
        if (c.start > nextStart(this.lastStart, this.interval)) {
          // REST can lag the stream by a moment; look once more before declaring a hole, so a
          // slow history never stalls the live stream.
          await new Promise((r) => setTimeout(r, this.holeRetryMs));
          await this.fill(c.start - 1);
          if (c.start > nextStart(this.lastStart, this.interval)) this.onHole(nextStart(this.lastStart, this.interval), c.start - 1);
        }
      }
      if (c.start > this.lastStart) await this.emit(c);
    });
  }

  /** After a reconnect, or whenever the stream may have missed something: fetch up to now. */
  catchUp(toMs: number): Promise<void> {
    return this.enqueue(() => this.fill(toMs));
  }

  /** Resolves when everything queued so far has been handled. */
  idle(): Promise<void> {
    return this.queue;
  }

  private async fill(toMs: number): Promise<void> {
    const from = nextStart(this.lastStart, this.interval);
    if (from > toMs) return;
    const missing = await this.backfill(from, toMs);
    for (const c of missing) {
      if (c.start <= this.lastStart) continue;
      this.backfilled++;
      await this.emit(c);
    }
  }

  private async emit(c: Candle): Promise<void> {
    this.lastStart = c.start;
    await this.deliver(c);
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const run = this.queue.then(job).catch((e: unknown) => this.onError(e));
    this.queue = run;
    return run;
  }
}

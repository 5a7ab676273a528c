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

export interface SequencerHooks {
  /** Closed candles with start in [fromMs, toMs] from REST. */
  backfill(fromMs: number, toMs: number): Promise<Candle[]>;
  deliver(c: Candle): void | Promise<void>;
  onError(e: unknown): void;
  /** History still lacks candles before a pushed one after a second look: report and move on. */
  onHole?(fromMs: number, toMs: number): void;
  /** A backfill failed and is tried again (`attempt` from 1) within the candle. */
  onRetry?(e: unknown, attempt: number, delayMs: number): void;
  /** The stream moved on without confirming the candle that starts at `start`. */
  onUnconfirmed?(start: number, from: 'history' | 'stream'): void;
  /** First delay before looking at history again (doubles per retry). */
  retryMs: number;
  /** How long a backfill is retried before the pushed candle is decided without the missing ones. */
  retryWindowMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Serialises stream pushes and backfills so candles reach the handler one at a time, in start
 * order, each once. `lastStart` is the newest candle delivered (or already known to the caller).
 *
 * On time: a candle that reveals a gap waits for the backfill, retried within the candle (a REST
 * hiccup must not push the decision to the next candle), and is decided once the missing ones are
 * in or the retry window has passed. A candle the stream never confirmed is closed as soon as the
 * stream shows the next one: from history when it has it, else from the stream's last picture.
 */
export class CandleSequencer {
  private queue: Promise<void> = Promise.resolve();
  duplicates = 0;
  backfilled = 0;
  /** Candles closed without a confirm frame (from history or from the stream's last update). */
  unconfirmed = 0;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** The newest in-progress update, per candle start: the fallback for a candle never confirmed. */
  private forming: Candle | undefined;
  private closing = -1;

  constructor(
    private lastStart: number,
    private readonly interval: Interval,
    private readonly h: SequencerHooks,
  ) {
    this.now = h.now ?? Date.now;
    this.sleep = h.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

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
      await this.fillBefore(c.start);
      if (c.start > this.lastStart) await this.emit(c);
    });
  }

  /**
   * An in-progress update. When it belongs to a later candle than the one expected next, the
   * stream has moved on: the expected candle (and any before it) closed without its confirm frame.
   */
  updated(c: Candle): void {
    const expected = nextStart(this.lastStart, this.interval);
    if (c.start <= expected) {
      if (c.start === expected) this.forming = c;
      return;
    }
    if (this.closing >= c.start) return;
    this.closing = c.start;
    const last = this.forming;
    this.enqueue(async () => {
      const want = nextStart(this.lastStart, this.interval);
      if (want >= c.start) return; // confirmed meanwhile
      await this.fillBefore(c.start, last);
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

  /**
   * Everything before `start` from history, retried within the window; `streamCopy`: the stream's
   * last picture of the candle just before, used when history does not have it yet.
   */
  private async fillBefore(start: number, streamCopy?: Candle): Promise<void> {
    if (start <= nextStart(this.lastStart, this.interval)) return;
    const deadline = this.now() + this.h.retryWindowMs;
    for (let attempt = 1, delay = this.h.retryMs; ; attempt++, delay *= 2) {
      try {
        await this.fill(start - 1, streamCopy ? 'history' : undefined);
        break;
      } catch (e) {
        if (this.now() + delay > deadline) {
          this.h.onError(e);
          break;
        }
        this.h.onRetry?.(e, attempt, delay);
        await this.sleep(delay);
      }
    }
    if (start > nextStart(this.lastStart, this.interval) && streamCopy && streamCopy.start === nextStart(this.lastStart, this.interval)) {
      // History lags the stream: the stream's last update is the closed candle's best picture.
      this.unconfirmed++;
      this.h.onUnconfirmed?.(streamCopy.start, 'stream');
      await this.emit(streamCopy);
    }
    if (start > nextStart(this.lastStart, this.interval) && !streamCopy) {
      // REST can lag the stream by a moment; look once more before declaring a hole, so a
      // slow history never stalls the live stream.
      await this.sleep(this.h.retryMs);
      await this.fill(start - 1).catch((e: unknown) => this.h.onError(e));
      if (start > nextStart(this.lastStart, this.interval)) this.h.onHole?.(nextStart(this.lastStart, this.interval), start - 1);
    }
  }

  private async fill(toMs: number, note?: 'history'): Promise<void> {
    const from = nextStart(this.lastStart, this.interval);
    if (from > toMs) return;
    const missing = await this.h.backfill(from, toMs);
    for (const c of missing) {
      if (c.start <= this.lastStart) continue;
      if (note) {
        this.unconfirmed++;
        this.h.onUnconfirmed?.(c.start, note);
      } else this.backfilled++;
      await this.emit(c);
    }
  }

  private async emit(c: Candle): Promise<void> {
    this.lastStart = c.start;
    if (this.forming !== undefined && this.forming.start <= c.start) this.forming = undefined;
    await this.h.deliver(c);
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const run = this.queue.then(job).catch((e: unknown) => this.h.onError(e));
    this.queue = run;
    return run;
  }
}

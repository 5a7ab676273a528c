// A CSV file replayed as if it were the live kline stream: the first candles asked for as history
// are the "past", the rest arrive one by one, each handled before the next (optionally paced to
// N candles per second, otherwise as fast as the runner takes them).
//
// The file is read twice and never held whole. `start()` reads it through once with the checks
// every command makes (candle-file.ts), so a bad line at its end is refused before a single candle
// is decided; the replay then streams it again, one chunk at a time: the reader waits until the
// runner has taken a chunk's candles before it reads the next (backpressure). In memory: at most
// one chunk's candles, and the newest `window` candles for history questions.
import type { Candle, Interval } from '../../market/candle.ts';
import type { InstrumentRules } from '../../market/instrument.ts';
import { readCandleFile, type CandleFileRequest, type CandleFileSummary } from '../../market/candle-file.ts';
import { UserError } from '../../cli/exit.ts';
import { VenueError } from '../errors.ts';
import type { Unsubscribe } from '../venue.ts';
import type { CandleSource } from './source.ts';
import { CandleWindow } from './candle-window.ts';

export interface CsvSourceOptions {
  file: string;
  rules: InstrumentRules;
  /** The bot's market: the file gets the same checks (and resampling) as in a backtest. */
  market: { symbol: string; interval: Interval };
  bot?: string;
  allowOtherSymbol?: boolean;
  /** Candles per second; undefined or 0: as fast as possible. */
  speed?: number;
  /** Ends the check of the file (pass one) between two chunks: Ctrl-C while a long file is checked. */
  abort?: AbortSignal;
}

/** Delivered candles kept for history questions, at least (more when more history is asked for). */
const MIN_WINDOW = 1000;

/** The replay pass reads the file 64 KB (about 1,400 one-minute candles) at a time: see CsvOptions.chunkBytes. */
const REPLAY_CHUNK_BYTES = 64 * 1024;

/** Ends the second read when the replay stops before the end of the file. */
class ReplayStopped extends Error {}

/** The check of the file was ended by `abort` (Ctrl-C): nothing was replayed. */
export class ReplayCheckAborted extends Error {
  constructor(readonly file: string) {
    super(`stopped while checking ${file}: nothing was replayed`);
    this.name = 'ReplayCheckAborted';
  }
}

export class CsvCandleSource implements CandleSource {
  private stopped = false;
  private resolveFinished: () => void = () => {};
  private rejectFinished: (e: unknown) => void = () => {};
  /** Resolves once the last candle was handled; rejects if the file could not be read to its end. */
  readonly finished: Promise<void>;
  /** Candles delivered through the subscription (not the history). */
  delivered = 0;
  /** What the file held and how it was read, once started. */
  summary: CandleFileSummary | undefined;

  /** Candles of the chunk read last; those before `head` are taken. */
  private chunk: Candle[] = [];
  private head = 0;
  /** The newest candles taken (history and delivered), at least MIN_WINDOW and as many as history asked for. */
  private readonly recent = new CandleWindow(MIN_WINDOW);
  /** Candles taken from the file so far (history included). */
  private taken = 0;

  private reading = false;
  private readDone = false;
  private readError: unknown;
  /** The reader waits on this after each chunk until the replay has taken its candles. */
  private resumeReader: (() => void) | undefined;
  /** The replay waits on this for the next chunk (or the end of the file). */
  private chunkArrived: (() => void) | undefined;

  constructor(private readonly opts: CsvSourceOptions) {
    this.finished = new Promise((resolve, reject) => {
      this.resolveFinished = resolve;
      this.rejectFinished = reject;
    });
    this.finished.catch(() => {}); // told to whoever waits for the end; never an unhandled rejection
  }

  /** The whole file checked (pass one); nothing is kept but its summary. */
  async start(): Promise<void> {
    if (this.summary) return;
    const abort = this.opts.abort;
    const afterChunk = abort ? () => {
      if (abort.aborted) throw new ReplayCheckAborted(this.opts.file);
      return undefined;
    } : undefined;
    if (abort?.aborted) throw new ReplayCheckAborted(this.opts.file);
    const summary = await readCandleFile({ ...this.request(), ...(afterChunk ? { afterChunk } : {}) }, () => {});
    if (summary.count === 0) throw new UserError(`${this.opts.file}: no candles to replay`);
    this.summary = summary;
  }

  /** Candles the file delivers in the bot's interval (known once started). */
  get total(): number {
    return this.summary?.count ?? 0;
  }

  /** Candles held in memory now: the current chunk and the kept window (tests: memory does not grow with the file). */
  get held(): number {
    return this.chunk.length + this.recent.size;
  }

  async instrument(): Promise<InstrumentRules> {
    return this.opts.rules;
  }

  /** Candles already replayed in [fromMs, toMs], from the kept window. */
  async closedCandles(fromMs: number, toMs: number): Promise<Candle[]> {
    if (fromMs <= this.recent.forgotten) {
      throw new VenueError(`a replay keeps only its newest ${this.recent.limit} candles; candles from ${new Date(fromMs).toISOString()} are no longer held`);
    }
    return this.recent.between(fromMs, toMs);
  }

  /** The replay's "past": the first `count` candles of the file. Later calls return the newest `count` replayed. */
  async recentClosedCandles(count: number): Promise<Candle[]> {
    this.recent.grow(count);
    if (this.taken === 0) {
      while (this.taken < count) {
        const c = await this.next();
        if (c === undefined) break;
      }
    }
    return this.recent.newest(count);
  }

  async subscribeCandles(onClosedCandle: (candle: Candle) => void | Promise<void>, afterStart?: number): Promise<Unsubscribe> {
    const gapMs = this.opts.speed ? 1000 / this.opts.speed : 0;
    this.replay(onClosedCandle, gapMs, afterStart).then(this.resolveFinished, this.rejectFinished);
    return () => {
      this.stop();
    };
  }

  async close(): Promise<void> {
    this.stop();
  }

  private stop(): void {
    this.stopped = true;
    this.wakeReader(); // it sees `stopped` and ends, closing the file
  }

  private async replay(onClosedCandle: (candle: Candle) => void | Promise<void>, gapMs: number, afterStart: number | undefined): Promise<void> {
    while (!this.stopped) {
      // Within a chunk the candles go one after another without a turn of the event loop (a
      // turn per candle cost more than the runner); each chunk's read is one, so signals and
      // timers are served every few thousand candles.
      const c = this.head < this.chunk.length ? this.take() : await this.next();
      if (c === undefined) break;
      if (afterStart !== undefined && c.start <= afterStart) continue;
      if (gapMs > 0) await new Promise<void>((r) => setTimeout(r, gapMs));
      if (this.stopped) break;
      this.delivered++;
      // A candle the runner handled there and then returns nothing: no await, no microtask turn.
      const handled = onClosedCandle(c);
      if (handled !== undefined) await handled;
    }
  }

  /** The next candle of the file, waiting for the reader when the chunk is used up; undefined at its end. */
  private async next(): Promise<Candle | undefined> {
    while (this.head >= this.chunk.length) {
      if (this.readDone) {
        if (this.readError !== undefined) throw this.readError;
        return undefined;
      }
      this.chunk = [];
      this.head = 0;
      const arrived = new Promise<void>((r) => (this.chunkArrived = r));
      if (!this.reading) this.read();
      else this.wakeReader();
      await arrived;
    }
    return this.take();
  }

  private take(): Candle {
    const c = this.chunk[this.head++] as Candle;
    this.taken++;
    this.recent.push(c);
    return c;
  }

  /**
   * Pass two: the file read again, a chunk at a time, as the replay takes the candles. It was
   * checked whole by start(); if it changed since (a file still being written), the replay is told
   * rather than given other candles than the ones checked.
   */
  private read(): void {
    this.reading = true;
    const s = this.summary as CandleFileSummary;
    let got = 0;
    let last = NaN;
    const afterChunk = (): Promise<void> | undefined => {
      if (this.stopped) throw new ReplayStopped();
      if (this.chunk.length === 0) return undefined; // nothing whole yet (resampling): read on
      this.chunkReady();
      return new Promise<void>((r) => (this.resumeReader = r)).then(() => {
        if (this.stopped) throw new ReplayStopped();
      });
    };
    readCandleFile({ ...this.request(), afterChunk, chunkBytes: REPLAY_CHUNK_BYTES }, (c) => {
      if (got++ >= s.count) return;
      last = c.start;
      this.chunk.push(c);
    }).then(
      () => {
        if (got !== s.count || last !== s.last) {
          this.readError = new UserError(`${this.opts.file} changed while it was being replayed (${s.count} candles when checked, ${got} now); replay a file that is no longer being written`);
        }
      },
      (e: unknown) => {
        if (!(e instanceof ReplayStopped)) this.readError = e;
      },
    ).finally(() => {
      this.readDone = true;
      this.chunkReady();
    });
  }

  private chunkReady(): void {
    const arrived = this.chunkArrived;
    this.chunkArrived = undefined;
    arrived?.();
  }

  private wakeReader(): void {
    const resume = this.resumeReader;
    this.resumeReader = undefined;
    resume?.();
  }

  private request(): CandleFileRequest {
    const o = this.opts;
    return { file: o.file, market: o.market, ...(o.bot ? { bot: o.bot } : {}), allowOtherSymbol: Boolean(o.allowOtherSymbol) };
  }
}

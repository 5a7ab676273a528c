// Test wiring: a fake Bybit plus a BybitVenue pointed at it with short timers, so failure paths
// (timeouts, reconnects, backoff) run in milliseconds.
import { Writable } from 'node:stream';
import { Decimal } from 'decimal.js';
import type { Candle } from '../../engine/market/candle.ts';
import { createLogger } from '../../engine/log/index.ts';
import { BybitVenue, type BybitVenueOptions } from '../../engine/venue/bybit/index.ts';
import type { VenueEvent } from '../../engine/venue/venue.ts';
import { FakeBybit, type FakeBybitOptions } from './index.ts';

export const MINUTE = 60_000;

/** Start of the current minute (the candle still forming on a 1m chart). */
export function currentMinute(): number {
  return Math.floor(Date.now() / MINUTE) * MINUTE;
}

/** `count` 1-minute candles, the last starting at `lastStart`; a gentle deterministic zigzag. */
export function minuteCandles(count: number, lastStart: number, basePrice = 50000): Candle[] {
  const out: Candle[] = [];
  for (let i = 0; i < count; i++) {
    const start = lastStart - (count - 1 - i) * MINUTE;
    const open = basePrice + ((i * 7) % 50) * 10;
    const close = open + (i % 2 === 0 ? 20 : -20);
    out.push({ start, open, high: Math.max(open, close) + 5, low: Math.min(open, close) - 5, close, volume: 1 + (i % 5) });
  }
  return out;
}

export interface Setup {
  fake: FakeBybit;
  venue: BybitVenue;
  events: VenueEvent[];
  /** Everything the venue logged, as text. */
  logText(): string;
  /** Records every retry sleep the venue asked for. */
  sleeps: number[];
  close(): Promise<void>;
}

export interface SetupOptions {
  fake?: FakeBybitOptions;
  venue?: Partial<BybitVenueOptions>;
  /** Call venue.start() (default true). */
  start?: boolean;
}

export async function setup(o: SetupOptions = {}): Promise<Setup> {
  const fake = await FakeBybit.start({ interval: '1', ...o.fake });
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ console: sink, consoleFormat: 'json', level: 'debug', colour: false });
  const sleeps: number[] = [];
  const venue = new BybitVenue({
    network: 'testnet',
    category: fake.category,
    symbol: fake.symbol,
    interval: fake.interval,
    key: fake.apiKey,
    secret: fake.apiSecret,
    restBaseUrl: fake.restUrl,
    wsBaseUrl: fake.wsBase,
    logger,
    // Generous for busy CI machines; tests about timeouts set their own short value.
    httpTimeoutMs: 2000,
    retry: {
      attempts: 4,
      baseDelayMs: 10,
      rateLimitDelayMs: 40,
      maxDelayMs: 200,
      random: () => 0.5,
      sleep: (ms) => {
        sleeps.push(ms);
        return new Promise((r) => setTimeout(r, ms));
      },
    },
    ws: { pingIntervalMs: 300, pongTimeoutMs: 200, reconnectDelayMs: 100, readyTimeoutMs: 8000, historyRetryMs: 50 },
    ...o.venue,
  });
  const events: VenueEvent[] = [];
  venue.onEvent((e) => events.push(e));
  if (o.start ?? true) await venue.start();
  return {
    fake,
    venue,
    events,
    sleeps,
    logText: () => lines.join(''),
    close: async () => {
      await venue.close();
      await fake.close();
    },
  };
}

/** Poll until `cond` holds (fails the test by throwing after `ms`). */
export async function until(cond: () => boolean, ms = 8000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const d = (x: string | number) => new Decimal(x);

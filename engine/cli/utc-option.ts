// Dates given on the command line (--from, --to, --at, --since): UTC, between 2000 and 2100 like
// every candle; a malformed or out-of-range one is a usage error (exit 2).
import { UsageError } from './exit.ts';
import { EARLIEST_MS, LATEST_MS } from '../market/csv.ts';

/** Parses a UTC date or date-time; a bare date means its 00:00 UTC. */
export function parseUtc(text: string, flag: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?Z?$/.exec(text.trim());
  const ms = m ? utcTime(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)) : NaN;
  if (Number.isNaN(ms)) throw new UsageError(`${flag} "${text}" is not a date; write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)`);
  return inCandleRange(ms, flag, text);
}

/** 400 Gregorian years, in ms: Date.UTC reads years 0–99 as 1900–1999, so it is given y + 400. */
const FOUR_CENTURIES_MS = 146_097 * 86_400_000;

/**
 * UTC milliseconds of a calendar date and time as written (month 1–12), or NaN when no such time
 * exists (2024-02-30, 25:00): never rolled over into another day, month or century.
 */
export function utcTime(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, msec = 0): number {
  const ms = Date.UTC(y + 400, mo - 1, d, h, mi, s, msec) - FOUR_CENTURIES_MS;
  const back = new Date(ms);
  const real = back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && back.getUTCHours() === h && back.getUTCMinutes() === mi && back.getUTCSeconds() === s;
  return real ? ms : NaN;
}

/** Every time given on the command line lies where candles can: 2000–2100 (a usage error otherwise). */
export function inCandleRange(ms: number, flag: string, text: string): number {
  if (!(ms >= EARLIEST_MS && ms <= LATEST_MS)) throw new UsageError(`${flag} "${text}" is outside 2000–2100, where candle data lives; write a date like 2024-01-01`);
  return ms;
}

// Dates given on the command line (--from, --to): UTC, between 2000 and 2100 like every candle.
import { UsageError } from './exit.ts';
import { EARLIEST_MS, LATEST_MS } from '../market/csv.ts';

/** Parses a UTC date or date-time; a bare date means its 00:00 UTC. */
export function parseUtc(text: string, flag: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?Z?$/.exec(text.trim());
  const ms = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)) : NaN;
  const back = new Date(ms);
  if (!m || Number.isNaN(ms) || back.getUTCFullYear() !== +m[1]! || back.getUTCDate() !== +m[3]! || back.getUTCMonth() + 1 !== +m[2]! || back.getUTCHours() !== +(m[4] ?? 0) || back.getUTCMinutes() !== +(m[5] ?? 0)) {
    throw new UsageError(`${flag} "${text}" is not a date; write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)`);
  }
  if (ms < EARLIEST_MS || ms > LATEST_MS) throw new UsageError(`${flag} "${text}" is outside 2000–2100, where candle data lives; write a date like 2024-01-01`);
  return ms;
}

// Times as the everyday commands read and print them: always UTC, never the machine's zone.
import { UsageError } from '../cli/exit.ts';
import { inCandleRange, utcTime } from '../cli/utc-option.ts';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `--since`: an ISO date or date-time (UTC unless it carries an offset), or a span back from
 * `now` such as `7d`, `24h`, `30m`, `2w`.
 */
export function parseSince(text: string, now: number, flag = '--since'): number {
  const s = text.trim();
  const rel = /^(\d+)\s*(m|h|d|w)$/.exec(s);
  if (rel) return inCandleRange(now - Number(rel[1]) * UNIT_MS[rel[2]!]!, flag, text);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (m) {
    const [y, mo, d, h, mi, se] = [+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)];
    let ms = utcTime(y, mo, d, h, mi, se, m[7] ? Number(m[7].padEnd(3, '0')) : 0);
    if (!Number.isNaN(ms)) {
      const off = m[8];
      if (off && off !== 'Z') {
        const sign = off[0] === '-' ? -1 : 1;
        const digits = off.slice(1).replace(':', '');
        ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
      }
      return inCandleRange(ms, flag, text);
    }
  }
  throw new UsageError(
    `${flag} "${text}" is not a date or a span: write a UTC date like 2024-05-01 or 2024-05-01T12:00, or a span back from now like 7d, 24h, 30m`,
  );
}

/** "2024-05-01 12:00" (UTC). */
export function fmtUtc(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

export function isoUtc(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** "3h 20m", "2d 4h", "45s": how long until/since, for humans. */
export function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

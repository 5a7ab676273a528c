// How decision records print times and numbers: UTC, minute precision, no locale surprises.
import type { Decimal } from 'decimal.js';

// Decision records print a time each; the date part changes once a day, so it is cached.
let cachedDay = NaN;
let cachedDate = '';
const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

export function fmtTime(ms: number): string {
  const day = Math.floor(ms / 86_400_000);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDate = new Date(day * 86_400_000).toISOString().slice(0, 10);
  }
  const minutes = Math.floor((ms - day * 86_400_000) / 60_000);
  return `${cachedDate} ${TWO[Math.floor(minutes / 60)]}:${TWO[minutes % 60]}`;
}

export function fmtDec(d: Decimal): string {
  return d.toFixed();
}

/** A float for humans: up to 8 significant digits, no exponent for ordinary magnitudes. */
export function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return String(Number(x.toPrecision(8)));
}

const DAY = 86_400_000;
export function utcDay(ms: number): number {
  return Math.floor(ms / DAY);
}
export function dayStart(day: number): number {
  return day * DAY;
}

/**
 * A skip reason without its particulars, so equal reasons count together: "cooldown after loss,
 * 2 of 3 bars left" and "cooldown after loss until 2022-01-05 14:00" → "cooldown after loss";
 * figures left in it read N ("strength N below min strength N").
 */
export function skipReason(reason: string): string {
  const r = reason.replace(/^skipped: /, '');
  const cut = r.search(/[,;(]| until | for \d/);
  return (cut > 0 ? r.slice(0, cut) : r).replace(/\d+(\.\d+)?%?/g, 'N').trim();
}

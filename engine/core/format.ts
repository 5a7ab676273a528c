// How decision records print times and numbers: UTC, minute precision, no locale surprises.
import type { Decimal } from 'decimal.js';

export function fmtTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
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

// Spans: lengths of time written as a whole number and a unit (`3 bars`, `90m`, `4h`, `1d`).
import type { Span } from '../plan/plan.ts';
import { didYouMean } from './suggest.ts';

export const SPAN_UNITS_TEXT = '`bars` (closed candles), `s`, `m`, `h` or `d`, e.g. `3 bars`, `90m`, `4h`, `1d`';
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const UNIT_WORDS = ['bars', 'bar', 's', 'm', 'h', 'd', 'minutes', 'hours', 'days', 'seconds'];

/** Parses a span the schema has accepted; undefined if it is malformed. */
export function parseSpan(text: string): Span | undefined {
  const m = /^([0-9]+) *(bars?|s|m|h|d)$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2]!;
  if (unit.startsWith('bar')) return { unit: 'bars', bars: n };
  return { unit: 'ms', ms: n * UNIT_MS[unit]! };
}

/** Explains why `text` is not a span, e.g. "is given in an unknown unit `candles`". */
export function describeSpanProblem(text: string): { message: string; hint: string } {
  const hint = `write a whole number and one of ${SPAN_UNITS_TEXT}`;
  const m = /^\s*([0-9]*\.?[0-9]*)\s*([A-Za-z]*)\s*$/.exec(text);
  if (m && m[1] && m[2]) {
    const [, num, unit] = m;
    if (num.includes('.')) return { message: `must be a whole number of units, not \`${num}\``, hint };
    const long: Record<string, string> = { minutes: 'm', minute: 'm', min: 'm', mins: 'm', hours: 'h', hour: 'h', hr: 'h', days: 'd', day: 'd', seconds: 's', second: 's', sec: 's', candles: 'bars', candle: 'bars' };
    if (/^weeks?$|^w$/i.test(unit)) return { message: `is given in an unknown unit \`${unit}\`; write \`${Number(num) * 7}d\``, hint };
    const better = long[unit.toLowerCase()];
    if (better) return { message: `is given in an unknown unit \`${unit}\`; write \`${num}${better === 'bars' ? ' bars' : better}\``, hint };
    return { message: `is given in an unknown unit \`${unit}\`${didYouMean(unit, UNIT_WORDS)}`, hint };
  }
  if (m && m[1] && !m[2]) return { message: `needs a unit: \`${m[1]} bars\`, \`${m[1]}m\`, \`${m[1]}h\`…`, hint };
  return { message: `must be a length of time like \`3 bars\` or \`4h\`, not \`${text}\``, hint };
}

export function spanIsZero(s: Span): boolean {
  return s.unit === 'bars' ? s.bars === 0 : s.ms === 0;
}

/** "3 bars", "90 minutes", "4 hours", "1 day". */
export function describeSpan(s: Span): string {
  if (s.unit === 'bars') return `${s.bars} bar${s.bars === 1 ? '' : 's'}`;
  const units: [number, string][] = [[86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute'], [1000, 'second']];
  for (const [ms, name] of units) {
    if (s.ms % ms === 0) {
      const n = s.ms / ms;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${s.ms} ms`;
}

// A closed OHLCV candle. Prices are float64 holding the exchange's published decimal string
// exactly (≤ 15 significant digits round-trip through a double), so `String(candle.close)`
// gives back the published text when an order price must become a Decimal.
export interface Candle {
  /** Candle open time, UTC milliseconds. */
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Base-coin volume (BTC for BTCUSDT). */
  volume: number;
}

/** Bybit's kline intervals: minutes as numbers, then day, week, month. */
export const INTERVALS = ['1', '3', '5', '15', '30', '60', '120', '240', '360', '720', 'D', 'W', 'M'] as const;
export type Interval = (typeof INTERVALS)[number];

const MINUTE = 60_000;

/** Nominal length of one candle. A month is variable; 30 days is used only for estimates. */
export function intervalMs(interval: Interval): number {
  switch (interval) {
    case 'D': return 1440 * MINUTE;
    case 'W': return 7 * 1440 * MINUTE;
    case 'M': return 30 * 1440 * MINUTE;
    default: return Number(interval) * MINUTE;
  }
}

/**
 * Start of the candle of `interval` that contains `time`. Bybit aligns candles to UTC: minutes
 * and days to the epoch, weeks to Monday 00:00, months to the 1st.
 */
export function candleStartAt(time: number, interval: Interval): number {
  if (interval === 'M') {
    const d = new Date(time);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const step = intervalMs(interval);
  // 1970-01-05 was a Monday.
  const origin = interval === 'W' ? 4 * 1440 * MINUTE : 0;
  return time - ((((time - origin) % step) + step) % step);
}

export function isInterval(x: unknown): x is Interval {
  return typeof x === 'string' && (INTERVALS as readonly string[]).includes(x);
}

/** A candle length as traders write it: 1m, 15m, 90m, 1h, 4h, 1d, 1w ('1M' for monthly). */
export function spanText(ms: number | 'M'): string {
  if (ms === 'M') return '1M';
  const min = ms / MINUTE;
  if (min % 10080 === 0) return `${min / 10080}w`;
  if (min % 1440 === 0) return `${min / 1440}d`;
  if (min % 60 === 0) return `${min / 60}h`;
  return Number.isInteger(min) ? `${min}m` : `${ms / 1000}s`;
}

/** The bot's candle length as traders write it (60 → 1h, D → 1d). */
export function intervalName(interval: Interval): string {
  return interval === 'M' ? '1M' : spanText(intervalMs(interval));
}

const INTERVAL_WORDS: Record<string, Interval> = {
  '1m': '1', '3m': '3', '5m': '5', '15m': '15', '30m': '30', '1h': '60', '2h': '120', '4h': '240', '6h': '360', '12h': '720',
  '1d': 'D', d: 'D', '1w': 'W', w: 'W', '1M': 'M', M: 'M',
};

/** An interval as a trader types it: Bybit's code (60, 240, D) or the usual short form (1h, 4h, 1d). */
export function parseInterval(text: string): Interval | undefined {
  const t = text.trim();
  if (isInterval(t)) return t;
  return INTERVAL_WORDS[t] ?? INTERVAL_WORDS[t.toLowerCase()];
}

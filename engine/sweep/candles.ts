// The candles of a sweep, parsed once in the main thread and handed to every worker without a
// copy: six float64 columns in one SharedArrayBuffer. Each worker turns them into Candle objects
// once (strategies and the backtest take objects) and keeps them for all its combinations.
import type { Candle } from '../market/candle.ts';

export interface SharedCandles {
  buffer: SharedArrayBuffer;
  count: number;
}

const COLUMNS = 6;

export function shareCandles(candles: readonly Candle[]): SharedCandles {
  const n = candles.length;
  const buffer = new SharedArrayBuffer(n * COLUMNS * 8);
  const a = new Float64Array(buffer);
  for (let i = 0; i < n; i++) {
    const c = candles[i]!;
    a[i] = c.start;
    a[n + i] = c.open;
    a[2 * n + i] = c.high;
    a[3 * n + i] = c.low;
    a[4 * n + i] = c.close;
    a[5 * n + i] = c.volume;
  }
  return { buffer, count: n };
}

export function candlesFrom(shared: SharedCandles): Candle[] {
  const n = shared.count;
  const a = new Float64Array(shared.buffer);
  const out: Candle[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = { start: a[i]!, open: a[n + i]!, high: a[2 * n + i]!, low: a[3 * n + i]!, close: a[4 * n + i]!, volume: a[5 * n + i]! };
  return out;
}

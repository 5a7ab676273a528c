// What the kline cache holds (`botctl data list`): per symbol, category and interval, the range,
// the candle count, the holes and the size on disk. The cache is the folder `botctl backtest
// --from/--to` and `botctl data download` fill: <dir>/<category>/<symbol>/<interval>/<window>.csv,
// one file per 1000-candle window (engine/backtest/download.ts).
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { intervalMs, isInterval } from '../market/candle.ts';
import { readCandleCsv } from '../market/csv.ts';

export interface CacheEntry {
  category: string;
  symbol: string;
  interval: string;
  windows: number;
  candles: number;
  first?: number;
  last?: number;
  /** Holes between consecutive candles (missing candles inside the range). */
  gaps: number;
  bytes: number;
  /** Window files that do not read as candles (fetched again on the next download). */
  damaged: number;
}

async function dirs(path: string): Promise<string[]> {
  try {
    return (await readdir(path, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

export async function listCache(dir: string): Promise<CacheEntry[]> {
  const out: CacheEntry[] = [];
  for (const category of await dirs(dir)) {
    for (const symbol of await dirs(join(dir, category))) {
      for (const interval of await dirs(join(dir, category, symbol))) {
        const folder = join(dir, category, symbol, interval);
        const files = (await readdir(folder)).filter((f) => /^\d+\.csv$/.test(f)).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
        if (files.length === 0) continue;
        const step = isInterval(interval) && interval !== 'M' ? intervalMs(interval) : NaN;
        const e: CacheEntry = { category, symbol, interval, windows: files.length, candles: 0, gaps: 0, bytes: 0, damaged: 0 };
        let prev = NaN;
        for (const f of files) {
          const path = join(folder, f);
          e.bytes += (await stat(path)).size;
          try {
            await readCandleCsv(path, (c) => {
              if (prev === prev && c.start - prev > step) e.gaps++;
              if (e.first === undefined) e.first = c.start;
              prev = c.start;
              e.last = c.start;
              e.candles++;
            });
          } catch {
            e.damaged++;
          }
        }
        out.push(e);
      }
    }
  }
  return out;
}

// The candles a sweep runs on: one or more CSV files (e.g. one per month) joined in time order
// into one history, with the checks `botctl backtest --data` makes (the CSV reader's own, and the
// candle spacing against the bot's interval).
import { readCandleCsv } from '../market/csv.ts';
import { intervalMs, type Candle, type Interval } from '../market/candle.ts';
import { UserError } from '../cli/exit.ts';

export interface History {
  candles: Candle[];
  gaps: number;
}

export async function loadHistory(files: readonly string[], interval: Interval, botName: string): Promise<History> {
  const step = intervalMs(interval);
  const pieces: { file: string; candles: Candle[] }[] = [];
  let gaps = 0;
  for (const file of files) {
    const candles: Candle[] = [];
    const s = await readCandleCsv(file, (c) => candles.push(c), { intervalMs: step });
    gaps += s.gaps.count;
    if (candles.length === 0) throw new UserError(`${file}: no candles in the file`);
    checkSpacing(file, candles, interval, botName);
    pieces.push({ file, candles });
  }
  pieces.sort((a, b) => a.candles[0]!.start - b.candles[0]!.start);
  for (let i = 1; i < pieces.length; i++) {
    const prev = pieces[i - 1]!;
    const cur = pieces[i]!;
    const prevLast = prev.candles[prev.candles.length - 1]!.start;
    if (cur.candles[0]!.start <= prevLast) {
      throw new UserError(`${cur.file} overlaps ${prev.file} (both have candles at ${new Date(cur.candles[0]!.start).toISOString()}); give files that follow each other in time`);
    }
    if (cur.candles[0]!.start - prevLast > step) gaps++;
  }
  return { candles: pieces.flatMap((p) => p.candles), gaps };
}

function checkSpacing(file: string, candles: readonly Candle[], interval: Interval, botName: string): void {
  if (interval === 'M') return; // months vary in length
  const step = intervalMs(interval);
  const words = /^\d+$/.test(interval) ? `${interval}-minute` : interval === 'D' ? 'daily' : 'weekly';
  let minSpacing = Infinity;
  for (let i = 1; i < candles.length; i++) {
    const gap = candles[i]!.start - candles[i - 1]!.start;
    if (gap < step || gap % step !== 0) {
      throw new UserError(`${file}: candles ${new Date(candles[i - 1]!.start).toISOString()} and ${new Date(candles[i]!.start).toISOString()} are ${gap / 60_000} minutes apart, but ${botName} trades ${words} candles; use data of the bot's interval`);
    }
    if (gap < minSpacing) minSpacing = gap;
  }
  if (minSpacing !== Infinity && minSpacing > step) {
    throw new UserError(`${file}: the closest candles are ${minSpacing / 60_000} minutes apart, but ${botName} trades ${words} candles; use data of the bot's interval`);
  }
}

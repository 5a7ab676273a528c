// The candles a sweep runs on: one or more candle files (e.g. one per month) joined in time order
// into one history. Each file goes through the check every command makes (market/candle-file.ts:
// format, spacing, resampling to the bot's interval, the bot's market).
import { candleFileText, readCandleFile } from '../market/candle-file.ts';
import type { Candle, Interval } from '../market/candle.ts';
import { UserError } from '../cli/exit.ts';

export interface History {
  candles: Candle[];
  gaps: number;
  /** What each file was read as, one line each (as backtest prints it). */
  texts: string[];
}

export interface HistoryRequest {
  files: readonly string[];
  market: { symbol: string; interval: Interval; category?: string };
  bot: string;
  allowOtherSymbol: boolean;
}

export async function loadHistory(req: HistoryRequest): Promise<History> {
  const pieces: { file: string; candles: Candle[] }[] = [];
  const texts: string[] = [];
  let gaps = 0;
  for (const file of req.files) {
    const candles: Candle[] = [];
    const s = await readCandleFile({ file, market: req.market, bot: req.bot, allowOtherSymbol: req.allowOtherSymbol }, (c) => candles.push(c));
    if (candles.length === 0) throw new UserError(`${file}: no candles in the file`);
    gaps += s.gaps.count;
    texts.push(candleFileText(s));
    pieces.push({ file, candles });
  }
  pieces.sort((a, b) => a.candles[0]!.start - b.candles[0]!.start);
  for (let i = 1; i < pieces.length; i++) {
    const prev = pieces[i - 1]!;
    const cur = pieces[i]!;
    const prevLast = prev.candles[prev.candles.length - 1]!.start;
    if (cur.candles[0]!.start <= prevLast) {
      throw new UserError(`${cur.file} overlaps ${prev.file} (both have a candle at ${new Date(cur.candles[0]!.start).toISOString().slice(0, 16)} UTC or later); give files that follow each other in time`);
    }
  }
  return { candles: pieces.flatMap((p) => p.candles), gaps, texts };
}

// History from Bybit's public kline endpoint (GET /v5/market/kline), cached on disk. Requests use
// explicit windows of exactly 1000 candles aligned to multiples of 1000 intervals since the epoch,
// so a window always has the same key: once all its candles have closed it is written to
// `<cacheDir>/<category>/<symbol>/<interval>/<windowStart>.csv` and never fetched again.
// Bybit returns newest first and includes the still-forming candle; both are handled here.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RestClientV5 } from 'bybit-api';
import type { KlineIntervalV3 } from 'bybit-api';
import { UserError } from '../cli/exit.ts';
import type { Category } from '../plan/plan.ts';
import { intervalMs, type Candle, type Interval } from '../market/candle.ts';
import { CSV_HEADER, readCandleCsv } from '../market/csv.ts';

const WINDOW = 1000;

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'botctl', 'klines');
}

export interface DownloadRequest {
  category: Category;
  symbol: string;
  interval: Interval;
  /** Range [from, to) in UTC ms. */
  from: number;
  to: number;
  cacheDir: string;
  /** REST base URL; tests point it at a local server. */
  baseUrl?: string;
  /** Injected clock, for tests. */
  now?: number;
  onProgress?: (fraction: number, what: string) => void;
}

export interface DownloadSummary {
  count: number;
  first?: number;
  last?: number;
  fromCache: number;
  downloaded: number;
  gaps: { count: number; first?: { after: number; before: number } };
}

/** Streams the candles of [from, to) in order, without duplicates, to `onCandle`. */
export async function downloadCandles(req: DownloadRequest, onCandle: (c: Candle) => void): Promise<DownloadSummary> {
  if (req.interval === 'M') throw new UserError('downloading monthly candles is not supported; use --data with a CSV');
  const step = intervalMs(req.interval);
  const now = req.now ?? Date.now();
  const span = step * WINDOW;
  const client = new RestClientV5({ ...(req.baseUrl ? { baseUrl: req.baseUrl } : {}) }, { timeout: 20_000 });
  const dir = join(req.cacheDir, req.category, req.symbol, req.interval);
  const summary: DownloadSummary = { count: 0, fromCache: 0, downloaded: 0, gaps: { count: 0 } };
  const to = Math.min(req.to, now);
  let prev = NaN;
  const first = Math.floor(req.from / span) * span;
  const total = Math.max(1, Math.ceil((to - first) / span));
  for (let ws = first, i = 0; ws < to; ws += span, i++) {
    req.onProgress?.(i / total, `${req.symbol} ${new Date(ws).toISOString().slice(0, 10)}`);
    const we = ws + span; // exclusive
    const complete = we <= now; // every candle of the window has closed (the last one closes at we)
    const file = join(dir, `${ws}.csv`);
    let candles: Candle[] | null = complete ? await readCache(file) : null;
    if (candles) summary.fromCache++;
    else {
      candles = await fetchWindow(client, req, ws, we, step, now);
      summary.downloaded++;
      if (complete) await writeCache(dir, file, candles);
    }
    for (const c of candles) {
      if (c.start < req.from || c.start >= to || c.start <= prev) continue;
      if (prev === prev && c.start - prev > step) {
        if (summary.gaps.count === 0) summary.gaps.first = { after: prev, before: c.start };
        summary.gaps.count++;
      }
      prev = c.start;
      if (summary.count === 0) summary.first = c.start;
      summary.last = c.start;
      summary.count++;
      onCandle(c);
    }
  }
  req.onProgress?.(1, req.symbol);
  return summary;
}

async function fetchWindow(client: RestClientV5, req: DownloadRequest, ws: number, we: number, step: number, now: number): Promise<Candle[]> {
  let res;
  try {
    res = await client.getKline({ category: req.category, symbol: req.symbol, interval: req.interval as KlineIntervalV3, start: ws, end: we - 1, limit: WINDOW });
  } catch (e) {
    const err = e as { message?: string; code?: string };
    throw new UserError(`could not download candles from Bybit (${req.baseUrl ?? 'api.bybit.com'}): ${err.message ?? err.code ?? String(e)}\n  hint: check the network, or backtest offline with --data FILE.csv`);
  }
  if (res.retCode !== 0) {
    throw new UserError(`Bybit refused the kline request for ${req.symbol} (${req.category}): ${res.retMsg} (code ${res.retCode})`);
  }
  const out: Candle[] = [];
  for (const row of res.result.list) {
    const start = Number(row[0]);
    if (start < ws || start >= we || start + step > now) continue; // outside the window, or still forming
    out.push({ start, open: Number(row[1]), high: Number(row[2]), low: Number(row[3]), close: Number(row[4]), volume: Number(row[5]) });
  }
  out.sort((a, b) => a.start - b.start);
  const dedup: Candle[] = [];
  for (const c of out) if (dedup.length === 0 || (dedup[dedup.length - 1] as Candle).start !== c.start) dedup.push(c);
  return dedup;
}

async function readCache(file: string): Promise<Candle[] | null> {
  const out: Candle[] = [];
  try {
    await readCandleCsv(file, (c) => out.push(c));
  } catch {
    return null; // missing, or damaged: fetched again
  }
  return out;
}

async function writeCache(dir: string, file: string, candles: Candle[]): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const text = `${CSV_HEADER}\n${candles.map((c) => `${c.start},${c.open},${c.high},${c.low},${c.close},${c.volume}`).join('\n')}\n`;
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, file); // atomic: a crash never leaves half a window in the cache
  } catch {
    // The cache is an optimisation; an unwritable cache directory must not fail the backtest.
  }
}

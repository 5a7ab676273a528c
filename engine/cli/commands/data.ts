// `botctl data`: the candle data a trader needs for backtests. `download` fetches Bybit's public
// klines into the cache (resumable: finished 1000-candle windows are kept) and can export them;
// `list` shows what the cache holds; `import` turns a TradingView, Binance or Bybit CSV into
// botctl's own format.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CliIo } from '../main.ts';
import type { SetExit } from './index.ts';
import { ExitCode, UsageError, UserError } from '../exit.ts';
import { parseUtc } from '../utc-option.ts';
import { checkOutputPath } from '../output-path.ts';
import { intervalName, parseInterval, spanText, type Interval } from '../../market/candle.ts';
import { TIME_UNIT_TEXT } from '../../market/csv.ts';
import { defaultCacheDir, downloadCandles } from '../../backtest/download.ts';
import { progressBar } from '../../backtest/progress.ts';
import { CandleCsvWriter, candleFileName } from '../../data/write.ts';
import { importCandles } from '../../data/import.ts';
import { listCache } from '../../data/cache.ts';
import { formatTable } from '../../ops/table.ts';
import type { Category } from '../../plan/plan.ts';

interface DownloadOpts {
  from?: string;
  to?: string;
  category?: string;
  out?: string;
  cacheDir?: string;
  bybitUrl?: string;
}

interface ImportOpts {
  symbol?: string;
  category?: string;
  out?: string;
  allowOtherSymbol?: boolean;
}

const fmt = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));

export function registerData(cmd: Command, io: CliIo, setExit: SetExit): void {
  const sub = (name: string): Command => cmd.command(name).exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  cmd.addHelpText('after', `
Examples:
  botctl data download BTCUSDT 1h --from 2024-01-01 --to 2024-04-01
  botctl data download ETHUSDT 15 --category spot --from 2024-01-01 --out data/
  botctl data list
  botctl data import "BYBIT_BTCUSDT.P, 60.csv"      (a TradingView export)
  botctl data import ETHUSDT-1h-2024-01.csv --category spot   (a Binance archive file)

Backtests read the cache with --from/--to, or any exported or imported file with --data.`);

  sub('download')
    .description("Download Bybit's public candles into the cache (resumable), optionally exporting them as a CSV.")
    .argument('<symbol>', 'Bybit symbol, e.g. BTCUSDT')
    .argument('<interval>', 'candle length: 1 3 5 15 30 60 120 240 360 720 D W (or 1m, 15m, 1h, 4h, 1d, 1w)')
    .requiredOption('--from <date>', 'first candle, UTC (2024-01-01 or 2024-01-01T12:00)')
    .option('--to <date>', 'end of the range, UTC, exclusive (default: now)')
    .option('--category <category>', 'linear (USDT perpetuals, the default) or spot')
    .option('--out <file>', 'also write the candles as a botctl CSV (a folder: named SYMBOL-INTERVAL-FROM_TO.csv inside it)')
    .option('--cache-dir <dir>', 'the cache folder (default ~/.cache/botctl/klines)')
    .addOption(cmd.createOption('--bybit-url <url>', 'Bybit REST base URL (tests)').hideHelp())
    .addHelpText('after', `
The range is fetched in windows of 1000 candles; every finished window is kept in the cache, so an
interrupted download resumes where it stopped and a second run downloads nothing.
Exit status: 0 ok, 1 Bybit refused or the network failed, 2 wrong command line.`)
    .action(async (symbol: string, interval: string, opts: DownloadOpts) => setExit(await download(symbol, interval, opts, io)));

  sub('list')
    .description('Show what the candle cache holds: symbol, category, interval, range, gaps and size.')
    .option('--cache-dir <dir>', 'the cache folder (default ~/.cache/botctl/klines)')
    .action(async (opts: { cacheDir?: string }) => setExit(await list(opts.cacheDir ?? defaultCacheDir(), io)));

  sub('import')
    .description("Convert a candle file (TradingView export, Binance or Bybit kline CSV) to botctl's CSV.")
    .argument('<file>', 'the candle file; its format is recognised from its header and first rows')
    .option('--symbol <symbol>', 'the market, when neither the file name nor a "# symbol:" line says (e.g. BTCUSDT)')
    .option('--category <category>', 'linear (default) or spot, recorded in the file')
    .option('--out <file>', 'where to write (default: SYMBOL-INTERVAL-FROM_TO.csv in the current folder; a folder: that name inside it)')
    .option('--allow-other-symbol', 'import even if the prices do not fit the symbol')
    .addHelpText('after', `
Accepted: botctl's CSV; TradingView chart exports (time,open,high,low,close[,Volume], times in
seconds or ISO text); Binance and Bybit kline CSVs with or without a header (open time in
milliseconds or microseconds). Oldest-first and newest-first files are both fine.
Exit status: 0 ok, 1 a row does not fit (file:line:column says where), 2 wrong command line.`)
    .action(async (file: string, opts: ImportOpts) => setExit(await importFile(file, opts, io)));
}

function category(text: string | undefined): Category {
  if (text === undefined || text === 'linear' || text === 'spot') return text ?? 'linear';
  throw new UsageError(`--category must be linear or spot, not "${text}"`);
}

/** `--out` as given, or the conventional name inside it when it is a folder (or ends with /). */
function outPath(out: string | undefined, name: string): string {
  if (out === undefined) return name;
  if (out.endsWith('/') || (existsSync(out) && statSync(out).isDirectory())) return join(out, name);
  return out;
}

async function download(symbolArg: string, intervalArg: string, opts: DownloadOpts, io: CliIo): Promise<number> {
  const symbol = symbolArg.toUpperCase();
  if (!/^[A-Z0-9]{2,30}$/.test(symbol)) throw new UsageError(`"${symbolArg}" is not a Bybit symbol; write it like BTCUSDT`);
  const interval = parseInterval(intervalArg);
  if (!interval) throw new UsageError(`"${intervalArg}" is not a Bybit interval; use 1 3 5 15 30 60 120 240 360 720 D W M (or 1m, 15m, 1h, 4h, 1d, 1w)`);
  if (interval === 'M') throw new UsageError('downloading monthly candles is not supported; download daily candles (D): botctl resamples them to months');
  const cat = category(opts.category);
  const from = parseUtc(opts.from as string, '--from');
  const now = Date.now();
  const to = opts.to !== undefined ? parseUtc(opts.to, '--to') : now;
  if (to <= from) throw new UsageError(`--to must be after --from (${fmt(from)} → ${fmt(to)})`);
  if (from >= now) throw new UsageError(`--from ${fmt(from)} is in the future`);
  const cacheDir = opts.cacheDir ?? defaultCacheDir();

  const name = candleFileName(symbol, intervalName(interval), from, Math.min(to, now) - 1);
  const out = opts.out === undefined ? undefined : outPath(opts.out, name);
  if (out !== undefined) checkOutputPath('--out', out, []);
  const writer = out === undefined ? undefined : new CandleCsvWriter('--out', out, { symbol, category: cat, interval, source: 'bybit' });
  const bar = progressBar();
  let s;
  try {
    s = await downloadCandles({
      category: cat, symbol, interval, from, to, cacheDir,
      ...(opts.bybitUrl ? { baseUrl: opts.bybitUrl } : {}),
      onProgress: (f, what) => bar.update(f, what),
    }, writer ? writer.add : () => {});
    if (writer) {
      if (writer.count === 0) throw new UserError(`Bybit has no ${symbol} ${cat} candles between ${fmt(from)} and ${fmt(to)} UTC; nothing written`);
      writer.commit();
    }
  } finally {
    bar.done();
    writer?.abandon();
  }
  const gaps = s.gaps.count === 0 ? 'no gaps' : `${s.gaps.count} gap${s.gaps.count === 1 ? '' : 's'}, the first after ${fmt(s.gaps.first?.after)}`;
  io.out(`${symbol} ${cat} ${intervalName(interval)}: ${s.count} candles ${s.count ? `${fmt(s.first)} → ${fmt(s.last)} UTC` : `(none between ${fmt(from)} and ${fmt(to)})`}, ${gaps}\n` +
    `  ${s.fromCache} window${s.fromCache === 1 ? '' : 's'} from the cache, ${s.downloaded} downloaded; cache: ${cacheDir}\n`);
  if (out) io.out(`wrote ${out}\n  next: botctl backtest SPEC --data ${out}\n`);
  return ExitCode.Ok;
}

async function list(cacheDir: string, io: CliIo): Promise<number> {
  const entries = await listCache(cacheDir);
  if (entries.length === 0) {
    io.out(`the candle cache ${cacheDir} is empty; fill it with botctl data download SYMBOL INTERVAL --from DATE (or botctl backtest --from/--to)\n`);
    return ExitCode.Ok;
  }
  const size = (b: number): string => (b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(b / 1e3))} kB`);
  const rows = entries.map((e) => [
    e.symbol, e.category, isIntervalCode(e.interval) ? intervalName(e.interval as Interval) : e.interval, fmt(e.first), fmt(e.last), String(e.candles),
    e.damaged ? `${e.gaps} (${e.damaged} damaged window${e.damaged === 1 ? '' : 's'})` : String(e.gaps), size(e.bytes),
  ]);
  io.out(formatTable([
    { header: 'symbol' }, { header: 'category' }, { header: 'interval' }, { header: 'from (UTC)' }, { header: 'to (UTC)' },
    { header: 'candles', align: 'right' }, { header: 'gaps', align: 'right' }, { header: 'size', align: 'right' },
  ], rows));
  io.out(`cache: ${cacheDir}\n`);
  return ExitCode.Ok;
}

const isIntervalCode = (s: string): boolean => parseInterval(s) === s;

async function importFile(file: string, opts: ImportOpts, io: CliIo): Promise<number> {
  const cat = opts.category === undefined ? undefined : category(opts.category);
  if (opts.symbol !== undefined && !/^[A-Za-z0-9]{2,30}$/.test(opts.symbol)) throw new UsageError(`--symbol "${opts.symbol}" is not a Bybit symbol; write it like BTCUSDT`);
  const r = await importCandles({ file, ...(opts.symbol ? { symbol: opts.symbol } : {}), ...(cat ? { category: cat } : {}), allowOtherSymbol: Boolean(opts.allowOtherSymbol) });
  const first = r.candles[0]!.start;
  const last = r.candles[r.candles.length - 1]!.start;
  const out = outPath(opts.out, candleFileName(r.symbol, spanText(r.spacing), first, last));
  if (opts.out === undefined && existsSync(out)) throw new UserError(`${out} already exists; give another name with --out FILE`);
  checkOutputPath('--out', out, [['file being imported', file]]);
  const writer = new CandleCsvWriter('--out', out, { symbol: r.symbol, category: r.category, interval: r.interval, source: r.format.startsWith('botctl') ? 'botctl' : r.format.split(' ')[0]!.toLowerCase() });
  try {
    for (const c of r.candles) writer.add(c);
    writer.commit();
  } finally {
    writer.abandon();
  }
  const how = [r.format, r.csv.timeUnit && r.csv.timeUnit !== 'ms' ? `times read as ${TIME_UNIT_TEXT[r.csv.timeUnit]}` : '', r.reversed ? 'newest first, reversed' : ''].filter(Boolean).join(', ');
  io.out(`${file} (${how}): ${r.candles.length} ${spanText(r.spacing)} candles of ${r.symbol} ${r.category} (${r.symbolFrom === '--symbol' ? 'from --symbol' : `going by ${r.symbolFrom}`}), ` +
    `${fmt(first)} → ${fmt(last)} UTC, ${r.gaps === 0 ? 'no gaps' : `${r.gaps} gap${r.gaps === 1 ? '' : 's'}`}\n`);
  for (const w of r.csv.warnings) io.out(`warning: ${w}\n`);
  io.out(`wrote ${out}\n  next: botctl backtest SPEC --data ${out}\n`);
  return ExitCode.Ok;
}

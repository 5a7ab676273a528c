import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { CliIo } from '../main.ts';
import type { SetExit } from './index.ts';
import { ExitCode, UsageError, UserError } from '../exit.ts';
import { loadBotSpec } from '../../spec/load.ts';
import { formatDiagnostics } from '../../spec/diagnostic.ts';
import { instantiateStrategy } from '../../strategy/load.ts';
import { bundledInstrument, loadInstrumentFile } from '../../market/instruments.ts';
import { candleFileText, readCandleFile } from '../../market/candle-file.ts';
import { checkOutputPath, writeFailure } from '../output-path.ts';
import { parseUtc } from '../utc-option.ts';
import { Backtest, type BacktestResult } from '../../backtest/runner.ts';
import type { Plan } from '../../plan/plan.ts';
import { resultToJson, summaryText, type RunInfo } from '../../backtest/output.ts';
import { progressBar } from '../../backtest/progress.ts';
import { loopbackUrl } from '../../venue/bybit/from-plan.ts';

interface BacktestOpts {
  data?: string;
  from?: string;
  to?: string;
  json?: string;
  html?: string;
  instrumentFile?: string;
  cacheDir?: string;
  bybitUrl?: string;
  allowOtherSymbol?: boolean;
}

export function registerBacktest(cmd: Command, io: CliIo, setExit: SetExit): void {
  cmd
    .argument('<specs...>', 'bot spec YAML file; several are run on the same candles and compared in one table')
    .option('--data <file>', 'candle CSV, oldest first: botctl\'s start_ms,open,high,low,close,volume, a TradingView export or a Binance/Bybit kline CSV; data of a finer interval than the bot\'s is resampled')
    .option('--from <date>', 'first candle to use, UTC (2021-10-01 or 2021-10-01T12:00); without --data, downloads from Bybit')
    .option('--to <date>', 'end of the range, UTC, exclusive')
    .option('--json <file>', 'write the full result (metrics, trades, decisions, equity curve) as JSON')
    .option('--html <file>', 'write a self-contained HTML report (chart, equity, drawdown, trades)')
    .option('--instrument-file <file>', "the symbol's tick size, quantity step and minimums as JSON (for symbols botctl does not bundle)")
    .option('--allow-other-symbol', 'run on a candle file that names another symbol, or whose prices do not fit the spec\'s symbol')
    .option('--cache-dir <dir>', 'where downloaded candles are cached (default ~/.cache/botctl/klines)')
    .addOption(hiddenOption(cmd, '--bybit-url <url>', 'Bybit REST base URL (tests)'))
    .addHelpText('after', `
Examples:
  botctl backtest bots/btc-ema.yaml --data bots/data/BTCUSDT-1h-2021-10_2022-03.csv
  botctl backtest bots/btc-ema.yaml --data candles.csv --json result.json --html report.html
  botctl backtest bots/btc-ema.yaml --from 2024-01-01 --to 2024-04-01   (downloads public candles)
  botctl backtest bots/btc-ema.yaml bots/btc-breakout-module.yaml --data candles.csv --html compare.html

Fills: market orders at the next candle's open plus slippage; stops and targets intrabar (stop
first when a candle touches both); fees from the spec's simulation section.
Exit status: 0 ok, 1 bad spec or data, 2 wrong command line.`)
    .action(async (specs: string[], opts: BacktestOpts) => {
      setExit(await runBacktestCommand(specs, opts, io));
    });
}

function hiddenOption(cmd: Command, flags: string, description: string) {
  return cmd.createOption(flags, description).hideHelp();
}

interface LoadedSpec {
  file: string;
  plan: Plan;
  summary: string;
}

interface Run {
  spec: LoadedSpec;
  result: BacktestResult;
  info: RunInfo;
}

async function runBacktestCommand(specFiles: string[], opts: BacktestOpts, io: CliIo): Promise<number> {
  const from = opts.from !== undefined ? parseUtc(opts.from, '--from') : undefined;
  const to = opts.to !== undefined ? parseUtc(opts.to, '--to') : undefined;
  const bybitUrl = opts.bybitUrl !== undefined ? loopbackUrl('--bybit-url', opts.bybitUrl, ['http:']) : undefined;
  if (from !== undefined && to !== undefined && to <= from) throw new UsageError(`--to (${opts.to}) must be after --from (${opts.from})`);
  if (opts.data === undefined && from === undefined) {
    throw new UsageError('say which candles to replay: --data FILE.csv, or --from DATE [--to DATE] to download them from Bybit');
  }

  // Every spec is checked before anything runs.
  const specs: LoadedSpec[] = [];
  let bad = false;
  for (const file of specFiles) {
    const spec = await loadBotSpec(file);
    if (spec.ok) specs.push({ file, plan: spec.plan, summary: spec.summary });
    else {
      io.err(formatDiagnostics(spec.diagnostics, spec.file));
      bad = true;
    }
  }
  if (bad) return ExitCode.UserError;
  const inputs: [string, string | undefined][] = [['candle file', opts.data], ['instrument file', opts.instrumentFile]];
  for (const s of specs) inputs.push(['spec', s.file], ['strategy module', s.plan.strategy.kind === 'module' ? s.plan.strategy.path : undefined]);
  for (const [flag, out] of [['--json', opts.json], ['--html', opts.html]] as const) if (out !== undefined) checkOutputPath(flag, out, inputs);

  const runs: Run[] = [];
  for (const spec of specs) runs.push(await simulate(spec, opts, from, to, bybitUrl));
  if (runs.length > 1) return compare(runs, opts, io);

  const { result, info, spec } = runs[0] as Run;
  io.out(summaryText(result, info));
  if (opts.json) {
    await writeOut(opts.json, resultToJson(result, info));
    io.out(`wrote ${opts.json}\n`);
  }
  if (opts.html) {
    const { renderHtmlReport } = await import('../../backtest/html.ts');
    info.spec = { text: await readFile(spec.file, 'utf8'), summary: spec.summary };
    await writeOut(opts.html, await renderHtmlReport(result, info));
    io.out(`wrote ${opts.html}\n`);
  }
  return ExitCode.Ok;
}

/** One spec over the candles: the file (checked, resampled to its interval) or Bybit's, downloaded. */
async function simulate(spec: LoadedSpec, opts: BacktestOpts, from: number | undefined, to: number | undefined, bybitUrl: string | undefined): Promise<Run> {
  const plan = spec.plan;
  const rules = opts.instrumentFile
    ? await loadInstrumentFile(opts.instrumentFile, plan.market.symbol, plan.market.category)
    : bundledInstrument(plan.market.symbol, plan.market.category);
  const strategy = await instantiateStrategy(plan);
  // Indicator lines cost a second pass of the rules over every candle: only for an HTML report.
  const overlay = opts.html ? (await import('../../backtest/overlay.ts')).indicatorOverlay(plan) : undefined;
  const bt = new Backtest(plan, strategy, rules, { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ...(overlay ? { overlay } : {}) });

  const bar = progressBar();
  const info: RunInfo = { data: opts.data ?? 'bybit public klines' };
  try {
    if (opts.data !== undefined) {
      const file = opts.data;
      const s = await readCandleFile({
        file, market: plan.market, bot: plan.name, allowOtherSymbol: Boolean(opts.allowOtherSymbol),
        onProgress: (done, total) => bar.update(total ? done / total : 0, file),
      }, bt.push);
      info.gaps = s.gaps;
      info.dataText = candleFileText(s);
    } else {
      // Only downloads load the Bybit client.
      const { downloadCandles, defaultCacheDir } = await import('../../backtest/download.ts');
      const dl = await downloadCandles({
        category: plan.market.category, symbol: plan.market.symbol, interval: plan.market.interval,
        from: from as number, to: to ?? Date.now(),
        cacheDir: opts.cacheDir ?? defaultCacheDir(),
        ...(bybitUrl ? { baseUrl: bybitUrl } : {}),
        onProgress: (f, what) => bar.update(f, what),
      }, bt.push);
      info.data = `bybit ${plan.market.category} ${plan.market.symbol} ${plan.market.interval} klines (${dl.fromCache} cached, ${dl.downloaded} downloaded)`;
      info.gaps = dl.gaps;
    }
  } finally {
    bar.done();
  }
  const result = bt.finish();
  if (result.candles.count === 0) throw new UserError(`${opts.data ?? 'bybit'}: no candles in the chosen range`);
  return { spec, result, info };
}

/** Several specs on the same candles: one table, and one JSON / HTML holding every run. */
async function compare(runs: Run[], opts: BacktestOpts, io: CliIo): Promise<number> {
  const { comparisonText, comparisonJson } = await import('../../backtest/compare.ts');
  io.out(comparisonText(runs));
  if (opts.json) {
    await writeOut(opts.json, comparisonJson(runs));
    io.out(`wrote ${opts.json}\n`);
  }
  if (opts.html) {
    const { renderComparisonHtml } = await import('../../backtest/html-compare.ts');
    for (const r of runs) r.info.spec = { text: await readFile(r.spec.file, 'utf8'), summary: r.spec.summary };
    await writeOut(opts.html, await renderComparisonHtml(runs));
    io.out(`wrote ${opts.html}\n`);
  }
  return ExitCode.Ok;
}

async function writeOut(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (e) {
    throw new UserError(`cannot write ${file}: ${writeFailure(e)}`);
  }
}

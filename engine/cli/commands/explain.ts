// botctl explain: replays a rules bot over a candle file and shows, for chosen bars, the value of
// every sub-expression, whether each condition fired, and what the decision core made of it:
// "why didn't my bot trade at 14:00?". The core runs as in a backtest of the same file (same
// candles, same fills, same equity path), so a fired rule that did not trade says why.
import type { Decision } from '../../core/types.ts';
import { Backtest } from '../../backtest/runner.ts';
import { bundledInstrument, loadInstrumentFile } from '../../market/instruments.ts';
import type { Strategy } from '../../strategy/strategy.ts';
import type { Command } from 'commander';
import type { CliIo } from '../main.ts';
import type { SetExit } from './index.ts';
import { ExitCode, UsageError, UserError } from '../exit.ts';
import { inCandleRange } from '../utc-option.ts';
import { loadBotSpec } from '../../spec/load.ts';
import { formatDiagnostics } from '../../spec/diagnostic.ts';
import { candleFileText, readCandleFile } from '../../market/candle-file.ts';
import { intervalMs } from '../../market/candle.ts';
import { OutputFile, checkOutputPath } from '../output-path.ts';
import { compileRules, renderExpressionError } from '../../../dsl/index.ts';
import { csvHeader, csvRow, explainBar, formatUtc, parseUtcTime, type ExplainedBar } from '../../../dsl/explain.ts';

interface ExplainOpts {
  data?: string;
  last?: string;
  at?: string;
  csv?: string;
  allowOtherSymbol?: boolean;
  instrumentFile?: string;
}

export function registerExplain(cmd: Command, io: CliIo, setExit: SetExit): void {
  cmd
    .argument('<spec>', 'bot spec YAML file (a rules strategy)')
    .requiredOption('--data <file>', 'candle CSV, oldest first (botctl, TradingView or Binance/Bybit kline CSV; a finer interval is resampled)')
    .option('--last <n>', 'explain the last N bars (default 5; with --at, the N bars ending at that time)')
    .option('--at <time>', 'explain the bar at this UTC time, e.g. 2022-01-05T14:00Z or "2022-01-05 14:00"')
    .option('--csv <file>', 'also write every bar: time plus one column per sub-expression and condition')
    .option('--instrument-file <file>', "the symbol's tick size, quantity step and minimums as JSON (for symbols botctl does not bundle)")
    .option('--allow-other-symbol', 'explain on a candle file that names another symbol, or whose prices do not fit the spec\'s symbol')
    .addHelpText('after', `
Examples:
  botctl explain bots/btc-ema.yaml --data bots/data/BTCUSDT-1h-2021-10_2022-03.csv
  botctl explain bots/btc-ema.yaml --data candles.csv --at "2022-01-05 14:00"
  botctl explain bots/btc-ema.yaml --data candles.csv --csv series.csv

Indicators start from the first candle of the file, as in a backtest; values during warm-up are
na. Exit status: 0 ok, 1 bad spec, data or time, 2 wrong command line.`)
    .action(async (spec: string, opts: ExplainOpts) => {
      setExit(await runExplain(spec, opts, io));
    });
}

async function runExplain(spec: string, opts: ExplainOpts, io: CliIo): Promise<number> {
  const last = opts.last === undefined ? undefined : Number(opts.last);
  if (last !== undefined && !(Number.isInteger(last) && last >= 1)) throw new UsageError(`--last must be a whole number of bars, 1 or more (got '${opts.last}')`);
  let at: number | undefined;
  if (opts.at !== undefined) {
    at = parseUtcTime(opts.at);
    if (at === undefined) throw new UsageError(`--at: '${opts.at}' is not a UTC time; write it like 2022-01-05T14:00Z or "2022-01-05 14:00"`);
    inCandleRange(at, '--at', opts.at);
  }
  const count = last ?? (at === undefined ? 5 : 1);

  const loaded = await loadBotSpec(spec);
  if (!loaded.ok) {
    io.err(formatDiagnostics(loaded.diagnostics, loaded.file));
    return ExitCode.UserError;
  }
  const plan = loaded.plan;
  if (plan.strategy.kind !== 'rules') {
    throw new UserError(`${spec} uses a strategy module (${plan.strategy.path}); explain shows rule expressions, so it works on specs with strategy.long / strategy.short rules`);
  }
  const compiled = compileRules(plan.strategy.expressions, new Map(Object.entries(plan.strategy.params)));
  if (!compiled.ok) {
    // The spec loader already compiled these rules, so this only happens if the two disagree.
    const text = (f: keyof typeof plan.strategy.expressions) => (plan.strategy.kind === 'rules' ? plan.strategy.expressions[f] ?? '' : '');
    throw new UserError(compiled.diagnostics.map((d) => `${d.field}: ${renderExpressionError(text(d.field), d)}`).join('\n'));
  }
  if (!compiled.rules.createTracer) throw new Error('rules compiled without tracing support');
  const tracer = compiled.rules.createTracer();
  const rules = opts.instrumentFile
    ? await loadInstrumentFile(opts.instrumentFile, plan.market.symbol, plan.market.category)
    : bundledInstrument(plan.market.symbol, plan.market.category);
  // The backtest's strategy is the tracer itself, so the decisions follow exactly the signals shown.
  let trace: ReturnType<typeof tracer.step> | undefined;
  const traced: Strategy = {
    warmupBars: tracer.warmupBars,
    preloadBars: tracer.preloadBars,
    onCandle: (c) => (trace = tracer.step(c)).signals,
  };
  // Decisions by the candle they belong to, for the bars that can still be shown.
  const decisions = new Map<number, Decision[]>();
  const bt = new Backtest(plan, traced, rules, {
    maxRecords: 0,
    onDecision: (d) => {
      if (at !== undefined && d.candle > at) return;
      const list = decisions.get(d.candle);
      if (list) list.push(d);
      else decisions.set(d.candle, [d]);
    },
  });

  const data = opts.data as string;
  if (opts.csv !== undefined) checkOutputPath('--csv', opts.csv, [['candle file', data], ['spec', spec]]);
  // Written whole or not at all: a bad candle file never leaves half a series behind.
  const csv = opts.csv === undefined ? undefined : new OutputFile('--csv', opts.csv);
  const pending: string[] = [];
  const flush = () => {
    if (csv === undefined || !pending.length) return;
    csv.write(`${pending.join('\n')}\n`);
    pending.length = 0;
  };
  if (csv !== undefined) pending.push(csvHeader(tracer));

  // Keep only the bars that can be shown: the last `count` at or before the chosen time.
  const shown: ExplainedBar[] = [];
  let firstStart: number | undefined;
  let lastStart: number | undefined;
  let read;
  try {
    read = await readCandleFile({ file: data, market: plan.market, bot: plan.name, allowOtherSymbol: Boolean(opts.allowOtherSymbol) }, (candle) => {
      if (firstStart === undefined) firstStart = candle.start;
      lastStart = candle.start;
      if (csv === undefined && at !== undefined && candle.start > at) return;
      bt.push(candle);
      const bar = { candle, trace: trace as NonNullable<typeof trace> };
      if (csv !== undefined) {
        pending.push(csvRow(tracer, bar));
        if (pending.length >= 1000) flush();
      }
      if (at === undefined || candle.start <= at) {
        shown.push(bar);
        if (shown.length > count) decisions.delete((shown.shift() as ExplainedBar).candle.start);
      }
    });
    flush();
    csv?.commit();
  } finally {
    csv?.abandon();
  }

  if (firstStart === undefined || lastStart === undefined) throw new UserError(`${opts.data}: the file has no candles`);
  const step = intervalMs(plan.market.interval);
  if (at !== undefined) {
    const bar = shown[shown.length - 1];
    if (!bar || at >= lastStart + step || at < firstStart) {
      throw new UserError(`--at ${formatUtc(at)} is outside the data: ${opts.data} covers ${formatUtc(firstStart)} to ${formatUtc(lastStart)}`);
    }
  }

  const out: string[] = [];
  out.push(`${spec} (${plan.name}) on ${opts.data}: ${plan.market.symbol}, ${formatUtc(firstStart)} to ${formatUtc(lastStart)}`);
  if (read.resampled || read.format !== 'botctl CSV' || read.timeUnit !== 'ms' || read.warnings.length) out.push(`data: ${candleFileText(read)}`);
  out.push(`warm-up ${tracer.warmupBars} bars; averages settle after ${tracer.preloadBars} bars`);
  const lastShown = shown[shown.length - 1];
  if (at !== undefined && lastShown && at >= lastShown.candle.start + step) {
    out.push(`note: no candle covers ${formatUtc(at)} (a gap in the data); showing the candle before it`);
  }
  for (const bar of shown) out.push('', explainBar(tracer, bar, decisions.get(bar.candle.start) ?? []));
  if (opts.csv !== undefined) out.push('', `wrote every bar to ${opts.csv}`);
  io.out(`${out.join('\n')}\n`);
  return ExitCode.Ok;
}

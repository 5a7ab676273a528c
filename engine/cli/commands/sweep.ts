import type { Command } from 'commander';
import type { CliIo } from '../main.ts';
import type { SetExit } from './index.ts';
import { UsageError } from '../exit.ts';
import { OBJECTIVES, type Objective } from '../../sweep/objective.ts';
import type { ParamInput } from '../../sweep/params.ts';
import { loadSweepFile, type SweepFile } from '../../sweep/sweep-file.ts';
import { defaultWorkers, type SweepOptions } from '../../sweep/run.ts';
import { runSweep, mergeSweeps } from '../../sweep/command.ts';

interface SweepFlags {
  data?: string[];
  param?: string[];
  file?: string;
  random?: string;
  seed?: string;
  objective?: string;
  minTrades?: string;
  maxDrawdown?: string;
  walkForward?: string;
  walkForwardMode?: string;
  top?: string;
  json?: string;
  html?: string;
  writeSpec?: string;
  workers?: string;
  shard?: string;
  resume?: boolean;
  results?: string;
  instrumentFile?: string;
  allowOtherSymbol?: boolean;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function registerSweep(sweep: Command, io: CliIo, setExit: SetExit): void {
  sweep
    .argument('<spec>', 'bot spec YAML file (it must validate as it is)')
    .option('--data <file>', 'candle CSV (repeat for files that follow each other in time, e.g. one per month)', collect)
    .option('--param <name=values>', 'what to vary: a strategy.params name or a spec path, and a range `a..b[:step]` or a list `1,1.5,2` (repeat)', collect)
    .option('--file <sweep.yaml>', 'parameters and options from a sweep file (schemas/sweep.schema.json); flags take precedence')
    .option('--random <n>', 'try n combinations drawn at random instead of all of them')
    .option('--seed <s>', 'seed for --random: the same seed draws the same combinations (default 1)')
    .option('--objective <name>', `what to rank by: ${OBJECTIVES.join(', ')} (default sharpe)`)
    .option('--min-trades <n>', 'do not rank combinations with fewer trades (default 10)')
    .option('--max-drawdown <percent>', 'do not rank combinations with a deeper max drawdown')
    .option('--walk-forward <folds>', 'pick the best on each in-sample window, judge it on the next window, and rank by the out-of-sample result')
    .option('--walk-forward-mode <mode>', 'anchored (in-sample windows start at the beginning) or rolling (default anchored)')
    .option('--top <n>', 'how many of the best to list (default 10)')
    .option('--json <file>', 'write every combination, the ranking and the walk-forward as JSON')
    .option('--html <file>', 'write an HTML report: heatmap of any two parameters, equity of the best, stability around the best')
    .option('--write-spec <file>', 'write the spec with the best combination\'s values (comments and layout kept)')
    .option('--workers <n>', `worker threads (default: one per core, ${defaultWorkers()} here)`)
    .option('--shard <i/n>', 'run only the i-th of n slices of the combinations (join them with `botctl sweep merge`)')
    .option('--resume', 'carry on an interrupted sweep of the same spec, data and parameters')
    .option('--results <file>', 'where finished combinations are written as they finish (default: sweeps/ next to the spec)')
    .option('--instrument-file <file>', "the symbol's tick size, quantity step and minimums as JSON (for symbols botctl does not bundle)")
    .option('--allow-other-symbol', 'run on candle files that name another symbol, or whose prices do not fit the spec\'s symbol')
    .addHelpText('after', `
Examples:
  botctl sweep bots/btc-ema.yaml --data bots/data/BTCUSDT-1h-2021-10_2022-03.csv \\
      --param fast=5..20 --param slow=20..60:5 --param risk.stop_loss.atr.multiple=1,1.5,2,3
  botctl sweep bots/btc-ema.yaml --data candles.csv --file bots/btc-ema.sweep.yaml --walk-forward 4 \\
      --json sweep.json --html sweep.html --write-spec bots/btc-ema-best.yaml
  botctl sweep bots/btc-ema.yaml --data candles.csv --param fast=5..20 --shard 2/3 --json part2.json
  botctl sweep merge part1.json part2.json part3.json --json sweep.json

Each combination is checked as \`botctl validate\` checks a spec; one that does not validate is
skipped and counted, with validate's message. Ctrl-C stops after the running combinations and
keeps the finished ones; run the same command with --resume to carry on.
Exit status: 0 ok, 1 bad spec, data or parameters, 2 wrong command line, 130 interrupted.`)
    .action(async (spec: string, flags: SweepFlags) => {
      const file = flags.file ? await loadSweepFile(flags.file) : undefined;
      setExit(await runSweep(options(spec, flags, file), { json: flags.json, html: flags.html, writeSpec: flags.writeSpec }, io));
    });

  // `sweep merge … --json OUT`: the option after `merge` is merge's own, not the sweep's.
  sweep.enablePositionalOptions();
  sweep
    .command('merge')
    .description('Join the --json files of a sweep run in shards (--shard i/n) into the result of one run.')
    .argument('<files...>', 'the shards\' --json files, all of them')
    .requiredOption('--json <file>', 'where to write the joined result')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .action(async (files: string[], flags: { json: string }) => {
      setExit(await mergeSweeps(files, flags.json, io));
    });
}

function int(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min) throw new UsageError(`${flag} must be a whole number of at least ${min}, not "${text}"`);
  return n;
}

function options(spec: string, f: SweepFlags, file: SweepFile | undefined): SweepOptions {
  if (!f.data || f.data.length === 0) throw new UsageError('say which candles to sweep over: --data FILE.csv (repeat for consecutive files)');
  const params: ParamInput[] = [...(file?.params ?? [])];
  for (const p of f.param ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param ${p}: write it as NAME=VALUES, e.g. --param fast=5..20 or --param risk.stop_loss.atr.multiple=1,1.5,2`);
    const name = p.slice(0, eq).trim();
    const i = params.findIndex((x) => x.name === name);
    const input = { name, values: p.slice(eq + 1), where: `--param ${p}` };
    if (i >= 0) params[i] = input;
    else params.push(input);
  }
  const objective = (f.objective ?? file?.objective ?? 'sharpe') as Objective;
  if (!OBJECTIVES.includes(objective)) throw new UsageError(`--objective ${f.objective}: choose one of ${OBJECTIVES.join(', ')}`);
  const maxDd = f.maxDrawdown !== undefined ? Number(f.maxDrawdown) : file?.maxDrawdown;
  if (maxDd !== undefined && !(maxDd > 0 && maxDd <= 100)) throw new UsageError(`--max-drawdown ${f.maxDrawdown}: give a percent between 0 and 100, e.g. 25`);
  const folds = int('--walk-forward', f.walkForward, 1) ?? file?.walkForward?.folds;
  const mode = f.walkForwardMode ?? file?.walkForward?.mode ?? 'anchored';
  if (mode !== 'anchored' && mode !== 'rolling') throw new UsageError(`--walk-forward-mode ${mode}: choose anchored or rolling`);
  if (f.walkForwardMode && folds === undefined) throw new UsageError('--walk-forward-mode needs --walk-forward FOLDS');
  const count = int('--random', f.random, 1) ?? file?.random?.count;
  const seed = int('--seed', f.seed, 0) ?? file?.random?.seed ?? 1;
  if (f.seed !== undefined && count === undefined) throw new UsageError('--seed goes with --random N');
  let shard: SweepOptions['shard'];
  if (f.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(f.shard.trim());
    if (!m || +m[1]! < 1 || +m[1]! > +m[2]!) throw new UsageError(`--shard ${f.shard}: write i/n with 1 ≤ i ≤ n, e.g. --shard 2/3`);
    shard = { index: +m[1]!, count: +m[2]! };
  }
  return {
    spec, data: f.data, params, objective,
    constraints: { minTrades: int('--min-trades', f.minTrades, 0) ?? file?.minTrades ?? 10, ...(maxDd !== undefined ? { maxDrawdownPercent: maxDd } : {}) },
    ...(folds !== undefined ? { walkForward: { folds, mode } } : {}),
    ...(count !== undefined ? { random: { count, seed } } : {}),
    top: int('--top', f.top, 1) ?? file?.top ?? 10,
    workers: int('--workers', f.workers, 1) ?? defaultWorkers(),
    ...(shard ? { shard } : {}),
    resume: f.resume ?? false,
    ...(f.results ? { results: f.results } : {}),
    ...(f.instrumentFile ? { instrumentFile: f.instrumentFile } : {}),
    ...(f.allowOtherSymbol ? { allowOtherSymbol: true } : {}),
  };
}

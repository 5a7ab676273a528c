// `botctl sweep` from start to end: the spec (it must validate as it is), the parameters, the
// candles (parsed once, shared with the workers), the combinations run on worker threads and
// written to the results file in order as they finish, then the reports built from that file.
// Ctrl-C stops handing out combinations, lets the running ones finish and keeps what is written;
// `--resume` carries on from there.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import { UserError } from '../cli/exit.ts';
import { formatDiagnostics } from '../spec/diagnostic.ts';
import { loadBotSpec } from '../spec/load.ts';
import { progressBar } from '../backtest/progress.ts';
import { iso } from '../backtest/output.ts';
import type { Plan } from '../plan/plan.ts';
import { shareCandles, type SharedCandles } from './candles.ts';
import { loadHistory } from './data.ts';
import type { ComboResult } from './evaluate.ts';
import { ParamError, resolveParams, type ParamDef, type ParamInput } from './params.ts';
import { WorkerPool } from './pool.ts';
import { ResultsWriter } from './results.ts';
import type { WorkerInit } from './setup.ts';
import { MAX_GRID, Space, type SpaceOptions } from './space.ts';
import { SpecVariants } from './variant.ts';
import { foldsOf, type Fold, type WalkForward } from './windows.ts';
import { OBJECTIVE_WORDS, type Constraints, type Objective } from './objective.ts';

export interface SweepOptions {
  spec: string;
  data: string[];
  params: ParamInput[];
  random?: { count: number; seed: number };
  objective: Objective;
  constraints: Constraints;
  walkForward?: WalkForward;
  top: number;
  workers: number;
  shard?: { index: number; count: number };
  resume: boolean;
  /** Where results stream to; default next to the spec, named after the sweep. */
  results?: string;
  instrumentFile?: string;
  allowOtherSymbol?: boolean;
}

/** What the reports say the sweep was; the top of --json. Same inputs, same description. */
export interface SweepDescription {
  bot: { name: string; specFile: string; specHash: string };
  data: { sources: string[]; candles: number; first: string | null; last: string | null; gaps: number };
  parameters: { name: string; path: string; values: string[] }[];
  search: { grid: number; combinations: number; random: { count: number; seed: number } | null };
  shard: { index: number; count: number } | null;
  objective: { name: Objective; description: string };
  constraints: { minTrades: number; maxDrawdownPercent: number | null };
  /** How many of the best the reports list. */
  top: number;
  walkForward: { folds: number; mode: string; windows: { inSample: { from: string | null; to: string | null }; outOfSample: { from: string | null; to: string | null } }[] } | null;
}

/** A prepared sweep: everything checked, nothing run yet. */
export interface Prepared {
  plan: Plan;
  description: SweepDescription;
  params: ParamDef[];
  space: Space;
  folds: Fold[] | null;
  init: WorkerInit;
  resultsFile: string;
  key: string;
  /** What each candle file was read as. */
  dataTexts: string[];
}

export async function prepareSweep(o: SweepOptions): Promise<Prepared> {
  const spec = await loadBotSpec(o.spec);
  if (!spec.ok) {
    throw new UserError(`${o.spec} does not validate as it is; fix it first (each combination is checked the same way):\n${formatDiagnostics(spec.diagnostics, spec.file).trimEnd()}`);
  }
  const plan = spec.plan;
  const specBytes = await readFile(o.spec);
  const specText = specBytes.toString('utf8');
  const specHash = createHash('sha256').update(specBytes).digest('hex');
  if (o.params.length === 0) {
    throw new UserError('say what to sweep: --param NAME=VALUES (e.g. --param fast=5..20 --param risk.stop_loss.atr.multiple=1,1.5,2), or --file SWEEP.yaml');
  }
  let params: ParamDef[];
  try {
    params = resolveParams(o.params, new SpecVariants(o.spec, specText, specHash).data);
  } catch (e) {
    if (e instanceof ParamError) throw new UserError(e.message);
    throw e;
  }
  const spaceOptions: SpaceOptions = { ...(o.random ? { random: o.random } : {}), ...(o.shard ? { shard: o.shard } : {}) };
  const space = new Space(params, spaceOptions);
  if (space.gridSize > MAX_GRID && !o.random) {
    const sizes = params.map((p) => `${p.values.length} ${p.name}`).join(' × ');
    throw new UserError(`the parameters make ${space.gridSize.toLocaleString('en')} combinations (${sizes}); more than ${MAX_GRID.toLocaleString('en')} need --random N to sample N of them\n  hint: coarsen the steps (\`5..50:5\`), drop a parameter, or add --random 20000 --seed 1`);
  }
  if (o.shard && o.shard.index > space.size) throw new UserError(`--shard ${o.shard.index}/${o.shard.count}: there are only ${space.size} combinations, so this shard has none`);

  const history = await loadHistory({ files: o.data, market: plan.market, bot: plan.name, allowOtherSymbol: o.allowOtherSymbol ?? false });
  const candles = history.candles;
  const shared = shareCandles(candles);
  let folds: Fold[] | null = null;
  if (o.walkForward) {
    const blocks = o.walkForward.folds + 1;
    const minBlock = 50;
    if (candles.length < blocks * minBlock) {
      throw new UserError(`--walk-forward ${o.walkForward.folds} cuts the data into ${blocks} windows, but ${candles.length} candles give fewer than ${minBlock} per window; use fewer folds or more data`);
    }
    folds = foldsOf(new Float64Array(shared.buffer, 0, shared.count), o.walkForward);
  }

  const description: SweepDescription = {
    bot: { name: plan.name, specFile: o.spec, specHash },
    data: { sources: o.data, candles: candles.length, first: iso(candles[0]?.start ?? null), last: iso(candles[candles.length - 1]?.start ?? null), gaps: history.gaps },
    parameters: params.map((p) => ({ name: p.name, path: p.path.join('.'), values: p.values.map((v) => v.text) })),
    search: { grid: space.gridSize, combinations: space.size, random: o.random && o.random.count < space.gridSize ? o.random : null },
    shard: o.shard ?? null,
    objective: { name: o.objective, description: OBJECTIVE_WORDS[o.objective] },
    constraints: { minTrades: o.constraints.minTrades, maxDrawdownPercent: o.constraints.maxDrawdownPercent ?? null },
    top: o.top,
    walkForward: o.walkForward && folds ? {
      folds: o.walkForward.folds, mode: o.walkForward.mode,
      windows: folds.map((f) => ({ inSample: { from: iso(f.inSample.from), to: isoEnd(f.inSample.to) }, outOfSample: { from: iso(f.outOfSample.from), to: isoEnd(f.outOfSample.to) } })),
    } : null,
  };
  // Everything that decides the results, and nothing that only ranks them.
  const key = createHash('sha256').update(JSON.stringify({
    specHash, data: dataHash(shared), parameters: description.parameters, search: description.search, shard: description.shard,
    folds, instrument: o.instrumentFile ?? null,
  })).digest('hex');
  const resultsFile = o.results ?? join(dirname(o.spec), 'sweeps', `${basename(o.spec).replace(/\.ya?ml$/, '')}-${key.slice(0, 12)}.jsonl`);
  const init: WorkerInit = {
    specFile: o.spec, specText, specHash, params, space: spaceOptions, candles: shared, folds,
    ...(o.instrumentFile ? { instrumentFile: o.instrumentFile } : {}),
  };
  return { plan, description, params, space, folds, init, resultsFile, key, dataTexts: history.texts };
}

function isoEnd(t: number): string | null {
  return Number.isFinite(t) ? iso(t) : null;
}

function dataHash(c: SharedCandles): string {
  return createHash('sha256').update(new Uint8Array(c.buffer)).digest('hex');
}

export interface RunOutcome {
  /** False when Ctrl-C stopped the sweep before every combination ran. */
  complete: boolean;
  /** Combinations in the results file, and how many of them this run added. */
  done: number;
  ran: number;
  total: number;
  seconds: number;
  workers: number;
}

/** Runs every combination not yet in the results file. */
export async function runCombinations(p: Prepared, o: Pick<SweepOptions, 'workers' | 'resume'>, onNote: (s: string) => void): Promise<RunOutcome> {
  await mkdir(dirname(resolvePath(p.resultsFile)), { recursive: true });
  const total = p.space.shardSize;
  const { writer, done: already, last } = await ResultsWriter.open(p.resultsFile, { format: 'botctl-sweep-results/1', key: p.key, combinations: total }, o.resume);
  if (o.resume && already > 0) onNote(`resuming: ${already} of ${total} combinations already in ${p.resultsFile}\n`);
  const todo = total - already;
  const workers = Math.max(1, Math.min(o.workers, todo));
  const started = Date.now();
  if (todo === 0) {
    await writer.close();
    return { complete: true, done: already, ran: 0, total, seconds: 0, workers: 0 };
  }

  // Results arrive in the order they finish; they are written in combination order.
  const order: number[] = [];
  const arrived = new Map<number, ComboResult>();
  const source = p.space.positions(last + 1);
  const positions: Iterator<number> = {
    next: () => {
      const r = source.next();
      if (!r.done) order.push(r.value);
      return r;
    },
  };
  const pool = new WorkerPool(workers, p.init);
  const bar = progressBar();
  let finished = 0;
  let written = already;
  let flushing = Promise.resolve();
  const onResult = (r: ComboResult): void => {
    if (r.values.length === 0) r.values = SpecVariants.pick(p.params, p.space.digits(r.n)).map((v) => v.text);
    arrived.set(r.n, r);
    finished++;
    while (order.length > 0 && arrived.has(order[0]!)) {
      writer.add(arrived.get(order[0]!)!);
      arrived.delete(order.shift()!);
      written++;
    }
    if (finished % 64 === 0) flushing = flushing.then(() => writer.flush());
    const elapsed = (Date.now() - started) / 1000;
    const rate = finished / Math.max(elapsed, 1e-3);
    bar.update((already + finished) / total, `${(already + finished).toLocaleString('en')}/${total.toLocaleString('en')} combinations, ${rate.toFixed(rate < 10 ? 1 : 0)}/s, ETA ${clock((todo - finished) / rate)}`);
  };

  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) {
      // Second Ctrl-C: leave now; complete lines are on disk already.
      process.exit(130);
    }
    interrupted = true;
    bar.done();
    onNote('\nstopping: letting the running combinations finish (Ctrl-C again to quit at once)\n');
    pool.stop();
  };
  process.on('SIGINT', onSigint);
  try {
    await pool.run(positions, todo, onResult);
  } finally {
    process.off('SIGINT', onSigint);
    bar.done();
    await flushing;
    await writer.close();
  }
  return { complete: written === total, done: written, ran: written - already, total, seconds: (Date.now() - started) / 1000, workers };
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}` : `${m}:${String(s % 60).padStart(2, '0')}`;
}

export function defaultWorkers(): number {
  return availableParallelism();
}

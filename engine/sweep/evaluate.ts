// One combination, start to end, as a worker runs it: the spec with the combination's values,
// checked as `botctl validate` checks a file; the strategy's signal series, recorded once per set
// of strategy params and replayed; the backtest loop (engine/backtest/runner.ts) in its lean mode;
// and, with walk-forward, each window's figures from the same run.
import type { Decimal } from 'decimal.js';
import { Backtest, type BacktestResult } from '../backtest/runner.ts';
import { fl, printedNetPnl } from '../backtest/output.ts';
import type { Metrics } from '../backtest/metrics.ts';
import type { Candle } from '../market/candle.ts';
import { intervalMs } from '../market/candle.ts';
import type { InstrumentRules } from '../market/instrument.ts';
import type { Plan } from '../plan/plan.ts';
import { instantiateStrategy } from '../strategy/load.ts';
import { compileRules, compileVariants, loadLanes } from '../../dsl/index.ts';
import { statsOf, type Stats } from './objective.ts';
import type { ParamDef } from './params.ts';
import { SignalSeries } from './signals.ts';
import type { Space } from './space.ts';
import { SpecVariants, skipReason } from './variant.ts';
import { WindowMeter, type Fold } from './windows.ts';

/** What one combination gave; a line of the results file. */
export interface ComboResult {
  /** The combination's number in the whole run. */
  n: number;
  /** Each parameter's value as written into the spec. */
  values: string[];
  status: 'ok' | 'skipped' | 'failed';
  /** Why it was skipped (validate's message) or failed. */
  reason?: string;
  /** The whole run, as a trader reads it. */
  figures?: Figures;
  /** The whole run's figures the objective and constraints are computed from. */
  stats?: Stats;
  /** Per fold: the in-sample and out-of-sample windows (null when a window had no candle). */
  folds?: { inSample: Stats | null; outOfSample: Stats | null }[];
}

export interface Figures {
  trades: number;
  winRatePercent: number | null;
  netPnl: string;
  returnPercent: number | null;
  maxDrawdownPercent: number | null;
  sharpe: number | null;
  sortino: number | null;
  profitFactor: string | null;
  expectancyR: number | null;
  exposurePercent: number | null;
  fees: string;
}

function figuresOf(m: Metrics): Figures {
  const d = (x: Decimal, places: number): string => x.toDecimalPlaces(places).toFixed();
  return {
    trades: m.tradeCount,
    winRatePercent: fl(m.winRatePercent, 4),
    netPnl: printedNetPnl(m).toFixed(),
    returnPercent: fl(m.returnPercent.toNumber(), 4),
    maxDrawdownPercent: fl(m.maxDrawdownPercent, 4),
    sharpe: fl(m.sharpe, 4),
    sortino: fl(m.sortino, 4),
    profitFactor: m.profitFactor ? d(m.profitFactor, 4) : null,
    expectancyR: fl(m.expectancyR, 4),
    exposurePercent: fl(m.exposurePercent, 4),
    fees: d(m.fees, 8),
  };
}

export interface EvaluatorSetup {
  variants: SpecVariants;
  params: readonly ParamDef[];
  space: Space;
  candles: readonly Candle[];
  rules: InstrumentRules;
  folds: readonly Fold[] | null;
}

/** Signal series kept per worker; a sweep's combinations come grouped by strategy params. */
const SERIES_KEPT = 64;
/** Strategy params recorded together, and how far ahead the sweep is searched for them. */
const BATCH = 16;
const LOOK_AHEAD = 4096;

function seriesKey(s: Plan['strategy']): string {
  return JSON.stringify([s.kind === 'module' ? s.path : s.expressions, s.params]);
}

export class Evaluator {
  private readonly series = new Map<string, SignalSeries>();

  constructor(readonly setup: EvaluatorSetup) {}

  async evaluate(n: number): Promise<ComboResult> {
    const { variants, params, space } = this.setup;
    const values = SpecVariants.pick(params, space.digits(n));
    const texts = values.map((v) => v.text);
    const checked = await variants.check(params, values);
    if (!checked.ok) return { n, values: texts, status: 'skipped', reason: skipReason(checked.diagnostics) };
    try {
      const { figures, stats, folds } = await this.run(checked.plan, n);
      return { n, values: texts, status: 'ok', figures, stats, ...(folds ? { folds } : {}) };
    } catch (e) {
      return { n, values: texts, status: 'failed', reason: e instanceof Error ? e.message : String(e) };
    }
  }

  /** The backtest of one valid plan over every candle. */
  async run(plan: Plan, n = -1, opts: { keep?: boolean } = {}): Promise<Pick<ComboResult, 'figures' | 'stats' | 'folds'> & { result: BacktestResult }> {
    const { candles, rules, folds } = this.setup;
    const series = await this.signals(plan, n);
    const interval = intervalMs(plan.market.interval);
    const windows = folds?.flatMap((f) => [f.inSample, f.outOfSample]) ?? [];
    const meter = windows.length ? new WindowMeter(windows, plan.simulation.initialEquity.toNumber(), interval) : null;
    const bt = new Backtest(plan, series.replay(), rules, {
      lean: !opts.keep,
      ...(meter ? { onBar: meter.onBar, onTrade: meter.onTrade } : {}),
    });
    for (let i = 0; i < candles.length; i++) bt.push(candles[i]!);
    const result = bt.finish();
    const m = result.metrics;
    const out = { figures: figuresOf(m), stats: statsOf(m, (m.bars * interval) / 86_400_000), result };
    if (!meter) return out;
    const w = meter.finish(m.finalEquity);
    return { ...out, folds: folds!.map((_, k) => ({ inSample: w[2 * k]!, outOfSample: w[2 * k + 1]! })) };
  }

  private async signals(plan: Plan, n: number): Promise<SignalSeries> {
    const key = seriesKey(plan.strategy);
    let s = this.series.get(key);
    if (s !== undefined) return s;
    if (plan.strategy.kind === 'rules') {
      await loadLanes();
      this.recordRules(plan.strategy, n);
      s = this.series.get(key);
    }
    if (s === undefined) {
      s = SignalSeries.record(await instantiateStrategy(plan), this.setup.candles);
      this.keep(key, s);
    }
    return s;
  }

  private keep(key: string, s: SignalSeries): void {
    if (this.series.size >= SERIES_KEPT) this.series.delete(this.series.keys().next().value as string);
    this.series.set(key, s);
  }

  /**
   * The series of this combination's strategy params and of the next few the sweep will ask for,
   * compiled into one DAG and recorded in one pass, so the indicators they share are computed
   * once (compileVariants). Sets that do not compile alone are left to fail their own check.
   */
  private recordRules(strategy: Extract<Plan['strategy'], { kind: 'rules' }>, n: number): void {
    const { params, space, candles } = this.setup;
    const swept = params.map((p, i) => (p.path[0] === 'strategy' && p.path[1] === 'params' ? i : -1)).filter((i) => i >= 0);
    const sets = new Map<string, Record<string, number | boolean>>([[seriesKey(strategy), strategy.params]]);
    let looked = 0;
    for (const k of space.positions(n + 1)) {
      if (sets.size >= BATCH || ++looked > LOOK_AHEAD) break;
      const digits = space.digits(k);
      const set = { ...strategy.params };
      for (const i of swept) set[params[i]!.path[2] as string] = params[i]!.values[digits[i]!]!.value as number | boolean;
      const key = seriesKey({ ...strategy, params: set });
      if (!sets.has(key) && !this.series.has(key) && compileRules(strategy.expressions, new Map(Object.entries(set))).ok) sets.set(key, set);
    }
    const compiled = compileVariants(strategy.expressions, [...sets.values()].map((set) => new Map(Object.entries(set))));
    if (!compiled.ok) return;
    const recorded = SignalSeries.recordAll(compiled.createStrategies(), candles);
    [...sets.keys()].forEach((key, i) => this.keep(key, recorded[i]!));
  }
}

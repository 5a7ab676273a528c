// The backtest loop: candles in, one at a time (streamed from a CSV or a download), result out.
// Per closed candle: the simulated exchange fills what was due during the candle, the core hears
// about the fills, the strategy sees the candle, the core decides, the exchange queues the
// intents for the next candle. Memory stays flat: metrics stream, the equity curve and chart
// candles are bounded samples, trades and decisions are kept up to `maxRecords` each (the rest
// counted), so a 5-million-candle run needs no more memory than a short one.
import { Decimal } from 'decimal.js';
import type { Plan } from '../plan/plan.ts';
import { intervalMs, type Candle } from '../market/candle.ts';
import type { InstrumentRules } from '../market/instrument.ts';
import { NO_SIGNALS, type Signal, type Strategy } from '../strategy/strategy.ts';
import { skipReason } from '../core/format.ts';
import { DecisionCore } from '../core/core.ts';
import type { Decision, Intent } from '../core/types.ts';
import { SimExchange, type ClosedTrade, type SimEvent } from '../sim/exchange.ts';
import { MetricsAccumulator, type Metrics } from './metrics.ts';
import { excursionPercents } from './breakdown.ts';
import { CandleAggregator, EquitySampler, type EquityPoint } from './sampling.ts';

export interface BacktestOptions {
  /** Candles before this start time (ms) are skipped entirely; after `to` (exclusive) too. */
  from?: number;
  to?: number;
  /** Most trades and most decisions kept in the result (each); beyond, only counted. */
  maxRecords?: number;
  equityPoints?: number;
  chartCandles?: number;
  /** Called with every decision after warm-up, kept or not (e.g. to stream them to a file). */
  onDecision?: (d: Decision) => void;
  /**
   * Metrics only: no trades, decisions, equity curve or chart candles are kept (a sweep runs
   * thousands of backtests and keeps their metrics).
   */
  lean?: boolean;
  /** After every candle in the range: its start, the equity at its close (float), whether a position is open. */
  onBar?: (time: number, equity: number, inPosition: boolean) => void;
  /** Every closed trade, as the metrics see it. */
  onTrade?: (t: ClosedTrade) => void;
  /** Indicator lines for the report's price chart, stepped on every candle (only when a report is wanted). */
  overlay?: IndicatorOverlay;
}

/** Values drawn over the price chart: one per label, computed on every candle. */
export interface IndicatorOverlay {
  labels: readonly string[];
  step(c: Candle): ArrayLike<number>;
}

export interface TradeRecord extends ClosedTrade {
  /** Net P&L over the risk at the initial stop (null without a stop). */
  rMultiple: Decimal | null;
  /**
   * How far price went against (MAE) and for (MFE) the trade while it was open, in percent of the
   * entry price: the held candles' lows and highs, with the entry and exit prices (null: unknown).
   */
  maePercent: number | null;
  mfePercent: number | null;
  /** Why it was entered: the strategy's words for the signal. */
  entryReason?: string;
}

export interface BacktestResult {
  plan: Plan;
  rules: InstrumentRules;
  warmupBars: number;
  candles: { count: number; first: number | null; last: number | null };
  metrics: Metrics;
  trades: TradeRecord[];
  decisions: Decision[];
  /** How many trades/decisions were not kept because of maxRecords. */
  omitted: { trades: number; decisions: number };
  equity: EquityPoint[];
  chart: { candles: Candle[]; barsPerCandle: number; lines: { label: string; values: (number | null)[] }[] };
  /** Holding the coin over the same candles: first open to last close (null without candles). */
  buyAndHold: { from: number; to: number; percent: number } | null;
  /** Entry signals the core skipped, by reason (numbers in the reason stripped), over the whole run. */
  skipped: { reason: string; count: number }[];
  /** Position still open when the data ended was closed at market at the last close (reason end_of_data). */
  closedAtEnd: boolean;
  /** When the drawdown protection paused entries for good (nobody resumes a backtest), if it did. */
  pausedSince: number | null;
}

export class Backtest {
  readonly core: DecisionCore;
  readonly sim: SimExchange;
  private readonly metrics: MetricsAccumulator;
  private readonly equity: EquitySampler;
  private readonly chart: CandleAggregator;
  private readonly trades: TradeRecord[] = [];
  private readonly decisions: Decision[] = [];
  private omittedTrades = 0;
  private omittedDecisions = 0;
  private readonly maxRecords: number;
  private readonly from: number;
  private readonly to: number;
  /** Candles in the range, and all candles seen including history before the range. */
  private bar = 0;
  private seen = 0;
  private preWarm = 0;
  private first: number | null = null;
  private last: Candle | null = null;
  private closedAtEnd = false;
  private peakF = -Infinity;
  private readonly preload: number;
  private readonly lean: boolean;
  private readonly onBar: ((time: number, equity: number, inPosition: boolean) => void) | undefined;
  private firstOpen = NaN;
  private readonly overlay: IndicatorOverlay | undefined;
  /** Price extremes of the open position (for MAE/MFE); NaN when flat. */
  private posHigh = NaN;
  private posLow = NaN;
  private entryReason: string | undefined;
  private pendingEntryReason: string | undefined;
  private readonly skipped = new Map<string, number>();

  constructor(readonly plan: Plan, readonly strategy: Strategy, readonly rules: InstrumentRules, private readonly opts: BacktestOptions = {}) {
    this.lean = opts.lean ?? false;
    this.onBar = opts.onBar;
    this.maxRecords = this.lean ? 0 : opts.maxRecords ?? 100_000;
    this.from = opts.from ?? -Infinity;
    this.to = opts.to ?? Infinity;
    this.preload = Math.max(strategy.preloadBars, strategy.warmupBars);
    this.sim = new SimExchange(plan.simulation, rules, { leverage: plan.risk.leverage });
    this.core = new DecisionCore(plan, rules, this.lean && !opts.onDecision ? null : (d) => this.onDecision(d));
    this.metrics = new MetricsAccumulator(plan.simulation.initialEquity);
    this.equity = new EquitySampler(opts.equityPoints ?? 4000);
    this.chart = new CandleAggregator(opts.chartCandles ?? 6000, opts.overlay?.labels.length ?? 0);
    this.overlay = opts.overlay;
  }

  /** Feeds one closed candle (oldest first). */
  push = (c: Candle): void => {
    if (c.start < this.from) {
      // History before the range warms up the strategy and the core's indicators, never trades.
      this.strategy.onCandle(c);
      this.overlay?.step(c);
      this.core.onCandle(c, NO_SIGNALS, this.sim);
      this.seen++;
      this.preWarm++;
      return;
    }
    if (c.start >= this.to) return;
    if (this.first === null) {
      this.first = c.start;
      this.firstOpen = c.open;
    }
    const sim = this.sim;
    const core = this.core;
    const events = sim.onCandle(c);
    if (events.length > 0) this.applyEvents(events);
    let signals: readonly Signal[] = this.strategy.onCandle(c);
    if (this.seen < this.preload) signals = NO_SIGNALS;
    const intents = core.onCandle(c, signals, sim);
    for (let i = 0; i < intents.length; i++) {
      const intent = intents[i] as Intent;
      sim.submit(intent);
      // The simulated exchange takes every stop move at once.
      if (intent.kind === 'move_stop') core.confirmStop(intent.stopLoss, true);
    }
    const eq = sim.equityApprox();
    const inPos = sim.position !== null;
    if (inPos) {
      // Held through this candle: its whole range counts towards the trade's excursions.
      if (c.high > this.posHigh) this.posHigh = c.high;
      if (c.low < this.posLow) this.posLow = c.low;
    }
    this.metrics.onBar(c.start, eq, inPos);
    if (this.onBar !== undefined) this.onBar(c.start, eq, inPos);
    if (!this.lean) this.sample(c, eq);
    this.last = c;
    this.bar++;
    this.seen++;
  };

  private sample(c: Candle, eq: number): void {
    if (eq > this.peakF) this.peakF = eq;
    if (this.equity.wants()) {
      const peak = this.peakF;
      this.equity.tick(() => ({ time: c.start, equity: this.sim.equity(), drawdownPercent: peak > 0 ? ((peak - eq) / peak) * 100 : 0, price: c.close }));
    } else this.equity.tick(NO_POINT);
    if (this.overlay) this.chart.add(c, this.overlay.step(c));
    else this.chart.add(c);
  }

  private applyEvents(events: readonly SimEvent[]): void {
    for (const ev of events) {
      if (ev.type === 'rejected') {
        this.core.onEntryRejected(ev.time, ev.reason, ev.candle);
        continue;
      }
      this.core.onFill(ev.fill);
      if (ev.trade) this.onTrade(ev.trade);
      else if (ev.fill.kind === 'entry' && this.posHigh !== this.posHigh) {
        // A new position: its excursions start at the fill price.
        this.posHigh = this.posLow = ev.fill.price.toNumber();
        this.entryReason = this.pendingEntryReason;
      }
    }
  }

  private onTrade(t: ClosedTrade): void {
    const rec: TradeRecord = {
      ...t,
      rMultiple: null,
      // NaN extremes (a position opened and closed within one candle) leave entry and exit.
      ...excursionPercents(t.side, t.entryPrice.toNumber(), t.exitPrice.toNumber(), this.posHigh === this.posHigh ? this.posHigh : -Infinity, this.posLow === this.posLow ? this.posLow : Infinity),
      ...(this.entryReason !== undefined ? { entryReason: this.entryReason } : {}),
    };
    this.posHigh = this.posLow = NaN;
    this.metrics.onTrade(rec);
    this.opts.onTrade?.(t);
    if (this.trades.length >= this.maxRecords) {
      this.omittedTrades++;
      return;
    }
    const risk = t.stopLoss ? t.entryPrice.sub(t.stopLoss).abs().mul(t.qty) : null;
    rec.rMultiple = risk && risk.gt(0) ? t.netPnl.div(risk).toDecimalPlaces(4) : null;
    this.trades.push(rec);
  }

  private onDecision(d: Decision): void {
    // Warm-up decisions are discarded; none should exist since signals are muted, but protections
    // could in principle fire, and a warm-up record would confuse the reader.
    if (this.seen < this.preload) return;
    this.opts.onDecision?.(d);
    if (d.outcome === 'entry') this.pendingEntryReason = d.signalReason ?? d.reason;
    else if (d.outcome === 'skipped') {
      const key = skipReason(d.reason);
      this.skipped.set(key, (this.skipped.get(key) ?? 0) + 1);
    }
    if (this.decisions.length >= this.maxRecords) {
      this.omittedDecisions++;
      return;
    }
    this.decisions.push(d);
  }

  /** Ends the run: closes any open position at market at the last close and computes the metrics. */
  finish(): BacktestResult {
    const last = this.last;
    if (last !== null && this.sim.position !== null) {
      this.closedAtEnd = true;
      const events = this.sim.closeAt(last.close, last.start + intervalMs(this.plan.market.interval), last.start, 'end_of_data');
      this.applyEvents(events);
    }
    const finalEquity = this.sim.equity();
    if (last !== null && this.equity.points.length > 0) {
      const lastPoint = this.equity.points[this.equity.points.length - 1] as EquityPoint;
      if (lastPoint.time !== last.start || this.closedAtEnd) {
        const eq = finalEquity.toNumber();
        const dd = this.peakF > 0 ? Math.max(0, ((this.peakF - eq) / this.peakF) * 100) : 0;
        if (lastPoint.time === last.start) this.equity.points.pop();
        this.equity.points.push({ time: last.start, equity: finalEquity, drawdownPercent: dd });
      }
    }
    return {
      plan: this.plan,
      rules: this.rules,
      warmupBars: Math.min(this.bar, Math.max(0, this.preload - this.preWarm)),
      candles: { count: this.bar, first: this.first, last: last ? last.start : null },
      metrics: this.metrics.finish(finalEquity),
      trades: this.trades,
      decisions: this.decisions,
      omitted: { trades: this.omittedTrades, decisions: this.omittedDecisions },
      equity: this.equity.points,
      chart: { candles: this.chart.candles, barsPerCandle: this.chart.barsPerCandle, lines: this.chart.lines(this.overlay?.labels ?? []) },
      closedAtEnd: this.closedAtEnd,
      pausedSince: this.core.state.drawdownPause?.forever ? this.core.state.drawdownPause.sinceTime : null,
      buyAndHold: last !== null && this.firstOpen === this.firstOpen ? { from: this.firstOpen, to: last.close, percent: (last.close / this.firstOpen - 1) * 100 } : null,
      skipped: [...this.skipped].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    };
  }
}

const NO_POINT = (): EquityPoint => {
  throw new Error('unreachable: equity sampler asked for an unwanted point');
};

/** Runs a whole backtest over an in-memory candle list (tests, small data). */
export function runBacktest(plan: Plan, strategy: Strategy, rules: InstrumentRules, candles: Iterable<Candle>, opts?: BacktestOptions): BacktestResult {
  const bt = new Backtest(plan, strategy, rules, opts);
  for (const c of candles) bt.push(c);
  return bt.finish();
}


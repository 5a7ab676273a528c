// `botctl report` for paper and live journals: the backtest HTML report (engine/backtest/html.ts,
// same page) fed from a journal instead of a simulation. The journal holds fills, equity
// snapshots, decisions and positions but no candles, so the price chart, the indicator lines, buy
// and hold and the trades' excursions (MAE/MFE) are drawn only when the trader passes a candle
// file; otherwise the report says it shows equity only.
import { Decimal } from 'decimal.js';
import { renderHtmlReport } from '../backtest/html.ts';
import { MetricsAccumulator, type Metrics } from '../backtest/metrics.ts';
import { excursionPercents } from '../backtest/breakdown.ts';
import { indicatorOverlay } from '../backtest/overlay.ts';
import type { BacktestResult, TradeRecord } from '../backtest/runner.ts';
import { skipReason } from '../core/format.ts';
import { CandleAggregator, EquitySampler, type EquityPoint } from '../backtest/sampling.ts';
import type { ExitReason } from '../core/types.ts';
import { intervalMs, type Candle } from '../market/candle.ts';
import { candleFileText, readCandleFile } from '../market/candle-file.ts';
import { bundledInstrument } from '../market/instruments.ts';
import type { InstrumentRules } from '../market/instrument.ts';
import type { Plan } from '../plan/plan.ts';
import { checkSpecText } from '../spec/load.ts';
import { drawdownPolicyText } from '../spec/summary.ts';
import { UserError } from '../cli/exit.ts';
import type { OpenBot } from './locate.ts';
import { modeWord, shown } from './locate.ts';
import { intervalText } from './status-output.ts';
import { fmtUtc } from './time.ts';
import { quoteCoin, totals, tradeHistory, type TradeHistory, type TradeRow } from './trades.ts';

export interface JournalReport {
  html: string;
  trades: number;
  candles: number;
  equityPoints: number;
}

/** The plan the run actually used (its recorded spec text), else the spec as it is now; with its text and summary. */
async function planOf(b: OpenBot): Promise<{ plan: Plan; spec?: { text: string; summary: string } }> {
  const recorded = await checkSpecText(b.run.specFile ?? b.specAbs, b.run.specText, b.run.specHash);
  if (recorded.ok) return { plan: recorded.plan, spec: { text: b.run.specText, summary: recorded.summary } };
  if (b.plan) return { plan: b.plan };
  throw new UserError(`cannot build the report: neither the spec ${b.specFile} nor the copy recorded with run #${b.run.id} validates; run \`botctl validate ${b.specFile}\``);
}

function toRecord(r: TradeRow): TradeRecord {
  const risk = r.stopLoss ? r.entryPrice.sub(r.stopLoss).abs().mul(r.qty) : null;
  return {
    side: r.side, qty: r.qty, entryTime: r.entryTime, entryPrice: r.entryPrice, exitTime: r.exitTime!, exitPrice: r.exitPrice!,
    grossPnl: r.grossPnl, fees: r.fees, netPnl: r.netPnl, reason: r.exitReason as ExitReason,
    stopLoss: r.stopLoss, takeProfit: r.takeProfit, rMultiple: risk && risk.gt(0) ? r.netPnl.div(risk).toDecimalPlaces(4) : null,
    maePercent: null, mfePercent: null,
  };
}

/**
 * A trade's excursions from the candles it was held through (those wholly between its entry and
 * its exit) and its entry and exit prices, as a backtest measures them.
 */
function excursions(t: TradeRecord, candles: readonly Candle[], step: number): void {
  let hi = -Infinity;
  let lo = Infinity;
  for (let i = lowerBound(candles, t.entryTime); i < candles.length && (candles[i] as Candle).start + step <= t.exitTime; i++) {
    const c = candles[i] as Candle;
    if (c.high > hi) hi = c.high;
    if (c.low < lo) lo = c.low;
  }
  Object.assign(t, excursionPercents(t.side, t.entryPrice.toNumber(), t.exitPrice.toNumber(), hi, lo));
}

function lowerBound(candles: readonly Candle[], t: number): number {
  let lo = 0;
  let hi = candles.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((candles[mid] as Candle).start < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Equity over time: the journal's snapshots, or (none recorded) the start plus each trade's realised P&L. */
function equitySeries(b: OpenBot, plan: Plan, trades: readonly TradeRecord[]): { time: number; equity: Decimal }[] {
  const snaps = b.view.equity();
  if (snaps.length > 0) return snaps.map((e) => ({ time: e.time, equity: e.equity }));
  let eq = plan.simulation.initialEquity;
  const out = [{ time: b.view.runs()[0]?.startedAt ?? b.run.startedAt, equity: eq }];
  for (const t of trades) {
    eq = eq.add(t.netPnl);
    out.push({ time: t.exitTime, equity: eq });
  }
  return out;
}

interface ChartCandles {
  /** Every candle of [from, to], for excursions and buy and hold. */
  all: Candle[];
  chart: BacktestResult['chart'];
  text: string;
}

/** The candle file, checked and in the bot's interval like a backtest's, within [from, to]; indicators warm up on what comes before. */
async function candlesFrom(file: string, plan: Plan, from: number, to: number, allowOtherSymbol: boolean): Promise<ChartCandles> {
  const overlay = indicatorOverlay(plan);
  const agg = new CandleAggregator(6000, overlay?.labels.length ?? 0);
  const all: Candle[] = [];
  const s = await readCandleFile({ file, market: plan.market, bot: plan.name, allowOtherSymbol }, (c) => {
    const values = overlay?.step(c);
    if (c.start < from || c.start > to) return;
    all.push(c);
    agg.add(c, values);
  });
  return { all, chart: { candles: agg.candles, barsPerCandle: agg.barsPerCandle, lines: agg.lines(overlay?.labels ?? []) }, text: candleFileText(s) };
}

/** The instrument's precision for prices and quantities, when botctl bundles it. */
function rulesOf(plan: Plan): InstrumentRules {
  try {
    return bundledInstrument(plan.market.symbol, plan.market.category);
  } catch {
    return { symbol: plan.market.symbol, category: plan.market.category, tickSize: new Decimal(0), qtyStep: new Decimal(0), minQty: new Decimal(0), minNotional: new Decimal(0) };
  }
}

export async function buildJournalReport(b: OpenBot, opts: { data?: string; allowOtherSymbol?: boolean; now: number }): Promise<JournalReport> {
  const { plan, spec } = await planOf(b);
  const history = tradeHistory(b.view);
  const trades = history.closed.map(toRecord);
  const series = equitySeries(b, plan, trades);
  const first = Math.min(b.view.runs()[0]?.startedAt ?? b.run.startedAt, trades[0]?.entryTime ?? Infinity, series[0]!.time);
  const last = Math.max(series[series.length - 1]!.time, trades[trades.length - 1]?.exitTime ?? -Infinity, history.open?.entryTime ?? -Infinity);
  const candles = opts.data ? await candlesFrom(opts.data, plan, first, last, Boolean(opts.allowOtherSymbol)) : undefined;
  const step = intervalMs(plan.market.interval);
  if (candles) for (const t of trades) excursions(t, candles.all, step);
  const closeAt = (time: number): number | undefined => {
    const i = candles ? lowerBound(candles.all, time + 1) - 1 : -1;
    return i >= 0 ? (candles!.all[i] as Candle).close : undefined;
  };

  const metrics = new MetricsAccumulator(series[0]!.equity);
  const sampler = new EquitySampler(4000);
  let peak = -Infinity;
  let ti = 0;
  for (const p of series) {
    const eq = p.equity.toNumber();
    while (ti < trades.length && trades[ti]!.exitTime < p.time) ti++;
    const t = trades[ti];
    const inPosition = (t !== undefined && t.entryTime <= p.time) || (history.open !== null && history.open.entryTime <= p.time);
    metrics.onBar(p.time, eq, inPosition);
    if (eq > peak) peak = eq;
    const dd = peak > 0 ? ((peak - eq) / peak) * 100 : 0;
    const price = closeAt(p.time);
    sampler.tick(() => ({ time: p.time, equity: p.equity, drawdownPercent: dd, ...(price !== undefined ? { price } : {}) }));
  }
  for (const t of trades) metrics.onTrade(t);
  const m = metrics.finish(series[series.length - 1]!.equity);
  const equity: EquityPoint[] = sampler.points;

  const skipped = new Map<string, number>();
  for (const { reason, count } of b.view.skipReasons()) skipped.set(skipReason(reason), (skipped.get(skipReason(reason)) ?? 0) + count);
  const all = candles?.all ?? [];
  const result: BacktestResult = {
    plan,
    rules: rulesOf(plan),
    warmupBars: 0,
    candles: { count: all.length, first: all[0]?.start ?? null, last: all[all.length - 1]?.start ?? null },
    metrics: m,
    trades,
    decisions: [],
    omitted: { trades: 0, decisions: 0 },
    equity,
    chart: candles?.chart ?? { candles: [], barsPerCandle: 1, lines: [] },
    closedAtEnd: false,
    pausedSince: null,
    buyAndHold: all.length ? { from: all[0]!.open, to: all[all.length - 1]!.close, percent: (all[all.length - 1]!.close / all[0]!.open - 1) * 100 } : null,
    skipped: [...skipped].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
  };
  const summary = journalSummary(b, plan, m, history, { first, last, candles: all.length, data: candles?.text, snapshots: b.view.equity().length });
  const html = await renderHtmlReport(result, { data: opts.data ?? 'journal', ...(candles ? { dataText: candles.text } : {}), ...(spec ? { spec } : {}) }, {
    title: `${plan.name} ${modeWord(b.mode)} report`,
    heading: `${plan.name}: ${b.mode === 'backtest' ? 'replay' : `${b.mode} trading`} on ${plan.market.symbol} ${plan.market.category}`,
    summary,
    noCandles: 'This journal has no candles, so there is no price chart: the report shows equity only. ' +
      'Pass --data FILE.csv (any candle file botctl backtest reads) to draw candles with the entries, exits, stops, targets and the rules\' indicator lines.',
    skippedSource: `from the journal's decision records`,
    funding: 'not in the journal: live perpetual positions pay or receive funding every 8 h, which botctl does not record yet',
  });
  return { html, trades: trades.length, candles: all.length, equityPoints: equity.length };
}

function journalSummary(
  b: OpenBot, plan: Plan, m: Metrics, h: TradeHistory,
  x: { first: number; last: number; candles: number; data: string | undefined; snapshots: number },
): string {
  const q = quoteCoin(plan.market.symbol);
  const t = totals(h.closed);
  const sign = (d: Decimal): string => (d.gt(0) ? '+' : '');
  const runs = b.view.runs();
  const num = (v: number | null, digits = 2): string => (v === null ? 'n/a' : v.toFixed(digits));
  const rows: [string, string][] = [
    ['Realised P&L', `${sign(t.netPnl)}${t.netPnl.toDecimalPlaces(2).toFixed(2)} ${q} over ${t.count} closed trade${t.count === 1 ? '' : 's'} (after ${t.fees.toDecimalPlaces(2).toFixed(2)} ${q} fees and funding)`],
    ['Funding', `${sign(t.funding)}${t.funding.toDecimalPlaces(2).toFixed(2)} ${q} (${t.funding.isZero() ? 'none' : t.funding.isNegative() ? 'paid' : 'received'} on closed trades; in the P&L above)`],
    ['Equity', `${m.finalEquity.toDecimalPlaces(2).toFixed(2)} ${q} (from ${m.initialEquity.toFixed()}, ${sign(m.returnPercent)}${m.returnPercent.toFixed(2)} %)`],
    ['Max drawdown', `${m.maxDrawdownPercent.toFixed(2)} % (${m.maxDrawdown.toFixed(2)} ${q})`],
    ['Sharpe', `${num(m.sharpe)} (daily returns, annualised)`],
    ['Sortino', `${num(m.sortino)} (daily returns, annualised)`],
    ['Trades', `${m.tradeCount}${m.winRatePercent !== null ? ` (win rate ${m.winRatePercent.toFixed(1)} %)` : ''}`],
    ['Profit factor', m.profitFactor ? m.profitFactor.toFixed(2) : 'n/a'],
    ['Expectancy', m.expectancyR === null ? 'n/a' : `${m.expectancyR >= 0 ? '+' : ''}${m.expectancyR.toFixed(2)} R per trade`],
    ['Average trade', m.averageTrade ? `${sign(m.averageTrade)}${m.averageTrade.toDecimalPlaces(2).toFixed(2)} ${q}` : 'n/a'],
  ];
  const lines = [
    `${plan.name}: ${modeWord(b.mode)} on ${plan.market.symbol} ${plan.market.category} ${intervalText(plan.market.interval)}, ${fmtUtc(x.first)} → ${fmtUtc(x.last)} UTC, ` +
      `${runs.length} run${runs.length === 1 ? '' : 's'} in ${shown(b.journalAbs)}`,
    ...rows.map(([k, v]) => `  ${k.padEnd(15)}${v}`),
  ];
  const drawdown = drawdownPolicyText(plan, b.mode === 'live' ? undefined : plan.simulation.initialEquity);
  if (drawdown) lines.push(`  ${drawdown}`);
  if (h.open) lines.push(`  open position  ${h.open.side} ${h.open.qty.toFixed()} at ${h.open.entryPrice.toFixed()} since ${fmtUtc(h.open.entryTime)} UTC (not in the trade figures)`);
  lines.push(x.snapshots > 0
    ? `  equity curve from ${x.snapshots} equity snapshot${x.snapshots === 1 ? '' : 's'} in the journal`
    : '  equity curve rebuilt from the starting equity and each closed trade (the journal has no equity snapshots)');
  lines.push(x.candles > 0
    ? `  price chart: ${x.candles} candles from ${x.data}`
    : '  no candles in the journal: equity only (pass --data FILE.csv to draw the price chart)');
  return `${lines.join('\n')}\n`;
}

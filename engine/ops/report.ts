// `botctl report` for paper and live journals: the backtest HTML report (engine/backtest/html.ts,
// same look) fed from a journal instead of a simulation. The journal holds fills, equity
// snapshots and positions but no candles, so the price chart is drawn only when the trader passes
// a candle CSV; otherwise the report says it shows equity only.
//
// renderHtmlReport takes a BacktestResult; this adapter builds one from the journal and then swaps
// the backtest-specific title, heading and summary for the journal's own. The swaps target the
// page's stable landmarks (<title>, the first <h1>, <pre class="summary">); test/commands checks
// them so a change of the HTML module shows up there.
import { Decimal } from 'decimal.js';
import { renderHtmlReport } from '../backtest/html.ts';
import { MetricsAccumulator, type Metrics } from '../backtest/metrics.ts';
import type { BacktestResult, TradeRecord } from '../backtest/runner.ts';
import { CandleAggregator, EquitySampler, type EquityPoint } from '../backtest/sampling.ts';
import type { ExitReason } from '../core/types.ts';
import type { Candle } from '../market/candle.ts';
import { candleFileText, readCandleFile } from '../market/candle-file.ts';
import type { Plan } from '../plan/plan.ts';
import { checkSpecText } from '../spec/load.ts';
import { drawdownPolicyText } from '../spec/summary.ts';
import { UserError } from '../cli/exit.ts';
import type { OpenBot } from './locate.ts';
import { shown } from './locate.ts';
import { intervalText } from './status-output.ts';
import { fmtUtc } from './time.ts';
import { quoteCoin, totals, tradeHistory, type TradeHistory, type TradeRow } from './trades.ts';

export interface JournalReport {
  html: string;
  trades: number;
  candles: number;
  equityPoints: number;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The plan the run actually used (its recorded spec text), else the spec as it is now. */
async function planOf(b: OpenBot): Promise<Plan> {
  const recorded = await checkSpecText(b.run.specFile ?? b.specAbs, b.run.specText, b.run.specHash);
  if (recorded.ok) return recorded.plan;
  if (b.plan) return b.plan;
  throw new UserError(`cannot build the report: neither the spec ${b.specFile} nor the copy recorded with run #${b.run.id} validates; run \`botctl validate ${b.specFile}\``);
}

function toRecord(r: TradeRow): TradeRecord {
  const risk = r.stopLoss ? r.entryPrice.sub(r.stopLoss).abs().mul(r.qty) : null;
  return {
    side: r.side, qty: r.qty, entryTime: r.entryTime, entryPrice: r.entryPrice, exitTime: r.exitTime!, exitPrice: r.exitPrice!,
    grossPnl: r.grossPnl, fees: r.fees, netPnl: r.netPnl, reason: r.exitReason as ExitReason,
    stopLoss: r.stopLoss, takeProfit: r.takeProfit, rMultiple: risk && risk.gt(0) ? r.netPnl.div(risk).toDecimalPlaces(4) : null,
  };
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

/** The chart's candles: the file's, checked and in the bot's interval like a backtest's, within [from, to]. */
async function candlesFrom(file: string, plan: Plan, from: number, to: number, allowOtherSymbol: boolean): Promise<{ candles: Candle[]; text: string }> {
  const agg = new CandleAggregator(6000);
  const s = await readCandleFile({ file, market: plan.market, bot: plan.name, allowOtherSymbol }, (c) => {
    if (c.start >= from && c.start <= to) agg.add(c);
  });
  return { candles: agg.candles, text: candleFileText(s) };
}

export async function buildJournalReport(b: OpenBot, opts: { data?: string; allowOtherSymbol?: boolean; now: number }): Promise<JournalReport> {
  const plan = await planOf(b);
  const history = tradeHistory(b.view);
  const trades = history.closed.map(toRecord);
  const series = equitySeries(b, plan, trades);
  const initial = series[0]!.equity;

  const metrics = new MetricsAccumulator(initial);
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
    sampler.tick(() => ({ time: p.time, equity: p.equity, drawdownPercent: dd }));
  }
  for (const t of trades) metrics.onTrade(t);
  const m = metrics.finish(series[series.length - 1]!.equity);
  const equity: EquityPoint[] = sampler.points;

  const first = Math.min(b.view.runs()[0]?.startedAt ?? b.run.startedAt, trades[0]?.entryTime ?? Infinity, series[0]!.time);
  const last = Math.max(series[series.length - 1]!.time, trades[trades.length - 1]?.exitTime ?? -Infinity, history.open?.entryTime ?? -Infinity);
  const chart = opts.data ? await candlesFrom(opts.data, plan, first, last, Boolean(opts.allowOtherSymbol)) : undefined;
  const candles = chart?.candles ?? [];

  const result: BacktestResult = {
    plan,
    // Only the simulation reads instrument rules; the report never prints them.
    rules: { symbol: plan.market.symbol, category: plan.market.category, tickSize: new Decimal(0), qtyStep: new Decimal(0), minQty: new Decimal(0), minNotional: new Decimal(0) },
    warmupBars: 0,
    candles: { count: candles.length, first: candles[0]?.start ?? null, last: candles[candles.length - 1]?.start ?? null },
    metrics: m,
    trades,
    decisions: [],
    omitted: { trades: 0, decisions: 0 },
    equity,
    chart: { candles, barsPerCandle: 1 },
    closedAtEnd: false,
    pausedSince: null,
  };
  let html = await renderHtmlReport(result, { data: opts.data ?? 'journal' });
  const heading = `${plan.name}: ${b.mode} trading on ${plan.market.symbol} ${plan.market.category}`;
  const summary = journalSummary(b, plan, m, history, { first, last, candles: candles.length, data: chart?.text, snapshots: b.view.equity().length });
  html = html
    .replace(/<title>[^<]*<\/title>/, () => `<title>${esc(`${plan.name} ${b.mode} report`)}</title>`)
    .replace(/<h1>[\s\S]*?<\/h1>/, () => `<h1>${esc(heading)}</h1>`)
    .replace(/<pre class="summary">[\s\S]*?<\/pre>/, () => `<pre class="summary">${esc(summary)}</pre>`);
  if (candles.length === 0) {
    html = html.replace(/<div id="price" class="chart"><\/div>/, () =>
      '<p class="note">This journal has no candles, so there is no price chart: the report shows equity only. ' +
        'Pass <code>--data FILE.csv</code> (the candle CSV format of <code>botctl backtest</code>) to draw candles with the entries, exits, stops and targets.</p>' +
        '<div id="price" class="chart" style="display:none"></div>');
  }
  return { html, trades: trades.length, candles: candles.length, equityPoints: equity.length };
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
    `${plan.name}: ${b.mode} on ${plan.market.symbol} ${plan.market.category} ${intervalText(plan.market.interval)}, ${fmtUtc(x.first)} → ${fmtUtc(x.last)} UTC, ` +
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

// What a backtest prints and writes: the terminal summary and the JSON result. The JSON is a pure
// function of the inputs (no run timestamps, no machine paths beyond the spec's own, fixed key
// order, money as decimal strings), so the same inputs give byte-identical files.
import type { Decimal } from 'decimal.js';
import type { Decision } from '../core/types.ts';
import type { Metrics } from './metrics.ts';
import type { BacktestResult, TradeRecord } from './runner.ts';
import { drawdownPolicyText } from '../spec/summary.ts';

export interface RunInfo {
  /** Data source as the user named it (CSV path or "bybit download"). */
  data: string;
  gaps?: { count: number; first?: { after: number; before: number } };
  /** What the candle file held and how it was read (candleFileText), printed under the headline. */
  dataText?: string;
  /** The spec as it was run: its text and plain-English summary (for the HTML report). */
  spec?: { text: string; summary: string };
}

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
export const dec = (d: Decimal | null): string | null => (d === null ? null : d.toFixed());
/** Floats rounded for stable, readable output. */
export const fl = (x: number | null, digits = 6): number | null => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));

/**
 * Net P&L as printed: the final equity rounded once to 8 places, less the initial, so the two
 * printed figures agree to the digit (rounding the net itself differs when the ninth decimal is a 5).
 */
export const printedNetPnl = (m: Metrics): Decimal => m.finalEquity.toDecimalPlaces(8).sub(m.initialEquity);

export function resultToJson(r: BacktestResult, info: RunInfo): string {
  const p = r.plan;
  const m = r.metrics;
  const out = {
    format: 'botctl-backtest/1',
    bot: { name: p.name, specFile: p.specFile, specHash: p.specHash },
    market: { category: p.market.category, symbol: p.market.symbol, interval: p.market.interval },
    data: {
      source: info.data,
      candles: r.candles.count,
      first: iso(r.candles.first),
      last: iso(r.candles.last),
      warmupBars: r.warmupBars,
      gaps: info.gaps ? { count: info.gaps.count, first: info.gaps.first ? { after: iso(info.gaps.first.after), before: iso(info.gaps.first.before) } : null } : null,
    },
    instrument: {
      tickSize: dec(r.rules.tickSize), qtyStep: dec(r.rules.qtyStep), minQty: dec(r.rules.minQty), minNotional: dec(r.rules.minNotional),
    },
    simulation: {
      initialEquity: dec(p.simulation.initialEquity), takerFeePercent: dec(p.simulation.takerFeePercent),
      makerFeePercent: dec(p.simulation.makerFeePercent), slippagePercent: dec(p.simulation.slippagePercent),
      fillModel: 'market orders at the next open with slippage; limit orders at the limit when touched; stop before target when both are touched in one candle; gaps fill at the open',
    },
    metrics: {
      initialEquity: dec(m.initialEquity),
      finalEquity: dec(m.finalEquity.toDecimalPlaces(8)),
      netPnl: dec(printedNetPnl(m)),
      returnPercent: dec(m.returnPercent.toDecimalPlaces(4)),
      maxDrawdownPercent: fl(m.maxDrawdownPercent, 4),
      maxDrawdown: fl(m.maxDrawdown, 4),
      sharpe: fl(m.sharpe, 4),
      sortino: fl(m.sortino, 4),
      ratiosFrom: 'daily returns (UTC days), annualised with sqrt(365), risk-free rate 0',
      tradeCount: m.tradeCount,
      winRatePercent: fl(m.winRatePercent, 4),
      profitFactor: dec(m.profitFactor?.toDecimalPlaces(4) ?? null),
      averageTrade: dec(m.averageTrade?.toDecimalPlaces(8) ?? null),
      averageWin: dec(m.averageWin?.toDecimalPlaces(8) ?? null),
      averageLoss: dec(m.averageLoss?.toDecimalPlaces(8) ?? null),
      expectancyR: fl(m.expectancyR, 4),
      exposurePercent: fl(m.exposurePercent, 4),
      fees: dec(m.fees.toDecimalPlaces(8)),
      days: m.days,
      closedAtEnd: r.closedAtEnd,
      buyAndHoldPercent: fl(r.buyAndHold?.percent ?? null, 4),
      longestDrawdown: m.longestDrawdown ? { days: fl(m.longestDrawdown.ms / 86_400_000, 4), from: iso(m.longestDrawdown.from), to: iso(m.longestDrawdown.to) } : null,
      sides: Object.fromEntries((['long', 'short'] as const).map((k) => {
        const x = m.breakdown[k];
        return [k, { trades: x.count, wins: x.wins, netPnl: dec(x.netPnl.toDecimalPlaces(8)), averageHours: x.count ? fl(x.totalDurationMs / x.count / 3_600_000, 4) : null }];
      })),
      exitReasons: m.breakdown.exitReasons.map((x) => ({ reason: x.reason, trades: x.count, wins: x.wins, netPnl: dec(x.netPnl.toDecimalPlaces(8)) })),
      averageMaePercent: fl(m.breakdown.excursion.averageMae, 4),
      averageMfePercent: fl(m.breakdown.excursion.averageMfe, 4),
      monthlyReturns: m.monthly.map((x) => ({ month: x.month, returnPercent: fl(x.returnPercent, 4) })),
      skippedSignals: r.skipped,
    },
    trades: r.trades.map(tradeJson),
    decisions: r.decisions.map(decisionJson),
    omitted: r.omitted,
    equity: r.equity.map((e) => ({ time: iso(e.time), equity: e.equity.toDecimalPlaces(8).toFixed(), drawdownPercent: fl(e.drawdownPercent, 4) })),
  };
  return `${JSON.stringify(out, null, 1)}\n`;
}

function tradeJson(t: TradeRecord): Record<string, unknown> {
  return {
    side: t.side,
    qty: t.qty.toFixed(),
    entryTime: iso(t.entryTime),
    entryPrice: t.entryPrice.toFixed(),
    exitTime: iso(t.exitTime),
    exitPrice: t.exitPrice.toFixed(),
    reason: t.reason,
    stopLoss: dec(t.stopLoss),
    takeProfit: dec(t.takeProfit),
    grossPnl: t.grossPnl.toFixed(),
    fees: t.fees.toFixed(),
    netPnl: t.netPnl.toFixed(),
    rMultiple: dec(t.rMultiple),
    maePercent: fl(t.maePercent, 4),
    mfePercent: fl(t.mfePercent, 4),
    ...(t.entryReason !== undefined ? { entryReason: t.entryReason } : {}),
  };
}

function decisionJson(d: Decision): Record<string, unknown> {
  const o: Record<string, unknown> = { time: iso(d.time), candle: iso(d.candle), kind: d.kind, action: d.action, outcome: d.outcome };
  if (d.strength !== undefined) o.strength = d.strength;
  if (d.confidence !== undefined) o.confidence = d.confidence;
  o.reason = d.reason;
  if (d.signalReason !== undefined) o.signalReason = d.signalReason;
  o.text = d.text;
  return o;
}

// ---------------------------------------------------------------- terminal

function money(d: Decimal, quote: string): string {
  const s = d.toDecimalPlaces(2).toFixed(2);
  const [i, f] = s.replace('-', '').split('.') as [string, string];
  return `${d.isNegative() && !d.toDecimalPlaces(2).isZero() ? '-' : d.isZero() ? '' : '+'}${i.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${f} ${quote}`;
}

const pct = (x: number | null, digits = 2): string => (x === null ? 'n/a' : `${x.toFixed(digits)} %`);
const num = (x: number | null, digits = 2): string => (x === null ? 'n/a' : x.toFixed(digits));
const fmtT = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));

export function summaryText(r: BacktestResult, info: RunInfo): string {
  const p = r.plan;
  const m = r.metrics;
  const quote = p.market.symbol.endsWith('USDT') ? 'USDT' : p.market.symbol.endsWith('USDC') ? 'USDC' : 'quote';
  const iv = p.market.interval;
  const ivText = /^\d+$/.test(iv) ? (Number(iv) % 60 === 0 ? `${Number(iv) / 60}h` : `${iv}m`) : iv;
  const rows: [string, string][] = [
    ['Net P&L', `${money(m.finalEquity.toDecimalPlaces(2).sub(m.initialEquity), quote)} (${m.returnPercent.isNegative() ? '' : '+'}${m.returnPercent.toFixed(2)} %)`],
    ['Final equity', `${m.finalEquity.toDecimalPlaces(2).toFixed(2)} ${quote} (from ${m.initialEquity.toFixed()})`],
    ['Max drawdown', `${pct(m.maxDrawdownPercent)} (${m.maxDrawdown.toFixed(2)} ${quote})`],
    ['Sharpe', `${num(m.sharpe)} (daily returns, annualised)`],
    ['Sortino', `${num(m.sortino)} (daily returns, annualised)`],
    ['Trades', `${m.tradeCount}${m.winRatePercent !== null ? ` (win rate ${pct(m.winRatePercent, 1)})` : ''}`],
    ['Profit factor', m.profitFactor ? m.profitFactor.toFixed(2) : 'n/a'],
    ['Expectancy', m.expectancyR === null ? 'n/a' : `${m.expectancyR >= 0 ? '+' : ''}${m.expectancyR.toFixed(2)} R per trade`],
    ['Average trade', m.averageTrade ? money(m.averageTrade, quote) : 'n/a'],
    ['Exposure', `${pct(m.exposurePercent, 1)} of candles in a position`],
    ['Fees', money(m.fees, quote).replace(/^\+/, '')],
  ];
  const lines = [
    `${p.name}: ${p.market.symbol} ${p.market.category} ${ivText}, ${fmtT(r.candles.first)} → ${fmtT(r.candles.last)} UTC, ${r.candles.count} candles (first ${r.warmupBars} warm-up)`,
  ];
  if (info.dataText) lines.push(...info.dataText.split('\n').map((l, i) => (i === 0 ? `  data: ${l}` : `  ${l}`)));
  lines.push(...rows.map(([k, v]) => `  ${k.padEnd(15)}${v}`));
  const drawdown = drawdownPolicyText(p, m.initialEquity);
  if (drawdown) lines.push(`  ${drawdown}`);
  if (r.pausedSince !== null) lines.push(`  note: entries were paused from ${fmtT(r.pausedSince)} UTC to the end (a backtest is never resumed)`);
  if (r.closedAtEnd) lines.push('  note: the position still open at the end was closed at market at the last close (slippage and taker fee included)');
  if (info.gaps && info.gaps.count > 0) {
    const g = info.gaps.first;
    lines.push(`  warning: ${info.gaps.count} gap(s) in the data${g ? `, first between ${fmtT(g.after)} and ${fmtT(g.before)}` : ''}`);
  }
  if (r.omitted.trades || r.omitted.decisions) {
    lines.push(`  note: only the first ${r.trades.length} trades / ${r.decisions.length} decisions are kept in the result (${r.omitted.trades} / ${r.omitted.decisions} more were counted in the metrics)`);
  }
  return `${lines.join('\n')}\n`;
}

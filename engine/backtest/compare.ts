// `botctl backtest a.yaml b.yaml …`: several specs run on the same candles, side by side in one
// table (and one JSON holding every run). The HTML version is html-compare.ts.
import { formatTable } from '../ops/table.ts';
import { intervalName } from '../market/candle.ts';
import { resultToJson, type RunInfo } from './output.ts';
import type { BacktestResult } from './runner.ts';
import { Fmt, pct } from './html-tables.ts';

export interface ComparedRun {
  spec: { file: string; summary?: string };
  result: BacktestResult;
  info: RunInfo;
}

const fmtT = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));
const num = (x: number | null, digits = 2): string => (x === null ? 'n/a' : x.toFixed(digits));

/** One row per spec: the figures a trader compares first. */
export function comparisonRows(runs: readonly ComparedRun[]): string[][] {
  return runs.map(({ spec, result: r }) => {
    const m = r.metrics;
    const f = new Fmt(r);
    return [
      spec.file, r.plan.name, intervalName(r.plan.market.interval), String(r.candles.count), String(m.tradeCount), pct(m.winRatePercent, 1),
      f.money(m.netPnl), pct(m.returnPercent.toNumber(), 2, true), pct(m.maxDrawdownPercent), num(m.sharpe), num(m.sortino),
      m.profitFactor ? m.profitFactor.toFixed(2) : 'n/a', m.expectancyR === null ? 'n/a' : `${m.expectancyR >= 0 ? '+' : ''}${m.expectancyR.toFixed(2)} R`,
      pct(m.exposurePercent, 1), f.money(m.fees, false),
    ];
  });
}

export const COMPARISON_COLUMNS = ['spec', 'bot', 'interval', 'candles', 'trades', 'win rate', 'net P&L', 'return', 'max DD', 'Sharpe', 'Sortino', 'profit factor', 'expectancy', 'exposure', 'fees'];

export function comparisonText(runs: readonly ComparedRun[]): string {
  const first = runs[0] as ComparedRun;
  const ranges = new Set(runs.map((r) => `${fmtT(r.result.candles.first)} → ${fmtT(r.result.candles.last)} UTC`));
  const lines = [`${runs.length} specs on ${first.info.data}${ranges.size === 1 ? `, ${[...ranges][0]}` : ''}:`, ''];
  lines.push(formatTable(COMPARISON_COLUMNS.map((header, i) => ({ header, align: i >= 3 ? 'right' as const : 'left' as const })), comparisonRows(runs)).trimEnd());
  lines.push('');
  const bh = new Set(runs.map((r) => (r.result.buyAndHold ? `${pct(r.result.buyAndHold.percent, 2, true)} (${r.result.buyAndHold.from} → ${r.result.buyAndHold.to})` : '')));
  if (bh.size === 1 && [...bh][0]) lines.push(`buy and hold over the same candles: ${[...bh][0]}`);
  const data = [...new Set(runs.flatMap((r) => (r.info.dataText ? r.info.dataText.split('\n') : [])))];
  for (const d of data) lines.push(d.startsWith('warning:') ? d : `data: ${d}`);
  for (const { result: r, spec } of runs) {
    if (r.closedAtEnd) lines.push(`note: ${spec.file}: the position still open at the end was closed at the last close`);
  }
  return `${lines.join('\n')}\n`;
}

export function comparisonJson(runs: readonly ComparedRun[]): string {
  const out = { format: 'botctl-compare/1', runs: runs.map((r) => JSON.parse(resultToJson(r.result, r.info)) as unknown) };
  return `${JSON.stringify(out, null, 1)}\n`;
}

// The HTML report: one self-contained file (chart library and data inlined) that opens offline.
// Headline figures, the price chart with the rules' indicator lines, entries, exits and each
// trade's stop and target, equity against buy and hold, drawdown, the performance tables, monthly
// returns, skipped signals, the trades and the spec that produced them. The same page serves
// backtests and journals (`botctl report`), which pass their own title, heading and summary. All
// text from the run is HTML-escaped; the data rides in a JSON script block with `<` escaped, so
// nothing in it can close the tag.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BacktestResult } from './runner.ts';
import { summaryText, type RunInfo } from './output.ts';
import { Fmt, esc, exitReasonTable, headlineCards, monthlyGrid, performanceTable, riskTable, skippedTable, specSection, tradesTable } from './html-tables.ts';
import { PAGE_SCRIPT } from './html-script.ts';

let libCache: string | null = null;
export async function chartLibrary(): Promise<string> {
  if (libCache === null) {
    const pkg = createRequire(import.meta.url).resolve('lightweight-charts/package.json');
    libCache = await readFile(join(dirname(pkg), 'dist', 'lightweight-charts.standalone.production.js'), 'utf8');
  }
  return libCache;
}

const sec = (ms: number): number => Math.floor(ms / 1000);

/** What differs between a backtest's page and a journal's. */
export interface ReportPage {
  title: string;
  heading: string;
  /** The plain-text summary under the heading. */
  summary: string;
  /** Said instead of the price chart when there are no candles. */
  noCandles: string;
  /** Where skipped signals were counted, e.g. "this backtest" (empty: not said). */
  skippedSource: string;
  funding: string;
}

export const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:16px auto;max-width:1500px;padding:0 16px;color:#1d2733;background:#fff}
h1{font-size:21px;margin:0 0 4px}h2{font-size:17px;margin:26px 0 8px;border-bottom:1px solid #e3e7eb;padding-bottom:4px}
.sub{color:#5b6875;margin:0 0 12px}pre.summary{background:#f4f6f8;padding:10px;border-radius:6px;overflow:auto;font-size:12px}
.cards{display:flex;flex-wrap:wrap;gap:8px;margin:10px 0 14px}.card{border:1px solid #e3e7eb;border-radius:8px;padding:8px 12px;min-width:120px}
.card .k{color:#5b6875;font-size:12px}.card .v{font-size:19px;font-weight:600;margin-top:2px}
.pos{color:#1a7f37}.neg{color:#c62828}
.chart{width:100%;height:460px;margin:6px 0 10px}.small{height:220px}
.legend{display:flex;flex-wrap:wrap;gap:14px;font-size:12px;color:#333;margin:2px 0}.legend span{white-space:nowrap}.legend i{display:inline-block;width:18px;height:3px;vertical-align:middle;margin-right:5px}
#tip{position:absolute;display:none;z-index:5;background:rgba(255,255,255,0.96);border:1px solid #c9d1d9;border-radius:6px;padding:6px 8px;font:12px/1.4 ui-monospace,monospace;white-space:pre;pointer-events:none;max-width:640px;overflow:hidden;box-shadow:0 2px 8px rgba(0,0,0,.12)}
.cols{display:flex;flex-wrap:wrap;gap:28px;align-items:flex-start}
table{border-collapse:collapse;font-size:12.5px}th,td{border-bottom:1px solid #e3e7eb;padding:4px 8px;text-align:right;white-space:nowrap}
table.metrics th{text-align:left;font-weight:500;color:#3b4652}table.metrics thead th{text-align:right;color:#1d2733;font-weight:600}table.metrics thead th:first-child{text-align:left}
table.narrow td{text-align:left}table.narrow thead th{text-align:left}
table.monthly td{min-width:58px;text-align:center}table.monthly td.empty{background:#fafbfc}
table.trades{width:100%}table.trades th{position:sticky;top:0;background:#fff}table.trades td:nth-child(2),table.trades td:nth-child(10){text-align:left}
table.trades td:nth-child(2)[title]{text-decoration:underline dotted;cursor:help}
tr.win td:nth-child(15){color:#1a7f37}tr.loss td:nth-child(15){color:#c62828}.note{color:#5b6875;font-size:12px}
.spec-summary{max-width:110ch}pre.spec{background:#f4f6f8;padding:10px;border-radius:6px;overflow:auto;font-size:12px}
`;

/** Colours for indicator lines, in the order the rules name them. */
const PALETTE = ['#f59f00', '#7048e8', '#1098ad', '#d6336c', '#2b8a3e', '#5c940d', '#e8590c', '#364fc7'];

export async function renderHtmlReport(r: BacktestResult, info: RunInfo, page: Partial<ReportPage> = {}): Promise<string> {
  const p = r.plan;
  const f = new Fmt(r);
  const lineColour = new Map<string, string>();
  const lines = r.chart.lines.map((l) => {
    // Bollinger bands share a colour per band set; other lines get the next colour.
    const family = /^(?:ta\.)?bb_(?:upper|mid|lower)(\(.*\))$/.exec(l.label)?.[1] ?? l.label;
    if (!lineColour.has(family)) lineColour.set(family, PALETTE[lineColour.size % PALETTE.length] as string);
    return { label: l.label, color: lineColour.get(family) as string, width: /bb_mid/.test(l.label) ? 1 : 1.5, dashed: /^(?:ta\.)?bb_(upper|lower)/.test(l.label), values: l.values };
  });
  const data = {
    candles: r.chart.candles.map((c) => [sec(c.start), c.open, c.high, c.low, c.close]),
    lines,
    trades: r.trades.map((t) => ({
      side: t.side, entry: sec(t.entryTime), exit: sec(t.exitTime),
      entryPrice: f.price(t.entryPrice), exitPrice: f.price(t.exitPrice),
      stop: t.stopLoss ? t.stopLoss.toNumber() : null, target: t.takeProfit ? t.takeProfit.toNumber() : null,
      reason: t.reason, net: t.netPnl.toNumber(), netText: f.money(t.netPnl), qty: f.qty(t.qty), why: t.entryReason ?? '',
    })),
    equity: chartSeries(r.equity, (e) => [e.equity.toNumber(), -e.drawdownPercent]),
    buyHold: r.buyAndHold ? chartSeries(r.equity.filter((e) => e.price !== undefined), (e) => [(p.simulation.initialEquity.toNumber() * (e.price as number)) / (r.buyAndHold as { from: number }).from]) : [],
  };
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const aggregated = r.chart.barsPerCandle > 1 ? ` Each chart candle merges ${r.chart.barsPerCandle} of the bot's candles to keep the report small.` : '';
  const legend = lines.length
    ? `<div class="legend">${lines.map((l) => `<span><i style="background:${l.color}"></i>${esc(l.label)}</span>`).join('')}` +
      '<span><i style="background:#c62828"></i>stop</span><span><i style="background:#1a7f37"></i>target</span></div>'
    : `<div class="legend"><span><i style="background:#c62828"></i>stop</span><span><i style="background:#1a7f37"></i>target</span>${p.strategy.kind === 'module' ? '<span class="note">(a strategy module draws no indicator lines)</span>' : ''}</div>`;
  const priceBlock = r.chart.candles.length
    ? `<p class="note">Arrows: entries; circles: exits (green: profit). Dashed segments: each trade's stop and target from its entry to its exit. Hover for details.${aggregated}</p>${legend}<div id="price" class="chart"></div>`
    : `<p class="note">${esc(page.noCandles ?? 'No candles.')}</p>`;
  const spec = info.spec ? { file: p.specFile, text: info.spec.text, summary: info.spec.summary, hash: p.specHash } : undefined;
  const range = r.candles.first !== null && r.candles.last !== null ? `${fmt(r.candles.first)} → ${fmt(r.candles.last)} UTC` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(page.title ?? `${p.name} backtest`)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head><body>
<h1>${esc(page.heading ?? `${p.name}: backtest on ${p.market.symbol} ${p.market.category}`)}</h1>
<p class="sub">${esc(info.dataText ? `data: ${info.dataText.split('\n')[0]}` : [range, info.data].filter(Boolean).join(' · '))}</p>
${headlineCards(r, f)}
<pre class="summary">${esc(page.summary ?? summaryText(r, info))}</pre>
<h2>Price, trades, stops and targets</h2>
${priceBlock}
<h2>Equity</h2><p class="note">Blue: the bot's equity. Dashed grey: the same starting equity held in the coin over the same candles.</p><div id="equity" class="chart small"></div>
<h2>Drawdown (%)</h2><div id="drawdown" class="chart small"></div>
<h2>Performance</h2>
<div class="cols"><div>${performanceTable(r, f)}</div><div>${riskTable(r, f, page.funding ?? 'not simulated: backtests pay no funding (Bybit charges perpetuals every 8 h, typically ±0.01 %)')}</div></div>
<h2>Exit reasons</h2>
${exitReasonTable(r, f)}
<h2>Monthly returns</h2>
${monthlyGrid(r)}
<h2>Skipped signals</h2>
${skippedTable(r, page.skippedSource ?? '')}
<h2>Trades</h2>
${tradesTable(r, f)}
<h2>The spec</h2>
${specSection(spec)}
<div id="tip"></div>
<script>${await chartLibrary()}</script>
<script type="application/json" id="data">${json}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}

/**
 * Points as the chart library needs them: strictly increasing times in whole seconds. A journal
 * records equity on every candle and again on a fill, so several points can share a second; the
 * last one of each second is the equity after it.
 */
export function chartSeries<T extends { time: number }>(points: readonly T[], values: (p: T) => number[]): number[][] {
  const sorted = points.map((e, i) => ({ e, i })).sort((a, b) => a.e.time - b.e.time || a.i - b.i);
  const out: number[][] = [];
  for (const { e } of sorted) {
    const row = [sec(e.time), ...values(e)];
    if (out.length && (out[out.length - 1] as number[])[0] === row[0]) out[out.length - 1] = row;
    else out.push(row);
  }
  return out;
}

function fmt(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

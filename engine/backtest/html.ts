// The HTML report: one self-contained file (chart library and data inlined) that opens offline.
// Candlesticks with entry/exit markers and each trade's stop/target levels, equity and drawdown
// curves, the metrics and the trade table. All text from the run is HTML-escaped; the data rides
// in a JSON script block with `<` escaped, so nothing in it can close the tag.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BacktestResult } from './runner.ts';
import { summaryText, type RunInfo } from './output.ts';

const TABLE_ROWS = 5000;

let libCache: string | null = null;
export async function chartLibrary(): Promise<string> {
  if (libCache === null) {
    const pkg = createRequire(import.meta.url).resolve('lightweight-charts/package.json');
    libCache = await readFile(join(dirname(pkg), 'dist', 'lightweight-charts.standalone.production.js'), 'utf8');
  }
  return libCache;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const sec = (ms: number): number => Math.floor(ms / 1000);

export async function renderHtmlReport(r: BacktestResult, info: RunInfo): Promise<string> {
  const data = {
    candles: r.chart.candles.map((c) => [sec(c.start), c.open, c.high, c.low, c.close]),
    trades: r.trades.map((t) => ({
      side: t.side, entry: sec(t.entryTime), exit: sec(t.exitTime),
      entryPrice: t.entryPrice.toNumber(), exitPrice: t.exitPrice.toNumber(),
      stop: t.stopLoss ? t.stopLoss.toNumber() : null, target: t.takeProfit ? t.takeProfit.toNumber() : null,
      reason: t.reason, net: t.netPnl.toNumber(), qty: t.qty.toFixed(),
    })),
    equity: chartSeries(r.equity),
  };
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const rows = r.trades.slice(0, TABLE_ROWS).map((t, i) => `<tr class="${t.netPnl.isNegative() ? 'loss' : 'win'}"><td>${i + 1}</td><td>${t.side}</td>` +
    `<td>${fmt(t.entryTime)}</td><td>${t.entryPrice.toFixed()}</td><td>${fmt(t.exitTime)}</td><td>${t.exitPrice.toFixed()}</td>` +
    `<td>${t.qty.toFixed()}</td><td>${t.stopLoss?.toFixed() ?? ''}</td><td>${t.takeProfit?.toFixed() ?? ''}</td><td>${esc(t.reason)}</td>` +
    `<td>${t.fees.toDecimalPlaces(4).toFixed()}</td><td>${t.netPnl.toDecimalPlaces(4).toFixed()}</td><td>${t.rMultiple?.toFixed(2) ?? ''}</td></tr>`).join('\n');
  const more = r.trades.length > TABLE_ROWS || r.omitted.trades > 0
    ? `<p class="note">Showing ${Math.min(TABLE_ROWS, r.trades.length)} of ${r.trades.length + r.omitted.trades} trades.</p>` : '';
  const aggregated = r.chart.barsPerCandle > 1 ? `<p class="note">Chart candles each merge ${r.chart.barsPerCandle} bars to keep the report small.</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.plan.name)} backtest</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#1d2733;background:#fff}
h1{font-size:20px;margin:0 0 8px}pre.summary{background:#f4f6f8;padding:10px;border-radius:6px;overflow:auto}
.chart{width:100%;height:420px;margin:8px 0 16px}.small{height:200px}
table{border-collapse:collapse;font-size:12px;width:100%}th,td{border-bottom:1px solid #e3e7eb;padding:3px 6px;text-align:right}
th{position:sticky;top:0;background:#fff}td:nth-child(2),td:nth-child(10){text-align:left}
tr.win td:nth-child(12){color:#1a7f37}tr.loss td:nth-child(12){color:#c62828}.note{color:#5b6875;font-size:12px}
</style></head><body>
<h1>${esc(r.plan.name)}: backtest on ${esc(r.plan.market.symbol)} ${esc(r.plan.market.category)}</h1>
<pre class="summary">${esc(summaryText(r, info))}</pre>
<h2>Price, trades, stops and targets</h2>${aggregated}
<div id="price" class="chart"></div>
<h2>Equity</h2><div id="equity" class="chart small"></div>
<h2>Drawdown (%)</h2><div id="drawdown" class="chart small"></div>
<h2>Trades</h2>${more}
<table><thead><tr><th>#</th><th>side</th><th>entry time</th><th>entry</th><th>exit time</th><th>exit</th><th>qty</th><th>stop</th><th>target</th><th>exit reason</th><th>fees</th><th>net P&amp;L</th><th>R</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<script>${await chartLibrary()}</script>
<script type="application/json" id="data">${json}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}

/**
 * Equity points as the chart library needs them: strictly increasing times in whole seconds. A
 * journal records equity on every candle and again on a fill, so several points can share a
 * second; the last one of each second is the equity after it.
 */
function chartSeries(points: BacktestResult['equity']): [number, number, number][] {
  const sorted = points.map((e, i) => ({ e, i })).sort((a, b) => a.e.time - b.e.time || a.i - b.i);
  const out: [number, number, number][] = [];
  for (const { e } of sorted) {
    const row: [number, number, number] = [sec(e.time), e.equity.toNumber(), -e.drawdownPercent];
    if (out.length && (out[out.length - 1] as [number, number, number])[0] === row[0]) out[out.length - 1] = row;
    else out.push(row);
  }
  return out;
}

function fmt(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

// Runs in the browser. Markers and level lines need times that exist on the chart, so trade
// times snap to the chart candle containing them (candles may be merged on long runs).
const PAGE_SCRIPT = `
(function () {
  var LC = window.LightweightCharts;
  var D = JSON.parse(document.getElementById('data').textContent);
  var times = D.candles.map(function (c) { return c[0]; });
  function snapIndex(t) {
    var lo = 0, hi = times.length - 1;
    if (hi < 0 || t <= times[0]) return 0;
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (times[mid] <= t) lo = mid; else hi = mid - 1; }
    return lo;
  }
  function snap(t) { return times.length ? times[snapIndex(t)] : t; }
  function next(t) {
    var i = snapIndex(t);
    return i + 1 < times.length ? times[i + 1] : null;
  }
  var opts = { autoSize: true, layout: { background: { color: '#ffffff' }, textColor: '#1d2733' },
    grid: { vertLines: { color: '#eef1f4' }, horzLines: { color: '#eef1f4' } },
    timeScale: { timeVisible: true, secondsVisible: false }, rightPriceScale: { borderVisible: false } };
  var price = LC.createChart(document.getElementById('price'), opts);
  var candles = price.addSeries(LC.CandlestickSeries, { upColor: '#26a69a', downColor: '#ef5350', borderVisible: false, wickUpColor: '#26a69a', wickDownColor: '#ef5350' });
  candles.setData(D.candles.map(function (c) { return { time: c[0], open: c[1], high: c[2], low: c[3], close: c[4] }; }));
  var markers = [];
  var words = D.trades.length <= 40; // labels on every marker would bury a busy chart
  D.trades.forEach(function (t) {
    var long = t.side === 'long';
    markers.push({ time: snap(t.entry), position: long ? 'belowBar' : 'aboveBar', color: long ? '#1a7f37' : '#c62828', shape: long ? 'arrowUp' : 'arrowDown', text: words ? (long ? 'Buy ' : 'Sell ') + t.qty : '' });
    markers.push({ time: snap(t.exit), position: long ? 'aboveBar' : 'belowBar', color: t.net >= 0 ? '#1a7f37' : '#c62828', shape: 'circle', text: words ? t.reason.replace('_', ' ') + ' ' + t.net.toFixed(2) : '' });
  });
  markers.sort(function (a, b) { return a.time - b.time; });
  LC.createSeriesMarkers(candles, markers);
  function levels(key, color) {
    var s = price.addSeries(LC.LineSeries, { color: color, lineWidth: 1, lineStyle: 2, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false });
    var pts = [], last = -Infinity;
    D.trades.forEach(function (t) {
      if (t[key] === null) return;
      var a = snap(t.entry), b = snap(t.exit);
      if (a <= last) return;
      pts.push({ time: a, value: t[key] });
      if (b > a) pts.push({ time: b, value: t[key] });
      var gap = next(b);
      if (gap !== null) { pts.push({ time: gap }); last = gap; } else last = b;
    });
    s.setData(pts);
  }
  levels('stop', '#c62828');
  levels('target', '#1a7f37');
  price.timeScale().fitContent();
  var eq = LC.createChart(document.getElementById('equity'), opts);
  eq.addSeries(LC.LineSeries, { color: '#2962ff', lineWidth: 2 }).setData(D.equity.map(function (e) { return { time: e[0], value: e[1] }; }));
  eq.timeScale().fitContent();
  var dd = LC.createChart(document.getElementById('drawdown'), opts);
  dd.addSeries(LC.AreaSeries, { lineColor: '#c62828', topColor: 'rgba(198,40,40,0.05)', bottomColor: 'rgba(198,40,40,0.35)', invertFilledArea: true, lineWidth: 1 })
    .setData(D.equity.map(function (e) { return { time: e[0], value: e[2] }; }));
  dd.timeScale().fitContent();
  document.body.setAttribute('data-rendered', 'yes');
})();
`;

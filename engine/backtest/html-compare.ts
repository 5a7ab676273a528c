// The HTML page of `botctl backtest a.yaml b.yaml … --html`: the comparison table, every spec's
// equity curve overlaid (with buy and hold of the same candles), their drawdowns, and each spec
// as it was run. Self-contained like the single report (chart library and data inlined).
import { STYLE, chartLibrary, chartSeries } from './html.ts';
import { COMPARISON_COLUMNS, comparisonRows, type ComparedRun } from './compare.ts';
import { esc, pct } from './html-tables.ts';

const COLOURS = ['#2962ff', '#e8590c', '#2b8a3e', '#ae3ec9', '#c92a2a', '#1098ad', '#5c940d', '#364fc7'];

export async function renderComparisonHtml(runs: readonly ComparedRun[]): Promise<string> {
  const first = runs[0] as ComparedRun;
  const bh = first.result.buyAndHold;
  // One buy-and-hold line when every run read the same market's candles (intervals may differ).
  const sameCandles = runs.every((r) => r.info.data === first.info.data && r.result.plan.market.symbol === first.result.plan.market.symbol);
  const data = {
    runs: runs.map((r, i) => ({
      label: `${r.result.plan.name} (${r.spec.file})`,
      color: COLOURS[i % COLOURS.length],
      equity: chartSeries(r.result.equity, (e) => [e.equity.toNumber(), -e.drawdownPercent]),
    })),
    buyHold: bh && sameCandles
      ? chartSeries(first.result.equity.filter((e) => e.price !== undefined), (e) => [(first.result.plan.simulation.initialEquity.toNumber() * (e.price as number)) / bh.from])
      : [],
  };
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const rows = comparisonRows(runs).map((cells, i) => `<tr><td><i class="chip" style="background:${COLOURS[i % COLOURS.length]}"></i>${esc(cells[0] as string)}</td>${cells.slice(1).map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`);
  const specs = runs.map((r) => `<h3>${esc(r.result.plan.name)} <span class="note">${esc(r.spec.file)}</span></h3>` +
    `<p class="spec-summary">${esc(r.info.spec?.summary ?? r.spec.summary ?? '')}</p>` +
    (r.info.spec ? `<details><summary>the spec as run</summary><pre class="spec">${esc(r.info.spec.text)}</pre></details>` : '')).join('\n');
  const dataLines = [...new Set(runs.flatMap((r) => (r.info.dataText ? r.info.dataText.split('\n') : [r.info.data])))];
  const names = runs.map((r) => r.result.plan.name).join(' vs ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(`${names}: comparison`)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}
.chip{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px}
table.compare td:nth-child(-n+3),table.compare th:nth-child(-n+3){text-align:left}
</style></head><body>
<h1>${esc(names)}: the same candles, side by side</h1>
${dataLines.map((l) => `<p class="sub">${esc(l.startsWith('warning:') ? l : `data: ${l}`)}</p>`).join('\n')}
<table class="compare"><thead><tr>${COMPARISON_COLUMNS.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
${bh && sameCandles ? `<p class="note">Buy and hold over the same candles: ${esc(pct(bh.percent, 2, true))} (${bh.from} → ${bh.to}), the dashed grey line below.</p>` : ''}
<h2>Equity</h2><div class="legend">${data.runs.map((r) => `<span><i style="background:${r.color}"></i>${esc(r.label)}</span>`).join('')}${data.buyHold.length ? '<span><i style="background:#8c959f"></i>buy and hold</span>' : ''}</div>
<div id="equity" class="chart"></div>
<h2>Drawdown (%)</h2><div id="drawdown" class="chart small"></div>
<h2>The specs</h2>
${specs}
<script>${await chartLibrary()}</script>
<script type="application/json" id="data">${json}</script>
<script>${COMPARE_SCRIPT}</script>
</body></html>
`;
}

const COMPARE_SCRIPT = `
(function () {
  var LC = window.LightweightCharts;
  var D = JSON.parse(document.getElementById('data').textContent);
  var opts = { autoSize: true, layout: { background: { color: '#ffffff' }, textColor: '#1d2733' },
    grid: { vertLines: { color: '#eef1f4' }, horzLines: { color: '#eef1f4' } },
    timeScale: { timeVisible: true, secondsVisible: false, minBarSpacing: 0.01 }, rightPriceScale: { borderVisible: false } };
  var drawn = { equity: 0, drawdown: 0, buyHold: 0 };
  var eq = LC.createChart(document.getElementById('equity'), opts);
  if (D.buyHold.length) {
    eq.addSeries(LC.LineSeries, { color: '#8c959f', lineWidth: 1, lineStyle: 2, priceLineVisible: false, lastValueVisible: false })
      .setData(D.buyHold.map(function (e) { return { time: e[0], value: e[1] }; }));
    drawn.buyHold = 1;
  }
  var dd = LC.createChart(document.getElementById('drawdown'), opts);
  D.runs.forEach(function (r) {
    eq.addSeries(LC.LineSeries, { color: r.color, lineWidth: 2, priceLineVisible: false }).setData(r.equity.map(function (e) { return { time: e[0], value: e[1] }; }));
    dd.addSeries(LC.LineSeries, { color: r.color, lineWidth: 1, priceLineVisible: false }).setData(r.equity.map(function (e) { return { time: e[0], value: e[2] }; }));
    drawn.equity++;
    drawn.drawdown++;
  });
  eq.timeScale().fitContent();
  dd.timeScale().fitContent();
  window.botctlReport = drawn;
  document.body.setAttribute('data-rendered', 'yes');
})();
`;

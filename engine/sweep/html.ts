// The sweep's HTML report, one self-contained file like the backtest's: the top N table; a
// heatmap of the objective for any two parameters (the best over the others, chosen in the page);
// the equity of the best few (re-run here with their equity curve kept) and, with walk-forward,
// the stitched out-of-sample curve; and the stability view, the objective along each parameter
// through the best point, which shows whether the best is a plateau or a lone peak.
import { chartLibrary } from '../backtest/html.ts';
import type { EquityPoint } from '../backtest/sampling.ts';
import { Evaluator } from './evaluate.ts';
import { OBJECTIVE_WORDS } from './objective.ts';
import type { Report } from './report.ts';
import { settings, terminalReport } from './report.ts';
import type { Prepared } from './run.ts';
import { evaluatorSetup } from './setup.ts';
import type { SweepHeader } from './summary.ts';
import { SpecVariants } from './variant.ts';

/** How many of the best get their equity curve drawn. */
const CURVES = 5;

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const sec = (ms: number): number => Math.floor(ms / 1000);

export async function renderSweepHtml(p: Prepared, h: SweepHeader, r: Report): Promise<string> {
  const d = p.description;
  const s = r.summary;
  const evaluator = new Evaluator(await evaluatorSetup(p.init));
  const curveOf = async (values: readonly string[]): Promise<EquityPoint[]> => {
    const digits = values.map((v, i) => p.params[i]!.values.findIndex((x) => x.text === v));
    const checked = await evaluator.setup.variants.check(p.params, SpecVariants.pick(p.params, digits));
    if (!checked.ok) return [];
    return (await evaluator.run(checked.plan, -1, { keep: true })).result.equity;
  };
  const curves: { label: string; points: [number, number][] }[] = [];
  for (const e of s.top.slice(0, CURVES)) {
    const pts = await curveOf(e.values);
    curves.push({ label: `#${e.rank} ${settings(h, e.values)}`, points: pts.map((x) => [sec(x.time), x.equity.toNumber()]) });
  }
  // Walk-forward: each fold's winner over its out-of-sample window, chained from 1.
  let stitched: [number, number][] = [];
  if (s.walkForward && s.walkForward.folds.every((f) => f.winner)) {
    let scale = 1;
    for (const f of s.walkForward.folds) {
      const pts = (await curveOf(f.winner!.values)).filter((x) => x.time >= f.outOfSample.from && x.time < f.outOfSample.to);
      if (pts.length === 0) continue;
      const base = pts[0]!.equity.toNumber();
      for (const x of pts) stitched.push([sec(x.time), (scale * x.equity.toNumber()) / base]);
      scale = stitched[stitched.length - 1]![1];
    }
    stitched = stitched.filter((x, i) => i === 0 || x[0] > stitched[i - 1]![0]);
  }
  const data = {
    objective: OBJECTIVE_WORDS[h.objective],
    params: d.parameters.map((x) => ({ name: x.name, values: x.values })),
    heatmaps: s.heatmaps,
    best: s.top[0] ? s.top[0].values : null,
    stability: r.stability ? r.stability.axes.map((a) => a.scores) : null,
    curves,
    stitched,
  };
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const pOpts = d.parameters.map((x, i) => `<option value="${i}">${esc(x.name)}</option>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(d.bot.name)} sweep</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#1d2733;background:#fff;max-width:1400px}
h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:20px 0 6px}pre.summary{background:#f4f6f8;padding:10px;border-radius:6px;overflow:auto;font-size:12px}
.chart{width:100%;height:380px;margin:8px 0 8px}.note{color:#5b6875;font-size:12px}
table.heat{border-collapse:collapse;font-size:11px}table.heat td,table.heat th{border:1px solid #fff;padding:3px 5px;text-align:center;min-width:34px}
table.heat th{background:#f4f6f8;font-weight:600}table.heat td.best{outline:2px solid #1d2733;outline-offset:-2px}
.controls label{margin-right:16px}.legend span{display:inline-block;margin-right:14px;font-size:12px}.legend i{display:inline-block;width:18px;height:3px;vertical-align:middle;margin-right:5px}
.stab{display:flex;flex-wrap:wrap;gap:18px}.stab figure{margin:0}.stab figcaption{font-size:12px;color:#5b6875}
</style></head><body>
<h1>${esc(d.bot.name)}: sweep of ${s.combinations.toLocaleString('en')} combinations</h1>
<pre class="summary">${esc(terminalReport(d, h, r))}</pre>
<h2>Heatmap: ${esc(OBJECTIVE_WORDS[h.objective])}${h.walkForward ? ' out of sample' : ''}</h2>
${d.parameters.length >= 2 ? `<div class="controls"><label>rows <select id="hy">${pOpts}</select></label><label>columns <select id="hx">${pOpts}</select></label></div>
<p class="note">Each cell is the best ranked value over the other parameters; blank cells have no ranked combination. The framed cell holds the best overall.</p>
<div id="heatmap"></div>` : '<p class="note">A heatmap needs two parameters; this sweep has one (see the stability view).</p>'}
<h2>Equity of the best ${curves.length}</h2>
<div class="legend" id="legend"></div>
<div id="equity" class="chart"></div>
${stitched.length ? `<h2>Walk-forward: stitched out-of-sample equity (each fold's winner on the window after, chained from 1)</h2><div id="stitched" class="chart"></div>` : ''}
<h2>Stability around the best</h2>
<p class="note">The objective along each parameter with the others held at the best combination (marked). A plateau means the result does not hinge on the exact setting; a lone peak is usually luck.</p>
<div class="stab" id="stability"></div>
<script>${await chartLibrary()}</script>
<script type="application/json" id="data">${json}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}

// Runs in the browser: the heatmap as a table with a colour per value (red below zero, green
// above, when the objective has a natural zero), the curves with Lightweight Charts, the stability
// view as small SVG line charts.
const PAGE_SCRIPT = `
(function () {
  var D = JSON.parse(document.getElementById('data').textContent);
  var COLORS = ['#2962ff', '#e65100', '#2e7d32', '#8e24aa', '#00838f'];
  function fmt(v) { return v === null || v === undefined ? '' : (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2)); }
  function color(v, lo, hi) {
    if (v === null) return '#fafbfc';
    var t;
    if (lo < 0 && hi > 0) { t = v >= 0 ? 0.5 + 0.5 * v / hi : 0.5 - 0.5 * v / lo; } else { t = hi > lo ? (v - lo) / (hi - lo) : 1; }
    t = Math.max(0, Math.min(1, t));
    var r, g, b;
    if (t < 0.5) { var u = t / 0.5; r = 211 + (250 - 211) * u; g = 47 + (250 - 47) * u; b = 47 + (250 - 47) * u; }
    else { var w = (t - 0.5) / 0.5; r = 250 + (46 - 250) * w; g = 250 + (160 - 250) * w; b = 250 + (67 - 250) * w; }
    return 'rgb(' + Math.round(r) + ',' + Math.round(g) + ',' + Math.round(b) + ')';
  }
  function heatmap() {
    var hy = document.getElementById('hy'), hx = document.getElementById('hx');
    if (!hy) return;
    var y = +hy.value, x = +hx.value, box = document.getElementById('heatmap');
    if (x === y) { box.innerHTML = '<p class="note">Choose two different parameters.</p>'; return; }
    var a = Math.min(x, y), b = Math.max(x, y);
    var hm = D.heatmaps.filter(function (m) { return m.a === a && m.b === b; })[0];
    var py = D.params[y], px = D.params[x], nb = D.params[b].values.length;
    function cell(i, j) { var ia = y === a ? i : j, ib = y === a ? j : i; return hm.cells[ia * nb + ib]; }
    var lo = Infinity, hi = -Infinity;
    hm.cells.forEach(function (v) { if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
    var html = '<table class="heat"><tr><th>' + py.name + ' \\\\ ' + px.name + '</th>';
    px.values.forEach(function (v) { html += '<th>' + v + '</th>'; });
    html += '</tr>';
    py.values.forEach(function (vy, i) {
      html += '<tr><th>' + vy + '</th>';
      px.values.forEach(function (vx, j) {
        var v = cell(i, j);
        var best = D.best && D.best[y] === vy && D.best[x] === vx;
        html += '<td' + (best ? ' class="best"' : '') + ' style="background:' + color(v, lo, hi) + '" title="' + py.name + ' ' + vy + ', ' + px.name + ' ' + vx + ': ' + fmt(v) + '">' + fmt(v) + '</td>';
      });
      html += '</tr>';
    });
    box.innerHTML = html + '</table>';
  }
  var hy = document.getElementById('hy');
  if (hy) {
    hy.value = '0'; document.getElementById('hx').value = '1';
    hy.onchange = heatmap; document.getElementById('hx').onchange = heatmap;
    heatmap();
  }
  var LC = window.LightweightCharts;
  var opts = { autoSize: true, layout: { background: { color: '#ffffff' }, textColor: '#1d2733' },
    grid: { vertLines: { color: '#eef1f4' }, horzLines: { color: '#eef1f4' } },
    timeScale: { timeVisible: true, secondsVisible: false }, rightPriceScale: { borderVisible: false } };
  var eq = LC.createChart(document.getElementById('equity'), opts);
  var legend = document.getElementById('legend');
  D.curves.forEach(function (c, i) {
    eq.addSeries(LC.LineSeries, { color: COLORS[i % COLORS.length], lineWidth: i === 0 ? 3 : 1.5, priceLineVisible: false })
      .setData(c.points.map(function (p) { return { time: p[0], value: p[1] }; }));
    legend.innerHTML += '<span><i style="background:' + COLORS[i % COLORS.length] + '"></i>' + c.label + '</span>';
  });
  eq.timeScale().fitContent();
  if (D.stitched.length) {
    var st = LC.createChart(document.getElementById('stitched'), opts);
    st.addSeries(LC.LineSeries, { color: '#2962ff', lineWidth: 2 }).setData(D.stitched.map(function (p) { return { time: p[0], value: p[1] }; }));
    st.timeScale().fitContent();
  }
  var box = document.getElementById('stability');
  if (D.stability) D.params.forEach(function (p, k) {
    var ys = D.stability[k], W = 300, H = 150, L = 42, B = 26, T = 10;
    var vals = ys.filter(function (v) { return v !== null; });
    var lo = Math.min.apply(null, vals.concat([0])), hi = Math.max.apply(null, vals.concat([0]));
    if (hi === lo) hi = lo + 1;
    function X(i) { return L + (ys.length > 1 ? i * (W - L - 8) / (ys.length - 1) : (W - L) / 2); }
    function Y(v) { return T + (hi - v) * (H - T - B) / (hi - lo); }
    var svg = '<svg width="' + W + '" height="' + H + '" xmlns="http://www.w3.org/2000/svg" font-size="10">';
    svg += '<line x1="' + L + '" x2="' + (W - 4) + '" y1="' + Y(0) + '" y2="' + Y(0) + '" stroke="#c9d1d9"/>';
    svg += '<text x="2" y="' + (Y(hi) + 4) + '">' + fmt(hi) + '</text><text x="2" y="' + (Y(lo)) + '">' + fmt(lo) + '</text>';
    var path = '';
    ys.forEach(function (v, i) { if (v === null) { path += ' '; return; } path += (path === '' || path.slice(-1) === ' ' ? 'M' : 'L') + X(i).toFixed(1) + ',' + Y(v).toFixed(1); });
    svg += '<path d="' + path.trim().replace(/ +/g, ' ') + '" fill="none" stroke="#2962ff" stroke-width="2"/>';
    ys.forEach(function (v, i) {
      var best = D.best && p.values[i] === D.best[k];
      if (v !== null) svg += '<circle cx="' + X(i) + '" cy="' + Y(v) + '" r="' + (best ? 5 : 2.5) + '" fill="' + (best ? '#e65100' : '#2962ff') + '"><title>' + p.name + ' ' + p.values[i] + ': ' + fmt(v) + '</title></circle>';
    });
    var step = Math.max(1, Math.ceil(ys.length / 8));
    p.values.forEach(function (v, i) { if (i % step === 0 || i === ys.length - 1) svg += '<text x="' + X(i) + '" y="' + (H - 8) + '" text-anchor="middle">' + v + '</text>'; });
    svg += '</svg>';
    box.innerHTML += '<figure>' + svg + '<figcaption>' + p.name + ' (best ' + (D.best ? D.best[k] : '') + ')</figcaption></figure>';
  });
  // What the page drew, for tests that open it in a browser.
  window.botctlReport = {
    heatmapCells: document.querySelectorAll('#heatmap td').length,
    heatmapValues: Array.prototype.filter.call(document.querySelectorAll('#heatmap td'), function (td) { return td.textContent !== ''; }).length,
    curves: D.curves.length, stitchedPoints: D.stitched.length,
    stabilityCharts: document.querySelectorAll('#stability svg').length,
  };
  document.body.setAttribute('data-rendered', 'yes');
})();
`;

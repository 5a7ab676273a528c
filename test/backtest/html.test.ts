// The HTML report opens offline in a real browser and draws what a trader looks for: the rules'
// indicator lines, entries and exits, each trade's stop and target, equity against buy and hold,
// drawdown; then the performance tables, monthly returns, skipped signals, the trades at the
// instrument's precision and the spec. Screenshots land in test/output/ to be looked at.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../engine/cli/main.ts';
import { renderReport } from '../helpers/browser.ts';

async function backtest(spec: string, data: string, html: string): Promise<string> {
  let out = '';
  let err = '';
  const code = await main(['backtest', spec, '--data', data, '--html', html], { out: (s) => void (out += s), err: (s) => void (err += s) });
  if (code !== 0) throw new Error(err);
  return out;
}

// The 4h report is read as text by the first test and opened in Chromium by the second: made once.
const dir = t.testdir();
const reports = new Map<string, Promise<{ html: string; out: string }>>();
function report(spec: string, data: string, name: string): Promise<{ html: string; out: string }> {
  const key = `${spec} ${data}`;
  let made = reports.get(key);
  if (!made) {
    const html = join(dir, `${name}.html`);
    made = backtest(spec, data, html).then((out) => ({ html, out }));
    reports.set(key, made);
  }
  return made;
}

t.test('backtest report: self-contained, every section, money at the instrument\'s precision', async (t) => {
  const { html } = await report('bots/btc-trend-4h.yaml', 'bots/data/BTCUSDT-4h-2021-10_2022-03.csv', 'backtest-report.png');
  const text = readFileSync(html, 'utf8');
  t.notMatch(text, /<script[^>]+src=/, 'no external scripts');
  t.notMatch(text, /<link[^>]+href=/, 'no external stylesheets');
  t.match(text, /TradingView Lightweight Charts/, 'chart library inlined');
  for (const h of ['Price, trades, stops and targets', 'Equity', 'Drawdown (%)', 'Performance', 'Exit reasons', 'Monthly returns', 'Skipped signals', 'Trades', 'The spec']) {
    t.match(text, new RegExp(`<h2>${h.replace(/[()]/g, '\\$&')}</h2>`), `section ${h}`);
  }
  for (const row of ['Gross profit', 'Largest loss', 'Average time in trade', 'Longest trade', 'Buy and hold, same candles', 'Longest drawdown', 'Average MAE / MFE', 'Fees', 'Funding']) t.match(text, new RegExp(`<th>${row}</th>`), row);
  t.match(text, /<thead><tr><th><\/th><th>All trades<\/th><th>Long<\/th><th>Short<\/th><\/tr><\/thead>/, 'long/short split');
  t.match(text, /<th>2021<\/th>(<td[^>]*>[^<]*<\/td>){13}<\/tr>/, 'a year of the monthly grid: 12 months and the year');
  t.match(text, /<th>already (long|short)<\/th><td>\d+<\/td>/, 'skipped signals by reason');
  // Money: USDT at 2 decimals; prices at the 0.1 tick; quantities at the 0.001 step.
  const rows = text.match(/<tr class="(win|loss)">.*<\/tr>/g) ?? [];
  t.ok(rows.length > 10);
  for (const r of rows) {
    const cells = [...r.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]!);
    t.match(cells[3], /^\d+\.\d$/, `entry price at the tick: ${cells[3]}`);
    t.match(cells[6], /^\d+\.\d{3}$/, `quantity at the step: ${cells[6]}`);
    t.match(cells[13], /^\d+\.\d\d$/, `fees in cents: ${cells[13]}`);
    t.match(cells[14], /^-?[\d,]+\.\d\d$/, `net P&L in cents: ${cells[14]}`);
  }
  t.match(text, /<td title="entered on: (long|short) entry: close (&#60;|&#62;) ema\(close, trend\) and close (&#60;|&#62;) (highest|lowest)\((high|low), breakout\)\[1\]">/, 'why each trade was entered');
  t.match(text, /<pre class="spec"># yaml-language-server/, 'the spec as written');
  t.match(text, /It goes long when close &#62; ema\(close, trend\)/, 'and in plain words');
});

t.test('backtest report in Chromium: indicator lines, markers, stop/target segments, equity and buy and hold; console clean', async (t) => {
  const cases = [
    { spec: 'bots/btc-trend-4h.yaml', data: 'bots/data/BTCUSDT-4h-2021-10_2022-03.csv', shot: 'backtest-report.png', lines: ['ema(close, trend)', 'highest(high, breakout)', 'lowest(low, exit_channel)', 'lowest(low, breakout)', 'highest(high, exit_channel)'] },
    { spec: 'bots/btc-ema.yaml', data: 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv', shot: 'backtest-report-1h.png', lines: ['ema(close, fast)', 'ema(close, slow)'] },
    { spec: 'bots/btc-breakout-module.yaml', data: 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv', shot: 'backtest-report-module.png', lines: [] },
  ];
  for (const c of cases) {
    const { html, out } = await report(c.spec, c.data, c.shot);
    const trades = Number(/\n {2}Trades +(\d+)/.exec(out)![1]);
    const text = readFileSync(html, 'utf8');
    for (const l of c.lines) t.ok(text.includes(`</i>${l}</span>`), `the legend names ${l} as the spec writes it`);
    const seen = await renderReport(html, c.shot);
    if (!seen) {
      console.error('SKIPPED: chromium not installed');
      t.comment('SKIPPED: chromium not installed');
      return;
    }
    t.same(seen.problems, [], `${c.spec}: no console errors`);
    t.same(seen.requests, [], 'no network requests: opens offline');
    for (const id of ['price', 'equity', 'drawdown']) t.ok((seen.charts[id]?.ink ?? 0) > 1000, `${c.spec}: ${id} chart drew (${seen.charts[id]?.ink} coloured pixels)`);
    const d = seen.drawn as { lines: number; markers: number; segments: number; buyHold: number };
    t.equal(d.lines, c.lines.length, `${c.spec}: one line per indicator the rules use`);
    t.equal(d.markers, 2 * trades, 'an entry and an exit marker per trade');
    t.ok(d.segments >= trades, 'a stop (and target) segment per trade');
    t.ok(d.buyHold > 100, 'buy and hold drawn against the equity');
    t.comment(`screenshot: ${seen.screenshot}`);
  }
});

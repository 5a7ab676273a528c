// `botctl report` on a paper journal: a self-contained HTML file with the journal's trades, in the
// backtest report's look, that renders in a real browser.
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { botctl, buildPaperJournal } from '../fixtures/commands/journal.ts';
import { Journal, RunJournal } from '../../engine/journal/index.ts';
import { main } from '../../engine/cli/main.ts';
import { renderReport } from '../helpers/browser.ts';

const H = 3_600_000;

// Chromium renders three reports; a loaded machine can take minutes.
t.setTimeout(300_000);

t.test('report: self-contained HTML with the trade rows, equity only without candles', async (t) => {
  const s = buildPaperJournal(t.testdir());
  const r = await botctl(s.dir, ['report', 'btc-ema']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /^wrote reports\/btc-ema-paper\.html: 3 trades, 4 equity points, no candles/);
  const file = join(s.dir, 'reports', 'btc-ema-paper.html');
  const html = readFileSync(file, 'utf8');
  t.notOk(/<(script|img|iframe)[^>]+src=/i.test(html), 'no external scripts or images');
  t.notOk(/<link[^>]+href=/i.test(html), 'no external stylesheets');
  t.notOk(/https?:\/\/[^"'\s]+\.(js|css)/.test(html), 'no remote asset URLs');
  t.ok(/TradingView Lightweight Charts/.test(html), 'chart library inlined');
  t.ok(/<title>btc-ema paper report<\/title>/.test(html), '/<title>btc-ema paper report<\\/title>/');
  t.ok(/<h1>btc-ema: paper trading on BTCUSDT linear<\/h1>/.test(html), '/<h1>btc-ema: paper trading on BTCUSDT linear<\\/h1>/');
  t.notOk(/backtest on/.test(html), 'the backtest heading was replaced');
  t.ok(/Realised P&#38;L +\+5\.05 USDT over 3 closed trades/.test(html), '/Realised P&#38;L +\\+5\\.05 USDT over 3 closed trades/');
  t.ok(/This journal has no candles, so there is no price chart: the report shows equity only/.test(html), '/This journal has no candles, so there is no price chart: the report shows equity only/');
  const rows = html.match(/<tr class="(win|loss)">.*<\/tr>/g) ?? [];
  t.equal(rows.length, 3, 'one table row per closed trade');
  // Prices at BTCUSDT's 0.1 tick, quantities at its 0.001 step, USDT in cents.
  t.match(rows[0], /<td>long<\/td>.*<td>65000\.5<\/td>.*<td>67000\.0<\/td><td>0\.010<\/td><td>64000\.0<\/td><td>67000\.0<\/td><td>take_profit<\/td><td>9h<\/td><td><\/td><td><\/td><td>0\.73<\/td><td>19\.27<\/td>/);
  t.match(rows[1], /<td>short<\/td>.*<td>66005\.0<\/td>.*<td>signal<\/td><td>10h<\/td><td><\/td><td><\/td><td>1\.46<\/td><td>-11\.36<\/td>/);
  t.match(rows[2], /<td>stop_loss<\/td>/);

  const seen = await renderReport(file, 'journal-report-equity-only.png');
  if (!seen) {
    t.comment('SKIPPED: chromium not installed');
    return;
  }
  t.same(seen.problems, [], 'no console errors');
  t.same(seen.requests, [], 'opens offline');
  t.ok((seen.charts.equity?.ink ?? 0) > 200, 'equity chart drew');
});

t.test('report --out with --data: candles drawn, same trades', async (t) => {
  const s = buildPaperJournal(t.testdir());
  // Hourly candles around 65,000 covering the journal's three days.
  const lines = ['start_ms,open,high,low,close,volume'];
  const start = Math.floor((s.now - 4 * 24 * H) / H) * H;
  for (let time = start, i = 0; time < s.now; time += H, i++) {
    const o = 65000 + Math.round(Math.sin(i / 5) * 800);
    const c = 65000 + Math.round(Math.sin((i + 1) / 5) * 800);
    lines.push(`${time},${o},${Math.max(o, c) + 150},${Math.min(o, c) - 150},${c},12.5`);
  }
  writeFileSync(join(s.dir, 'candles.csv'), `${lines.join('\n')}\n`);
  const r = await botctl(s.dir, ['report', 'bots/btc-ema.yaml', '--out', 'out/paper.html', '--data', 'candles.csv', '--mode', 'paper']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /^wrote out\/paper\.html: 3 trades, 4 equity points, \d+ candles/);
  const file = join(s.dir, 'out', 'paper.html');
  const html = readFileSync(file, 'utf8');
  t.notOk(/This journal has no candles/.test(html), '/This journal has no candles/');
  t.ok(/price chart: \d+ candles from candles\.csv: \d+ 1h candles/.test(html), 'the summary says where the candles come from');
  t.equal((html.match(/<tr class="(win|loss)">/g) ?? []).length, 3);
  t.ok(/<th>Average MAE \/ MFE<\/th><td class="">\d+\.\d\d %/.test(html), 'excursions measured on the candles');
  const seen = await renderReport(file, 'journal-report-candles.png');
  if (!seen) {
    t.comment('SKIPPED: chromium not installed');
    return;
  }
  t.same(seen.problems, [], 'no console errors');
  for (const id of ['price', 'equity', 'drawdown']) t.ok((seen.charts[id]?.ink ?? 0) > 200, `${id} chart drew (${seen.charts[id]?.ink} coloured pixels)`);
  const drawn = seen.drawn as { lines: number; markers: number };
  t.equal(drawn.lines, 2, 'the rules\' two EMAs drawn over the price');
  t.equal(drawn.markers, 6, 'an entry and an exit marker per closed trade');
  t.comment(`screenshot: ${seen.screenshot}`);
});

t.test('report: bad --data is a located user error, exit 1', async (t) => {
  const s = buildPaperJournal(t.testdir());
  writeFileSync(join(s.dir, 'bad.csv'), 'start_ms,open,high,low,close,volume\n1,2,3\n');
  const r = await botctl(s.dir, ['report', 'btc-ema', '--data', 'bad.csv']);
  t.equal(r.code, 1);
  t.match(r.err, /bad\.csv:2/);
  t.notMatch(r.err, /\n\s+at /);
});

t.test('report on a paper journal with repeated equity timestamps: every chart has points, the console is clean', async (t) => {
  const s = buildPaperJournal(t.testdir());
  // A paper run records equity on every candle and again on a fill: rows can share a time.
  const j = Journal.open(s.journal);
  const run = new RunJournal(j, j.runs().at(-1)!);
  for (const [time, equity] of [[s.times.t1Exit, '10019.5'], [s.times.t1Exit, '10019.6'], [s.times.t2Exit, '10008'], [s.now - 10_000, '10005.3']] as const) {
    run.recordEquity({ time, equity, coin: 'USDT' });
  }
  j.close();
  const out = join(s.dir, 'report.html');
  let err = '';
  const code = await main(['report', s.spec, '--out', out], { out: () => {}, err: (x) => void (err += x) });
  t.equal(code, 0, err);
  const seen = await renderReport(out, 'journal-report.png');
  if (!seen) {
    t.comment('SKIPPED: chromium not installed');
    return;
  }
  t.same(seen.problems, [], 'no console errors');
  t.same(seen.requests, [], 'opens offline');
  for (const id of ['equity', 'drawdown']) t.ok((seen.charts[id]?.ink ?? 0) > 200, `${id} chart has points (${seen.charts[id]?.ink} coloured pixels)`);
  t.comment(`screenshot: ${seen.screenshot}`);
});

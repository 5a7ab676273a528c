// The sweep's HTML report, opened in Chromium as a trader would: it draws the heatmap for the two
// parameters chosen, the best equity curves, the stitched walk-forward curve and one stability
// chart per parameter, offline and without console errors. The screenshot lands in test/output/.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../engine/cli/main.ts';
import { renderReport } from '../helpers/browser.ts';

t.test('--html: heatmap, equity of the best, stitched walk-forward curve, stability view', async (t) => {
  const dir = t.testdir();
  const html = join(dir, 'sweep.html');
  let err = '';
  const code = await main([
    'sweep', 'bots/btc-ema.yaml', '--data', 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv',
    '--param', 'fast=6..12:2', '--param', 'slow=24..40:8', '--param', 'risk.stop_loss.atr.multiple=1.5,2.5',
    '--walk-forward', '2', '--min-trades', '5', '--workers', '1', '--results', join(dir, 'r.jsonl'), '--html', html,
  ], { out: () => {}, err: (s) => { err += s; } });
  t.equal(code, 0, err);
  const text = readFileSync(html, 'utf8');
  t.notMatch(text, /<script[^>]+src=/, 'no external scripts');
  t.match(text, /TradingView Lightweight Charts/, 'chart library inlined');
  const r = await renderReport(html, 'sweep-report.png', { height: 1600 });
  if (!r) {
    t.skip('SKIPPED: chromium not installed', async () => {});
    return;
  }
  t.strictSame(r.problems, [], 'no console errors');
  t.strictSame(r.requests, [], 'opens offline');
  const drawn = r.drawn as { heatmapCells: number; heatmapValues: number; curves: number; stitchedPoints: number; stabilityCharts: number };
  t.equal(drawn.heatmapCells, 4 * 3, 'fast (4 values) by slow (3 values)');
  t.ok(drawn.heatmapValues > 0, `${drawn.heatmapValues} cells hold a value`);
  t.equal(drawn.curves, 5, 'the best five curves');
  t.ok(r.charts.equity!.ink > 1000, 'the equity chart has ink');
  t.ok(drawn.stitchedPoints > 100 && r.charts.stitched!.ink > 500, 'the stitched out-of-sample curve is drawn');
  t.equal(drawn.stabilityCharts, 3, 'one stability chart per parameter');
  t.match(r.text, /Stability around the best/);
  t.pass(`screenshot: ${r.screenshot}`);
});

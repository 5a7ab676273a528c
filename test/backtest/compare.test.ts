// `botctl backtest a.yaml b.yaml --data …`: several specs on the same candles, one table, one JSON
// and one HTML with the equity curves overlaid. Each run is exactly the run alone.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../engine/cli/main.ts';
import { renderReport } from '../helpers/browser.ts';

const DATA = 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv';
const SPECS = ['bots/btc-ema.yaml', 'bots/btc-breakout-module.yaml', 'bots/btc-trend-4h.yaml'];

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

t.test('one table, one row per spec, each the same as the spec run alone', async (t) => {
  const dir = t.testdir();
  const r = await cli(['backtest', ...SPECS, '--data', DATA, '--json', join(dir, 'all.json'), '--html', join(dir, 'all.html')]);
  t.equal(r.code, 0, r.err);
  const lines = r.out.split('\n');
  t.equal(lines[0], `3 specs on ${DATA}:`);
  t.match(lines[2], /^spec\s+bot\s+interval\s+candles\s+trades\s+win rate\s+net P&L\s+return\s+max DD\s+Sharpe\s+Sortino\s+profit factor\s+expectancy\s+exposure\s+fees$/);
  t.match(r.out, /\nbuy and hold over the same candles: \+3\.86 % \(43820\.01 → 45510\.34\)\n/);
  t.match(r.out, /\ndata: .*resampled to 1092 4h candles/, 'the 4h spec read the hourly file resampled');
  const all = JSON.parse(readFileSync(join(dir, 'all.json'), 'utf8')) as { format: string; runs: { bot: { name: string }; metrics: { netPnl: string; tradeCount: number } }[] };
  t.equal(all.format, 'botctl-compare/1');
  t.same(all.runs.map((x) => x.bot.name), ['btc-ema', 'btc-breakout', 'btc-trend-4h']);
  for (const [i, spec] of SPECS.entries()) {
    const alone = join(dir, `alone-${i}.json`);
    const one = await cli(['backtest', spec, '--data', DATA, '--json', alone]);
    t.equal(one.code, 0, one.err);
    t.same(all.runs[i], JSON.parse(readFileSync(alone, 'utf8')), `${spec}: the same result as alone`);
    const row = lines.find((l) => l.startsWith(`${spec} `));
    const net = /\n {2}Net P&L +(\S+) USDT/.exec(one.out)![1]!;
    t.ok(row?.includes(`${net} USDT`), `${spec}: net P&L ${net} in its row`);
  }

  const seen = await renderReport(join(dir, 'all.html'), 'compare-report.png');
  if (!seen) {
    t.comment('SKIPPED: chromium not installed');
    return;
  }
  t.same(seen.problems, [], 'no console errors');
  t.same(seen.requests, [], 'opens offline');
  t.same(seen.drawn, { equity: 3, drawdown: 3, buyHold: 1 }, 'an equity and a drawdown line per spec, and buy and hold');
  for (const id of ['equity', 'drawdown']) t.ok((seen.charts[id]?.ink ?? 0) > 1000, `${id} drew`);
  t.comment(`screenshot: ${seen.screenshot}`);
});

t.test('a bad spec among several: its diagnostics, nothing run, exit 1', async (t) => {
  const dir = t.testdir();
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, readFileSync('bots/btc-ema.yaml', 'utf8').replace('stop_loss:', 'stop_los:'));
  const r = await cli(['backtest', 'bots/btc-ema.yaml', bad, '--data', DATA, '--json', join(dir, 'x.json')]);
  t.equal(r.code, 1);
  t.match(r.err, /bad\.yaml:\d+:\d+: error: unknown key `stop_los`/);
  t.equal(r.out, '', 'nothing ran');
  // An output over any of the specs is refused too.
  const over = await cli(['backtest', 'bots/btc-ema.yaml', 'bots/btc-trend-4h.yaml', '--data', DATA, '--html', 'bots/btc-trend-4h.yaml']);
  t.equal(over.code, 1);
  t.match(over.err, /--html bots\/btc-trend-4h\.yaml is the spec this command reads/);
});

// `botctl status` after a replay (`botctl run --venue sim --data`): it says "replay", reads the
// replay's own clock (its last day, its cooldowns) instead of mixing in today's date, and shows the
// unrealised P&L the replay summary printed.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../engine/cli/main.ts';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

t.test('status after a replay that ends in a position', async (t) => {
  const dir = t.testdir();
  const spec = join(dir, 'btc-ema.yaml');
  writeFileSync(spec, readFileSync('bots/btc-ema.yaml', 'utf8'));
  // The first 899 hours of the bundled file (to 2021-11-07 10:00): the bot is long when they end.
  const data = join(dir, 'BTCUSDT-1h-part.csv');
  writeFileSync(data, `${readFileSync('bots/data/BTCUSDT-1h-2021-10_2022-03.csv', 'utf8').split('\n').slice(0, 900).join('\n')}\n`);
  const run = await cli(['run', spec, '--venue', 'sim', '--data', data]);
  t.equal(run.code, 0, run.err);
  const printed = /position at the end: long [\d.]+ at [\d.]+, unrealised ([\d.-]+)/.exec(run.out);
  t.ok(printed, run.out);

  const status = await cli(['status', spec]);
  t.equal(status.code, 0, status.err);
  const out = status.out;
  t.match(out, /^btc-ema: replay on BTCUSDT linear 1h candles/);
  t.notMatch(out, /backtest/);
  t.match(out, /run {7}#1, a replay of candles up to 2021-11-07 11:00 UTC \(run on \d{4}-\d\d-\d\d \d\d:\d\d UTC\), finished/);
  t.match(out, /Last day of the replay \(2021-11-07 UTC\)/);
  const today = new Date().toISOString().slice(0, 10);
  t.equal(out.split(today).length - 1, 1, 'today\'s date appears once: when the replay was run');
  t.match(out, new RegExp(`unrealised P&L \\+?${printed![1]!.replace('.', '\\.')} USDT \\(as of 2021-11-07 11:00 UTC\\)`), 'the unrealised P&L the summary printed');

  const again = await cli(['status', spec, '--mode', 'replay', '--json']);
  t.equal(again.code, 0, again.err);
  t.equal(JSON.parse(again.out).mode, 'replay');
  const report = await cli(['report', spec, '--out', join(dir, 'r.html')]);
  t.equal(report.code, 0, report.err);
  t.match(readFileSync(join(dir, 'r.html'), 'utf8'), /<h1>btc-ema: replay on BTCUSDT linear<\/h1>/);
  const bad = await cli(['status', spec, '--mode', 'backtst']);
  t.equal(bad.code, 2);
  t.match(bad.err, /--mode must be paper, live or replay, not "backtst"/);
});

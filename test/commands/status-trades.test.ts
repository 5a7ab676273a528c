// `botctl status` and `botctl trades` through botctl's main, on a journal written with the journal API.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmtUtc } from '../../engine/ops/time.ts';
import { botctl, buildPaperJournal, endLastRun, makeProject, touchSpec } from '../fixtures/commands/journal.ts';


t.test('status: position with stops, working orders, today, cooldown and pause, last 10 decisions', async (t) => {
  const s = buildPaperJournal(t.testdir());
  const r = await botctl(s.dir, ['status', 'btc-ema']);
  t.equal(r.code, 0, r.err);
  t.equal(r.err, '');
  t.match(r.out, /^btc-ema: paper on BTCUSDT linear 1h candles \(testnet\)/);
  t.match(r.out, /spec +bots\/btc-ema\.yaml unchanged since this run started/);
  t.match(r.out, /Position\n  long 0\.01 BTCUSDT at 65100/);
  t.match(r.out, /stop-loss 64500 +take-profit 66300 +trailing 300 behind price, from 65700/);
  t.match(r.out, /unrealised P&L \+4\.50 USDT/, 'USDT to the cent, as the run prints it');
  t.match(r.out, /Working orders\n  sell limit 0\.01 @ 66300 take_profit reduce-only: New, .*\[tp-e4\]/);
  // Today's realised P&L is trade 3 alone: (65000 − 65500) × 0.005 − 0.180125 − 0.17875 = −2.858875
  t.match(r.out, /realised P&L -2\.86 USDT, 6 entries/);
  t.match(r.out, new RegExp(`cooldown after loss, until ${fmtUtc(s.times.cooldownUntil)} UTC`));
  t.match(r.out, /entries paused: max_trades_per_day reached, until \d{4}-\d\d-\d\d 00:00 UTC/);
  t.match(r.out, /Last 10 decisions\n  decision line 2:/);
  t.notMatch(r.out, /decision line 1:/, 'only the last 10 of 12 decisions');
  t.match(r.out, /decision line 11: BUY signal skipped \(reason number 11\)/);
  t.match(r.out, /Recent errors\n  .* venue: request timed out; retrying/);
  t.match(r.out, new RegExp(`running \\(pid ${process.pid}\\)`), 'the process that wrote the run is alive and the run has not ended');
});

t.test('status --json, spec given by path, and a spec edited since the run started', async (t) => {
  const s = buildPaperJournal(t.testdir());
  touchSpec(s.spec);
  const r = await botctl(s.dir, ['status', 'bots/btc-ema.yaml', '--json']);
  t.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  t.equal(j.mode, 'paper');
  t.same(j.position, {
    side: 'long', qty: '0.01', entryPrice: '65100', openedAt: new Date(s.times.openEntry).toISOString(),
    stopLoss: '64500', takeProfit: '66300', trailingStop: '300', trailingActivation: '65700', unrealisedPnl: '4.5', asOf: j.position.asOf,
  });
  t.equal(j.spec.changedSinceRunStarted, true);
  t.not(j.spec.hash, j.run.specHash);
  t.same(j.workingOrders.map((o: { orderLinkId: string }) => o.orderLinkId), ['tp-e4']);
  t.equal(j.today.realisedPnl, '-2.858875');
  t.same(j.holds.map((h: { kind: string }) => h.kind).sort(), ['cooldown_after_loss', 'max_trades_per_day']);
  t.equal(j.holds.find((h: { kind: string }) => h.kind === 'cooldown_after_loss').until, new Date(s.times.cooldownUntil).toISOString());
  t.equal(j.decisions.length, 10);

  endLastRun(s.journal, 'stopped by SIGTERM');
  const text = await botctl(s.dir, ['status', 'btc-ema']);
  t.match(text.out, /bots\/btc-ema\.yaml CHANGED since this run started .* restart the bot to apply it/);
  t.match(text.out, /run +#1 started .* UTC, stopped .* UTC \(stopped by SIGTERM\)/);
});

t.test('trades: round trips with P&L worked out by hand, total line, open trade', async (t) => {
  const s = buildPaperJournal(t.testdir());
  const r = await botctl(s.dir, ['trades', 'btc-ema']);
  t.equal(r.code, 0, r.err);
  const lines = r.out.split('\n');
  // Trade 1: (67000 − 65000.5) × 0.010 = 19.995 gross; fees 0.35750275 + 0.3685 = 0.72600275; net 19.26899725
  t.match(lines.find((l) => /^1 /.test(l)), /long +0\.01 .* 65000\.5 .* 67000 +0\.73 +\+19\.27 +take_profit$/);
  // Trade 2: short 0.02 at 66005 (average of 66000 and 66010), bought back at 66500: −9.9 − 1.457555 = −11.357555
  t.match(lines.find((l) => /^2 /.test(l)), /short +0\.02 .* 66005 .* 66500 +1\.46 +-11\.36 +signal$/);
  t.match(lines.find((l) => /^3 /.test(l)), /long +0\.005 .* 65500 .* 65000 +0\.36 +-2\.86 +stop_loss$/);
  // 19.26899725 − 11.357555 − 2.858875 = 5.05256725; the table shows USDT in cents, --csv and --json exact
  t.match(r.out, /total +3 trades +1 won, 2 lost +2\.54 +\+5\.05/);
  t.match(r.out, /open: long 0\.01 since .* at 65100/);
});

t.test('trades --csv: header, exact decimals, closed trades only', async (t) => {
  const s = buildPaperJournal(t.testdir());
  const r = await botctl(s.dir, ['trades', '--csv']);
  t.equal(r.code, 0, r.err);
  const rows = r.out.trimEnd().split('\n');
  t.equal(rows[0], 'entry_time,entry_price,exit_time,exit_price,side,qty,fees,gross_pnl,net_pnl,exit_reason,funding');
  t.equal(rows.length, 4);
  t.equal(rows[1], `${new Date(s.times.t1Exit - 9 * 3_600_000).toISOString()},65000.5,${new Date(s.times.t1Exit).toISOString()},67000,long,0.01,0.72600275,19.995,19.26899725,take_profit,0`);
  t.match(rows[2], /,66005,.*,66500,short,0\.02,1\.457555,-9\.9,-11\.357555,signal,0$/);
  t.match(rows[3], /,0\.358875,-2\.5,-2\.858875,stop_loss,0$/);
});

t.test('trades --json and --since filters', async (t) => {
  const s = buildPaperJournal(t.testdir());
  let r = await botctl(s.dir, ['trades', 'btc-ema', '--json']);
  t.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  t.equal(j.trades.length, 3);
  t.same(j.trades[0], {
    side: 'long', qty: '0.01', entryTime: j.trades[0].entryTime, entryPrice: '65000.5', exitTime: new Date(s.times.t1Exit).toISOString(), exitPrice: '67000',
    stopLoss: '64000', takeProfit: '67000', grossPnl: '19.995', fees: '0.72600275', funding: '0', netPnl: '19.26899725', exitReason: 'take_profit', exitNote: null,
  });
  t.same(j.total, { count: 3, wins: 1, losses: 2, grossPnl: '7.595', fees: '2.54243275', funding: '0', netPnl: '5.05256725' });
  t.equal(j.open.side, 'long');
  t.equal(j.open.exitTime, null);

  r = await botctl(s.dir, ['trades', 'btc-ema', '--json', '--since', '1d']);
  t.same(JSON.parse(r.out).trades.map((x: { exitReason: string }) => x.exitReason), ['stop_loss'], 'only the trade closed in the last day');
  r = await botctl(s.dir, ['trades', 'btc-ema', '--json', '--since', new Date(s.times.t2Exit).toISOString()]);
  t.same(JSON.parse(r.out).trades.map((x: { exitReason: string }) => x.exitReason), ['signal', 'stop_loss'], 'an ISO time includes a trade closed exactly then');
  r = await botctl(s.dir, ['trades', 'btc-ema', '--since', '2099-01-01']);
  t.equal(r.code, 0);
  t.match(r.out, /no closed trades in that period/);
});

t.test('errors: bad --since, missing journal, unknown bot, wrong mode, usage', async (t) => {
  const s = buildPaperJournal(t.testdir());
  let r = await botctl(s.dir, ['trades', 'btc-ema', '--since', 'yesterday']);
  t.equal(r.code, 2, 'a malformed --since is a wrong command line, as a malformed --from is');
  t.match(r.err, /--since "yesterday" is not a date or a span: write a UTC date like 2024-05-01/);
  r = await botctl(s.dir, ['trades', 'btc-ema', '--since', '2024-02-30']);
  t.equal(r.code, 2, 'an impossible date is refused, not rolled over');
  r = await botctl(s.dir, ['status', 'btc-ema', '--mode', 'live']);
  t.equal(r.code, 1);
  t.match(r.err, /btc-ema has no live runs in bots\/journal\/btc-ema\.sqlite \(it has paper runs\)/);
  r = await botctl(s.dir, ['status', 'eth-bot']);
  t.equal(r.code, 1);
  t.match(r.err, /no bot named "eth-bot": looked for bots\/eth-bot\.yaml/);
  r = await botctl(s.dir, ['trades', '--csv', '--json']);
  t.equal(r.code, 2);
  r = await botctl(s.dir, ['status', '--bogus']);
  t.equal(r.code, 2);
  r = await botctl(s.dir, ['status', '--mode', 'demo']);
  t.equal(r.code, 2);
  t.notMatch(r.err + r.out, /\n\s+at /, 'no stack traces');

  const empty = t.testdir();
  makeProject(empty);
  for (const cmd of ['status', 'trades', 'report']) {
    r = await botctl(empty, [cmd, 'btc-ema']);
    t.equal(r.code, 1, cmd);
    t.equal(r.err, 'error: btc-ema has no journal at bots/journal/btc-ema.sqlite yet; start it with `botctl run bots/btc-ema.yaml`\n', cmd);
  }
});

t.test('a spec that no longer validates still finds its journal; several specs need a name', async (t) => {
  const s = buildPaperJournal(t.testdir());
  writeFileSync(s.spec, `${readFileSync(s.spec, 'utf8')}\nbogus_setting: 1\n`);
  let r = await botctl(s.dir, ['trades', 'btc-ema', '--json']);
  t.equal(r.code, 0, r.err);
  t.equal(JSON.parse(r.out).trades.length, 3);
  r = await botctl(s.dir, ['status']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /CHANGED since this run started/);

  writeFileSync(join(s.dir, 'bots', 'other.yaml'), 'name: eth-other\n');
  r = await botctl(s.dir, ['status']);
  t.equal(r.code, 2);
  t.match(r.err, /say which bot: there are 2 specs in bots\/ \(btc-ema, eth-other\)/);
  r = await botctl(s.dir, ['trades', 'eth-other']);
  t.equal(r.code, 1);
  t.match(r.err, /eth-other has no journal at bots\/journal\/eth-other\.sqlite yet/);
});

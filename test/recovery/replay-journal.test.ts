// An offline replay (`botctl run --venue sim --data FILE.csv`) is journaled as a backtest run, so
// status, trades and report read it with --mode backtest; each replay is its own run and the views
// show the latest.
import t from 'tap';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runBotctl } from '../helpers/cli.ts';

const MINUTE = 60_000;

function csv(rows: Array<[number, number]>, start = Date.UTC(2024, 0, 1)): string {
  return 'start_ms,open,high,low,close,volume\n' + rows.map(([price, code], i) => `${start + i * MINUTE},${price},${price},${price},${price},${code}`).join('\n') + '\n';
}

// In-process: what is checked here is the journal and the views on it, not the process.
const cli = (args: string[], cwd: string) => runBotctl(args, { cwd, env: { BYBIT_API_KEY: '', BYBIT_API_SECRET: '' } });

t.test('replays journal as backtest runs; status/trades show the latest one', async (t) => {
  const dir = t.testdir({});
  copyFileSync('test/fixtures/run/e2e.yaml', join(dir, 'e2e.yaml'));
  copyFileSync('test/fixtures/run/volume-signals.mjs', join(dir, 'volume-signals.mjs'));
  // Warm-up, a long entry, a dip through the 1% stop (a losing trade), then quiet.
  writeFileSync(join(dir, 'one.csv'), csv([[50000, 1], [50000, 1], [50000, 1], [50000, 11], [50000, 1], [49000, 1], [49000, 1], [49000, 1]]));
  // Warm-up, a short entry, closed by an exit signal.
  writeFileSync(join(dir, 'two.csv'), csv([[50000, 1], [50000, 1], [50000, 1], [50000, 13], [49800, 1], [49700, 14], [49700, 1], [49700, 1]], Date.UTC(2024, 1, 1)));

  const first = await cli(['run', 'e2e.yaml', '--data', 'one.csv'], dir);
  t.equal(first.code, 0, first.err);
  const trades1 = await cli(['trades', 'e2e.yaml', '--mode', 'backtest'], dir);
  t.equal(trades1.code, 0, trades1.err);
  t.match(trades1.out, /long\s+0\.01\s+2024-01-01/, trades1.out);

  const second = await cli(['run', 'e2e.yaml', '--data', 'two.csv'], dir);
  t.equal(second.code, 0, second.err);
  const status = await cli(['status', 'e2e.yaml', '--mode', 'backtest'], dir);
  t.equal(status.code, 0, status.err);
  t.match(status.out, /run\s+#2/, `the latest replay:\n${status.out}`);
  const trades2 = await cli(['trades', 'e2e.yaml', '--mode', 'backtest'], dir);
  t.match(trades2.out, /short\s+0\.01\s+2024-02-01/);
  t.notMatch(trades2.out, /2024-01-01/, 'the first replay stays in its own run');

  const db = new Database(join(dir, 'journal', 'e2e-bot.sqlite'), { readonly: true });
  t.teardown(() => db.close());
  const runs = db.prepare('SELECT mode, spec_hash AS hash, end_reason AS why FROM runs ORDER BY id').all() as Array<{ mode: string; hash: string; why: string }>;
  t.same(runs.map((r) => [r.mode, r.why]), [['backtest', 'stopped'], ['backtest', 'stopped']]);
  t.match(runs[0]!.hash, /^[0-9a-f]{64}$/, 'the spec hash is kept with the run');
  const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  t.ok(n('SELECT count(*) AS n FROM decisions') > 0, 'decisions');
  t.equal(n("SELECT count(*) AS n FROM orders WHERE status = 'Filled' AND order_link_id NOT LIKE 'exchange:%'"), 3, "the bot's orders (2 entries, 1 exit) with their final status");
  const exchangeCloses = db.prepare("SELECT purpose, status FROM orders WHERE order_link_id LIKE 'exchange:%'").all() as Array<{ purpose: string; status: string }>;
  t.ok(exchangeCloses.every((o) => ['stop_loss', 'take_profit', 'trailing_stop'].includes(o.purpose) && o.status === 'Filled'),
    `exchange-side closes are journaled with what they were: ${JSON.stringify(exchangeCloses)}`);
  t.equal(n('SELECT count(*) AS n FROM fills'), 4, 'and every fill, the stop-loss close included');
  t.ok(n('SELECT count(*) AS n FROM equity') > 0, 'equity snapshots');
  const paper = await cli(['status', 'e2e.yaml', '--mode', 'paper'], dir);
  t.equal(paper.code, 1, 'no paper history was made up from the replays');
});

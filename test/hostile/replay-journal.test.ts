// A replay journals in batches: every decision and equity point of every candle is there at the
// end (equity run-length coded) (and the core's last state, for `botctl status`), but the core's state is kept once per
// commit instead of once per candle, which made a 5,000,000-candle replay's journal 2.5 GB.
import t from 'tap';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { CANDLES, botctlHere, scratch } from './harness.ts';
import { readFileSync } from 'node:fs';

t.test('a replay of 4,368 candles: all its records, a few core states, the last one current', async (t) => {
  const dir = scratch({ 'bot.yaml': readFileSync('bots/btc-ema.yaml', 'utf8').replace(/^run:\n/m, 'run:\n  journal: ./journal/bot.sqlite\n') });
  const a = await botctlHere(['run', 'bot.yaml', '--data', CANDLES], { cwd: dir });
  t.equal(a.code, 0, 'the replay ran', { stderr: a.err.slice(-500) });
  const replayed = Number(/replayed (\d+) candles/.exec(a.out)?.[1]);
  const decisions = Number(/decisions: (\d+)/.exec(a.out)?.[1]);
  const db = new Database(join(dir, 'journal/bot.sqlite'), { readonly: true });
  t.teardown(() => db.close());
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  t.equal(count('SELECT count(*) AS n FROM decisions'), decisions, 'every decision journaled');
  // Run-length coded (schema v4): a row and its repeats stand for one point per candle.
  t.ok(count('SELECT sum(1 + repeats) AS n FROM equity') >= replayed, 'an equity point per candle');
  t.ok(count('SELECT count(*) AS n FROM equity') < replayed / 3, 'in far fewer rows');
  const states = count(`SELECT count(*) AS n FROM states WHERE kind = 'core'`);
  t.ok(states >= 1 && states <= Math.ceil(replayed / 1000) + 1, `${states} core states, not one per candle`);
  const last = db.prepare(`SELECT time, state FROM states WHERE kind = 'core' ORDER BY id DESC LIMIT 1`).get() as { time: number; state: string };
  const lastEquity = count('SELECT max(time + repeats * coalesce(every, 0)) AS n FROM equity');
  t.equal(last.time, lastEquity, 'the last core state is the last candle\'s');
  t.match(JSON.parse(last.state) as string, /"lastCandle":/, 'and it is the core state');
  t.equal(count(`SELECT count(*) AS n FROM runs WHERE ended_at IS NULL`), 0, 'the run is ended');
});

// The journal stops taking writes mid-run (the disk is full): a live bot can no longer be sure to
// know its orders after a crash, so it stops deciding (no new entries) at once, says so once in the
// trader's words (the disk, the journal's path, what protects the position, what to do), ends the
// run as failed (exit 1 from `botctl run`), and leaves the position under its exchange-side stops.
// Once there is space again, the next start takes the position over without a second order.
import t from 'tap';
import Database from 'better-sqlite3';
import type { RunRecorder } from '../../engine/live/types.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIG, assertInvariants, liveBot, until } from '../helpers/run-fake.ts';
import { CANDLES, botctlHere, refused, rulesSpec, scratch } from './harness.ts';

const FULL = () => new Database.SqliteError('database or disk is full', 'SQLITE_FULL');

/** A journal whose disk fills when `disk.full` is set: every write throws as SQLite does then (reads still work). */
function fillingDisk(disk: { full: boolean; spare?: ReadonlySet<string> }) {
  return (r: RunRecorder): RunRecorder => {
    const out: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(r) as Array<[string, (...a: unknown[]) => unknown]>) {
      const read = name === 'savedCoreState' || name === 'recovery' || name === 'resumeRequest';
      out[name] = read || disk.spare?.has(name) ? fn : (...a: unknown[]) => {
        if (disk.full) throw FULL();
        return fn(...a);
      };
    }
    return out as unknown as RunRecorder;
  };
}

const SAYS = [
  /the disk is full: the journal \S*journal\.sqlite could not be written/,
  /botctl stopped trading this bot: no new entries/,
  /the long 0\.01 stays under its exchange-side stop-loss 49500/,
  /free some disk space and start the bot again/i,
];

t.test('the disk fills while a long is open: decisions stop, the stop-loss stays, exit 1, the next start takes over', async (t) => {
  const disk = { full: false };
  const bot = await liveBot({ journal: true, recorder: fillingDisk(disk) });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  t.equal(bot.fake.position().size.toFixed(), '0.01', 'long open');
  const ordersBefore = bot.fake.orderCreates().length;

  disk.full = true;
  await bot.step(SIG.none, 50100);
  await until(() => bot.fatal.length > 0, 3000, 'the run is ended');
  t.equal(bot.fatal.length, 1, 'ended once');
  for (const re of SAYS) t.match(bot.fatal[0]!.message, re);
  t.equal(bot.log.text().split('could not be written').length - 1, 1, 'said once in the log, however many writes fail');

  // Candles still arrive until the session stops: none is decided on, no order goes out.
  const exit = bot.candle(SIG.exitLong, 50200);
  bot.fake.pushCandle(exit);
  const entry = bot.candle(SIG.short, 50200);
  bot.fake.pushCandle(entry);
  await new Promise((r) => setTimeout(r, 400));
  await bot.runner.idle();
  t.notOk(bot.runner.processed.includes(exit.start) || bot.runner.processed.includes(entry.start), 'no candle decided on after the failure');
  t.equal(bot.fake.orderCreates().length, ordersBefore, 'no order sent after the failure');
  t.ok(bot.fake.position().stopLoss.eq(49500), 'the exchange still holds the stop-loss');

  disk.full = false;
  await bot.restart();
  t.equal(bot.runner.core.state.position?.qty.toFixed(), '0.01', 'the next start takes the long over');
  t.equal(bot.fake.orderCreates().length, ordersBefore, 'without a second order');
  await bot.step(SIG.none, 50100);
  assertInvariants(t, bot);
});

t.test('the disk fills as the entry fills (its fill cannot be written): the position is protected, the run ends, the restart books it', async (t) => {
  // The intent is written (the order may go out); everything after it fails.
  const disk = { full: false, spare: new Set(['orderIntent']) };
  const bot = await liveBot({ journal: true, recorder: fillingDisk(disk) });
  t.teardown(bot.close);
  disk.full = true;
  await bot.step(SIG.long, 50000);
  await until(() => bot.fatal.length > 0, 3000, 'the run is ended');
  await bot.runner.idle();
  t.match(bot.fatal[0]!.message, SAYS[0]!);
  t.equal(bot.fake.position().size.toFixed(), '0.01', 'the entry filled');
  t.ok(bot.fake.position().stopLoss.eq(49500), 'and the exchange holds its stop-loss');

  disk.full = false;
  disk.spare.clear();
  await bot.restart();
  t.equal(bot.runner.core.state.position?.qty.toFixed(), '0.01', 'the restart finds the long the journal missed');
  await bot.step(SIG.none, 50100);
  assertInvariants(t, bot);
});

t.test('the disk fills on the candle that decides to exit: the close still goes out (an unwritten close is found on Bybit at the next start)', async (t) => {
  const disk = { full: false };
  const bot = await liveBot({ journal: true, recorder: fillingDisk(disk) });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  const creates = bot.fake.orderCreates().length;
  disk.full = true;
  await bot.step(SIG.exitLong, 50100);
  await until(() => bot.fatal.length > 0, 3000, 'the run is ended');
  await until(() => bot.fake.position().size.isZero(), 3000, 'the long is closed on the exchange');
  t.equal(bot.fake.orderCreates().length, creates + 1, 'one close order');
  t.match(bot.fatal[0]!.message, SAYS[0]!);

  disk.full = false;
  await bot.restart();
  t.equal(bot.runner.core.state.position, null, 'the next start finds the bot flat');
  t.equal(bot.fake.orderCreates().length, creates + 1, 'and sends nothing more');
});

t.test('botctl run: the journal stops taking writes mid-replay: a plain message, exit 1, the journal intact for the next run', async (t) => {
  // 300 candles: the failing run still has 250 candles left whose writes fail after the first.
  const dir = scratch({ 'bot.yaml': rulesSpec({ journal: './journal/bot.sqlite' }), 'candles.csv': readFileSync(CANDLES, 'utf8').split('\n').slice(0, 301).join('\n') + '\n' });
  const replay = () => botctlHere(['run', 'bot.yaml', '--data', 'candles.csv'], { cwd: dir });
  let a = await replay();
  t.equal(a.code, 0, a.err.slice(0, 500));
  // The next run's 50th decision finds the journal refusing writes, as a full disk would.
  const db = new Database(join(dir, 'journal/bot.sqlite'));
  const before = (db.prepare('SELECT count(*) AS n FROM decisions').get() as { n: number }).n;
  t.ok(before >= 250, `the first run journaled a decision per candle (${before})`);
  db.exec(`CREATE TRIGGER disk_full BEFORE INSERT ON decisions WHEN (SELECT count(*) FROM decisions) >= ${before + 50} BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END`);
  db.close();
  a = await replay();
  refused(t, a, { code: 1, says: [/error: the journal journal\/bot\.sqlite could not be written \(database or disk is full\)\. botctl stopped trading this bot: no new entries/, /Free some disk space and run the replay again/] });
  t.equal(a.err.split('could not be written').length - 1, 2, 'said in the log line and the final error, not once per write');

  const fix = new Database(join(dir, 'journal/bot.sqlite'));
  fix.exec('DROP TRIGGER disk_full');
  fix.close();
  a = await replay();
  t.equal(a.code, 0, `the next run works on the same journal: ${a.err.slice(0, 500)}`);
});

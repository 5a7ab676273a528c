// Crash recovery around exits and cooldowns: the real `botctl run --live` is SIGKILLed and started
// again on the same fake and journal (see crash.test.ts for crashes around entries and stops).
import t from 'tap';
import { SIG, crashRig, createsPerLink, orderStory, recoveryRecords, until } from '../helpers/recovery.ts';

t.test('cooldown after a losing exit survives a crash: the restarted bot still waits', async (t) => {
  // A time-counted cooldown: the fake's clock runs behind the crafted candles, so bar counts across
  // a restart would be muddled by the test set-up, while an end time is exact.
  const rig = await crashRig(t, 'test/fixtures/run/e2e.yaml', (s) => s.replace('after_exit: 2 bars', 'after_exit: 2h'));
  const { fake } = rig;
  const first = await rig.start();
  rig.push(SIG.long, 50000);
  await until(() => fake.position().size.gt(0), 5000, 'entry');
  rig.push(SIG.none, 49450, { open: 50000, high: 50000, low: 49400 });
  await until(() => fake.position().size.isZero(), 5000, 'stopped out');
  await first.waitFor(/position closed by stop-loss/);
  // Wait for the core state with the cooldown to be journaled, then crash.
  const db = rig.journal();
  const lastCore = () => (db.prepare("SELECT state FROM states WHERE kind = 'core' ORDER BY id DESC LIMIT 1").get() as { state: string } | undefined)?.state;
  await until(() => String(JSON.parse(lastCore() ?? '""')).includes('"cause":"exit"'), 5000, 'cooldown journaled');
  await rig.kill(first);

  const second = await rig.start();
  await second.waitFor(/recovered:/);
  t.match(second.stderr(), /recovered: flat; cooldown after exit \(until \d{4}-\d\d-\d\d \d\d:\d\d\) restored/);
  const creates = fake.orderCreates().length;
  rig.push(SIG.long, 49500);
  await second.waitFor(/BUY signal skipped: cooldown after exit until/);
  t.equal(fake.orderCreates().length, creates, 'no entry during the restored cooldown');
  second.proc.kill('SIGINT');
  t.equal(await second.exit, 0, second.stderr());
});

t.test('the stop-loss closed the position while the bot was dead: the restart records the exit from the fill history', async (t) => {
  const rig = await crashRig(t, 'test/fixtures/run/e2e.yaml');
  const { fake } = rig;
  const first = await rig.start();
  rig.push(SIG.long, 50000);
  await until(() => fake.position().stopLoss.toFixed() === '49500', 5000, 'entry with its stop');
  const db = rig.journal();
  const lastCore = () => (db.prepare("SELECT state FROM states WHERE kind = 'core' ORDER BY id DESC LIMIT 1").get() as { state: string } | undefined)?.state;
  await until(() => String(JSON.parse(lastCore() ?? '""')).includes('"position":{"side":"long"'), 5000, 'position journaled');
  await rig.kill(first);
  fake.setPrice(49400);
  t.ok(fake.position().size.isZero(), 'stopped out on the exchange while no bot ran');

  const second = await rig.start();
  await second.waitFor(/recovered:/);
  t.match(second.stderr(), /recovered: the long 0\.01 was closed while the bot was away \(recorded from the fill history\); 1 missed fill journaled/);
  t.match(second.stderr(), /long position closed by stop-loss at 49/, 'the core records the exit');
  t.equal(fake.orderCreates().length, 1, 'nothing sent');
  const fills = db.prepare("SELECT side FROM fills ORDER BY time").all() as Array<{ side: string }>;
  t.same(fills.map((f) => f.side), ['buy', 'sell'], 'entry and the stop-loss close both journaled');
  second.proc.kill('SIGINT');
  t.equal(await second.exit, 0, second.stderr());
});

t.test('killed after the exit was sent, before its answer: the restart sees the position closed and sends nothing again', async (t) => {
  const rig = await crashRig(t, 'test/fixtures/run/e2e.yaml');
  const { fake } = rig;
  const first = await rig.start();
  rig.push(SIG.long, 50000);
  await until(() => fake.position().stopLoss.toFixed() === '49500', 5000, 'entry with its stop');
  const db = rig.journal();
  const lastCore = () => (db.prepare("SELECT state FROM states WHERE kind = 'core' ORDER BY id DESC LIMIT 1").get() as { state: string } | undefined)?.state;
  await until(() => String(JSON.parse(lastCore() ?? '""')).includes('"position":{"side":"long"'), 5000, 'position journaled');
  fake.acceptThenHang('/v5/order/create');
  fake.stallSockets('private');
  rig.push(SIG.exitLong, 50200);
  await until(() => fake.position().size.isZero(), 5000, 'closed on the exchange');
  await rig.kill(first);
  const exitLink = String(fake.orderCreates().at(-1)!.orderLinkId);

  const second = await rig.start();
  await second.waitFor(/recovered:/);
  t.match(second.stderr(), /recovered: the long 0\.01 was closed while the bot was away \(recorded from the fill history\); 1 journaled order brought up to date \(Intent → Filled\)/);
  t.equal(fake.orderCreates().length, 2, 'entry and exit, nothing twice');
  t.ok(fake.position().size.isZero());
  t.same(orderStory(db, exitLink), ['Intent', 'Filled']);
  t.equal((db.prepare('SELECT count(*) AS n FROM fills').get() as { n: number }).n, 2, 'both fills journaled');
  second.proc.kill('SIGINT');
  t.equal(await second.exit, 0, second.stderr());
});

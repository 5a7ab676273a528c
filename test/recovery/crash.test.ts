// Crash recovery: the real `botctl run --live` is SIGKILLed at a dangerous moment and started again
// on the same fake exchange and the same journal. After the restart there is no second entry, the
// position carries a stop-loss, and the journal tells the whole story.
import t from 'tap';
import { SIG, crashRig, createsPerLink, orderStory, recoveryRecords, until } from '../helpers/recovery.ts';

t.test('(a) killed after the entry was sent, before its answer: adopted, missing stop set, nothing sent twice', async (t) => {
  const rig = await crashRig(t, 'test/fixtures/run/e2e.yaml');
  const { fake } = rig;
  const first = await rig.start();
  // The exchange carries the order out (and fills it) but never answers; and it drops the order's
  // stop-loss, so the position is naked until the bot would have checked it.
  fake.acceptThenHang('/v5/order/create');
  fake.ignoreEntryTpSl = true;
  // ...and the account stream goes quiet, so the bot hears nothing of the fill either.
  fake.stallSockets('private');
  rig.push(SIG.long, 50000);
  await until(() => fake.placedOrders().length === 1 && fake.position().size.gt(0), 5000, 'entry on the exchange');
  await rig.kill(first);
  t.ok(fake.position().stopLoss.isZero(), 'the position is unprotected at the moment of the crash');
  const link = String(fake.orderCreates()[0]!.orderLinkId);

  const second = await rig.start();
  await second.waitFor(/recovered:/);
  t.match(second.stderr(), /recovered: long 0\.01 BTCUSDT @ 50000 adopted, stop-loss 49500 and take-profit 51000 were missing → set/);
  t.equal(fake.position().stopLoss.toFixed(), '49500', 'protected after recovery');
  t.equal(fake.position().takeProfit.toFixed(), '51000');

  // The next candle carries another long signal: the bot is in a position, so nothing is sent.
  rig.push(SIG.long, 50050);
  // Decided (and logged once its orders, if any, are out): waited on, not slept on.
  await second.waitFor(/BUY signal skipped: already long/);
  t.same([...createsPerLink(fake)], [[link, 1]], 'one order/create for one orderLinkId');
  t.equal(fake.placedOrders().length, 1, 'one order on the exchange');
  t.equal(fake.position().size.toFixed(), '0.01', 'no second entry');

  second.proc.kill('SIGINT');
  t.equal(await second.exit, 0, second.stderr());
  const db = rig.journal();
  t.same(orderStory(db, link), ['Intent', 'Filled'], 'written down before it was sent; its outcome written at recovery');
  t.equal((db.prepare('SELECT count(*) AS n FROM fills WHERE order_link_id = ?').get(link) as { n: number }).n, 1, 'the fill the killed process never heard of is journaled');
  const rec = recoveryRecords(db);
  t.equal(rec.length, 1, 'one recovery record');
  t.match(rec[0], { position: { side: 'long', known: false, set: ['stop-loss 49500', 'take-profit 51000'] }, journalOrders: [{ orderLinkId: link, was: 'Intent', now: 'Filled' }] });
  const runs = db.prepare('SELECT ended_at AS ended FROM runs ORDER BY id').all() as Array<{ ended: number | null }>;
  t.same(runs.map((r) => r.ended === null), [true, false], 'the killed run never ended; the restarted one did');
});

t.test('(b) killed after a partial fill of a limit entry: the rest is cancelled, the part adopted under its stop', async (t) => {
  const rig = await crashRig(t, 'test/fixtures/run/limit.yaml');
  const { fake } = rig;
  const first = await rig.start();
  fake.partialFill = 0.5;
  rig.push(SIG.long, 50000);
  await until(() => fake.placedOrders().length === 1, 5000, 'limit entry resting');
  // The price dips through the limit: half of it fills, the rest keeps working.
  rig.push(SIG.none, 49900, { open: 50000, high: 50000, low: 49700 });
  await until(() => fake.placedOrders()[0]!.status === 'PartiallyFilled', 5000, 'partial fill');
  const db0 = rig.journal();
  await until(() => (db0.prepare('SELECT count(*) AS n FROM fills').get() as { n: number }).n === 1, 5000, 'the partial fill journaled');
  await rig.kill(first);
  t.equal(fake.position().size.toFixed(), '0.005');
  const link = String(fake.orderCreates()[0]!.orderLinkId);

  const second = await rig.start();
  await second.waitFor(/recovered:/);
  t.match(second.stderr(), /recovered: long 0\.005 BTCUSDT @ 49750 adopted, stop-loss 49252\.5 in place; 1 orphan entry order cancelled/);
  t.equal(fake.placedOrders()[0]!.status, 'Cancelled', 'the working rest of the entry is withdrawn');
  t.equal(fake.position().size.toFixed(), '0.005');
  t.equal(fake.position().stopLoss.toFixed(), '49252.5', 'the filled part is protected');
  rig.push(SIG.long, 49900);
  await second.waitFor(/BUY signal skipped: already long/);
  t.same([...createsPerLink(fake)], [[link, 1]], 'no new entry while the position is open');

  second.proc.kill('SIGINT');
  t.equal(await second.exit, 0, second.stderr());
  const db = rig.journal();
  const story = orderStory(db, link);
  t.equal(story[0], 'Intent');
  t.equal(story.at(-1), 'Cancelled', story.join(' → '));
  t.match(db.prepare('SELECT status, filled_qty AS filled FROM orders WHERE order_link_id = ?').get(link), { status: 'Cancelled', filled: '0.005' }, 'the journal keeps the filled part');
  t.equal((db.prepare('SELECT count(*) AS n FROM fills WHERE order_link_id = ?').get(link) as { n: number }).n, 1);
});

t.test('trail bot: killed mid-move, then killed again and its stop lost', async (t) => {
  const rig = await crashRig(t, 'test/fixtures/run/trail.yaml');
  const { fake } = rig;

  // The restarted bot of (c) is killed in its turn for the next scenario: one botctl start fewer.
  await t.test('(c) killed while the trailing stop was being moved: the position keeps a stop and trailing goes on', async (t) => {
    const first = await rig.start();
    rig.push(SIG.long, 50000);
    await until(() => fake.position().stopLoss.toFixed() === '49500', 5000, 'entry with its stop');
    await first.waitFor(/waiting for closed candles[\s\S]*entry order placed/);
    // The trailing-stop move reaches the exchange only after a while; the bot dies meanwhile.
    fake.delay('/v5/position/trading-stop', 1000);
    const before = fake.requestsTo('/v5/position/trading-stop').length;
    rig.push(SIG.none, 51000);
    await until(() => fake.requestsTo('/v5/position/trading-stop').length > before, 5000, 'trailing stop move sent');
    await rig.kill(first);
    t.ok(fake.position().stopLoss.gt(0), 'a stop is on the position throughout');
    await until(() => fake.position().stopLoss.toFixed() === '50490', 3000, 'the delayed move lands');

    const second = await rig.start();
    await second.waitFor(/recovered:/);
    t.match(second.stderr(), /recovered: long 0\.01 BTCUSDT @ 50000 resumed, stop-loss 50490 in place/, 'the journal knew the position; the exchange stop wins');
    t.equal(fake.orderCreates().length, 1, 'no order sent on restart');
    // Trailing continues from the exchange's stop.
    rig.push(SIG.none, 52000);
    await until(() => fake.position().stopLoss.toFixed() === '51480', 5000, 'trailed again after the restart');
  });

  await t.test('the journal\'s trailed stop is put back when the exchange lost it during the crash', async (t) => {
    const db = rig.journal();
    const lastCore = () => (db.prepare("SELECT state FROM states WHERE kind = 'core' ORDER BY id DESC LIMIT 1").get() as { state: string } | undefined)?.state;
    await until(() => String(JSON.parse(lastCore() ?? '""')).includes('"stopLoss":{"$d":"51480"}'), 5000, 'trailed stop journaled');
    await rig.kill(rig.runs.at(-1)!);
    fake.exchange.setTradingStop({ stopLoss: '0' });

    const third = await rig.start();
    await third.waitFor(/recovered:/);
    t.match(third.stderr(), /recovered: long 0\.01 BTCUSDT @ 50000 resumed, stop-loss 51480 was missing → set/);
    t.equal(fake.position().stopLoss.toFixed(), '51480', "the journal's trailed stop, not the plan's 49500 from the entry price");
    third.proc.kill('SIGINT');
    t.equal(await third.exit, 0, third.stderr());
  });
});

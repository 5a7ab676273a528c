// Graceful shutdown of the real `botctl run --live` against the fake Bybit: what a signal leaves
// on the exchange, what it prints, and that a second signal exits at once yet recoverably. Where a
// scenario ends with a restarted bot, the next scenario goes on with that bot: a botctl start
// fewer per pair (each start costs about a second of CPU).
import t from 'tap';
import { SIG, crashRig, orderStory, until } from '../helpers/recovery.ts';

t.test('limit bot: a second SIGINT, the restart, then a clean SIGINT', async (t) => {
  const rig = await crashRig(t, 'test/fixtures/run/limit.yaml');

  await t.test('a second SIGINT exits at once; the next start recovers cleanly', async (t) => {
    const run = await rig.start();
    rig.push(SIG.long, 50000);
    await until(() => rig.fake.placedOrders()[0]?.status === 'New', 5000, 'limit entry resting');
    await run.waitFor(/entry order placed/);
    // The exchange is slow to list open orders: the graceful shutdown hangs on it.
    const before = rig.fake.requestsTo('/v5/order/realtime').length;
    rig.fake.delay('/v5/order/realtime', 8000);
    run.proc.kill('SIGINT');
    await until(() => rig.fake.requestsTo('/v5/order/realtime').length > before, 3000, 'shutdown under way');
    const sent = Date.now();
    run.proc.kill('SIGINT');
    const code = await run.exit;
    t.ok(Date.now() - sent < 2000, `exited promptly (${Date.now() - sent} ms)`);
    t.equal(code, 1, 'not a clean stop');
    t.match(run.stderr(), /SIGINT again — exiting now without finishing; the journal is consistent/);
    t.equal(rig.fake.placedOrders()[0]!.status, 'New', 'the entry was left working');
    await until(() => rig.fake.subscribers('all') === 0, 5000, 'sockets gone');

    const again = await rig.start();
    await again.waitFor(/recovered:/);
    t.match(again.stderr(), /recovered: flat; 1 orphan entry order cancelled/);
    t.equal(rig.fake.placedOrders()[0]!.status, 'Cancelled');
    const runs = rig.journal().prepare('SELECT end_reason AS why FROM runs ORDER BY id').all() as Array<{ why: string | null }>;
    t.equal(runs[0]!.why, 'forced exit (second signal)', 'the forced exit is written down');
  });

  await t.test('SIGINT with a working limit entry: the entry is cancelled on the exchange, exit 0', async (t) => {
    const run = rig.runs.at(-1)!; // the restarted bot, flat
    rig.push(SIG.long, 50000);
    await until(() => rig.fake.placedOrders()[1]?.status === 'New', 5000, 'limit entry resting');
    await run.waitFor(/entry order placed/);
    run.proc.kill('SIGINT');
    t.equal(await run.exit, 0, run.stderr());
    t.equal(rig.fake.placedOrders()[1]!.status, 'Cancelled', 'no entry left working on the exchange');
    t.ok(rig.fake.position().size.isZero());
    t.match(run.stderr(), /shutdown limit-bot: 1 entry order cancelled; flat; journal flushed/);
    t.equal(rig.fake.subscribers('all'), 0, 'sockets closed');
    const link = rig.fake.placedOrders()[1]!.orderLinkId;
    t.equal(orderStory(rig.journal(), link).at(-1), 'Cancelled', 'the cancel is journaled');
  });
});

t.test('market bot: a shutdown past its time bound, the restart, then SIGTERM with keep_position', async (t) => {
  const rig = await crashRig(t, 'test/fixtures/run/e2e.yaml');

  await t.test('shutdown that cannot finish in its time bound: says so, exits 1; the next start settles the journal', async (t) => {
    const run = await rig.start({ env: { BOTCTL_SHUTDOWN_BOUND_MS: '1500' } });
    // The entry is neither carried out nor answered, whichever way it is sent (the trade socket, then
    // REST after the socket's 2 s, each REST try after its 10 s timeout): only the bound can end the
    // shutdown, however slow the machine.
    rig.fake.hang('/v5/order/create', 1000);
    rig.push(SIG.long, 50000);
    await until(() => rig.fake.orderCreates().length >= 1, 15_000, 'entry sent');
    run.proc.kill('SIGINT');
    t.equal(await run.exit, 1, 'not a clean stop');
    t.match(run.stderr(), /shutdown: not finished within 1\.5 s .*the next start reconciles them/);
    t.notMatch(run.stderr(), /entry order placed|may or may not have reached the exchange/, 'it gave up while the exchange call was still pending');
    t.equal(rig.fake.placedOrders().length, 0, 'nothing was carried out');
    rig.fake.clearFaults('/v5/order/create');
    await until(() => rig.fake.subscribers('all') === 0, 5000, 'sockets gone');

    // Fast timers, as the keep_position scenario below wants them.
    const again = await rig.start({ fast: true });
    await again.waitFor(/recovered:/);
    t.match(again.stderr(), /recovered: flat; 1 journaled order brought up to date \(Intent → never placed\)/);
    const link = String(rig.fake.orderCreates()[0]!.orderLinkId);
    t.same(orderStory(rig.journal(), link), ['Intent', 'Rejected'], 'the intent is closed: the exchange never had it');
  });

  await t.test('SIGTERM with an open position and keep_position: it stays under its stops, missing ones are put back, exit 0', async (t) => {
    const run = rig.runs.at(-1)!; // the restarted bot, flat
    const creates = rig.fake.orderCreates().length;
    rig.push(SIG.long, 50000);
    await until(() => rig.fake.position().stopLoss.toFixed() === '49500', 5000, 'entry under its stop');
    await run.waitFor(/entry order placed/);
    // Someone removed the position's stops by hand just before the shutdown.
    rig.fake.exchange.setTradingStop({ stopLoss: '0', takeProfit: '0' });
    run.proc.kill('SIGTERM');
    t.equal(await run.exit, 0, run.stderr());
    const p = rig.fake.position();
    t.equal(p.size.toFixed(), '0.01', 'the position is kept');
    t.equal(p.stopLoss.toFixed(), '49500', 'under its stop-loss');
    t.equal(p.takeProfit.toFixed(), '51000');
    // Either the runner's own protection check (if the exchange's position push came first) or the
    // shutdown's verification put the stops back; the summary says which.
    t.match(run.stderr(), /shutdown e2e-bot: long 0\.01 kept under stop 49500 \/ target 51000( \(stop-loss 49500 and take-profit 51000 set now\))?; journal flushed/);
    t.match(run.stderr(), /had no stop-loss 49500 and take-profit 51000 on the exchange: set with trading-stop|set now\)/);
    t.equal(rig.fake.orderCreates().length, creates + 1, 'nothing closed: the entry was the only order');
  });
});

t.test('SIGINT with on_shutdown: close_position: closed at market and confirmed', async (t) => {
  const rig = await crashRig(t, 'test/fixtures/run/e2e.yaml', (s) => s.replace('  journal: ./journal/e2e-bot.sqlite', '  journal: ./journal/e2e-bot.sqlite\n  on_shutdown: close_position'));
  const run = await rig.start({ fast: true });
  rig.push(SIG.long, 50000);
  await until(() => rig.fake.position().size.gt(0), 5000, 'entry');
  await run.waitFor(/entry order placed/);
  rig.fake.setPrice(50100);
  run.proc.kill('SIGINT');
  t.equal(await run.exit, 0, run.stderr());
  t.ok(rig.fake.position().size.isZero(), 'flat on the exchange');
  const close = rig.fake.orderCreates().at(-1)!;
  t.match(close, { side: 'Sell', orderType: 'Market', qty: '0.01', reduceOnly: true });
  t.match(run.stderr(), /shutdown e2e-bot: long 0\.01 closed at market at 50100; journal flushed/);
  const db = rig.journal();
  t.same(orderStory(db, String(close.orderLinkId)), ['Intent', 'Filled'], 'the close is journaled: intent, then its fill');
  t.equal((db.prepare('SELECT count(*) AS n FROM fills').get() as { n: number }).n, 2, 'entry and close fills');
});

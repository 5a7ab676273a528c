// Issue 9 item 5 through the real `botctl run --live` process: an exit decided during a storm of
// HTTP 502 on order/create is journaled before its first order, kept under the stop-loss while it
// cannot go through, survives a SIGKILL, and is carried out by the restarted process once the storm
// ends, with no new exit signal and no order twice.
import t from 'tap';
import { SIG, crashRig, orderStory, until } from '../helpers/recovery.ts';

t.test('an exit decided in a storm is carried out after a crash and restart, once', async (t) => {
  const rig = await crashRig(t, 'test/fixtures/run/e2e.yaml');
  const { fake } = rig;
  fake.rejectTradeAuth = true; // orders over REST, where the storm is
  const first = await rig.start({ fast: true });
  rig.push(SIG.long, 50000);
  await until(() => fake.position().size.gt(0) && fake.position().stopLoss.gt(0), 5000, 'long under its stop');
  fake.httpError('/v5/order/create', 502, 10_000);
  rig.push(SIG.exitLong, 50100);
  await first.waitFor(/did not go through: .*HTTP 502.*trying again/, 10_000);
  await until(() => fake.requestsTo('/v5/order/create').filter((r) => r.httpStatus === 502).length >= 8, 10_000, 'attempts in the storm');
  t.equal(fake.position().stopLoss.toFixed(), '49500', 'the stop-loss stays on through the storm');
  await rig.kill(first);
  t.equal(fake.position().size.toFixed(), '0.01', 'still open when the process dies');

  const second = await rig.start({ fast: true });
  await second.waitFor(/the exit of the long decided before the restart \(exit signal\) is not done: closing it at market/, 10_000);
  const sent = fake.requestsTo('/v5/order/create').length;
  await until(() => fake.requestsTo('/v5/order/create').length > sent + 4, 10_000, 'the restarted bot keeps trying');
  fake.clearFaults('/v5/order/create'); // the storm ends
  await until(() => fake.position().size.isZero(), 10_000, 'closed');
  second.proc.kill('SIGINT');
  t.equal(await second.exit, 0, second.stderr());

  const onExchange = fake.placedOrders().map((o) => o.orderLinkId);
  t.equal(new Set(onExchange).size, onExchange.length, 'one exchange order per orderLinkId');
  t.equal(fake.placedOrders().filter((o) => o.reduceOnly).length, 1, 'closed once');
  const db = rig.journal();
  const decisions = (db.prepare('SELECT text FROM decisions ORDER BY id').all() as Array<{ text: string }>).map((d) => d.text).join('\n');
  t.match(decisions, /EXIT LONG signal/);
  t.match(decisions, /the close of the long \(exit signal\) did not go through: .*; the position stays open under its stop-loss 49500; trying again/);
  t.match(decisions, /the exit of the long decided before the restart \(exit signal\) is not done: closing it at market/);
  const close = fake.placedOrders().find((o) => o.reduceOnly)!.orderLinkId;
  t.same(orderStory(db, close).filter((s) => s !== 'New'), ['Intent', 'Filled'], 'the close that went through: intent, then filled');
  const states = (db.prepare("SELECT state FROM states WHERE kind = 'core' ORDER BY id").all() as Array<{ state: string }>).map((r) => JSON.parse(JSON.parse(r.state) as string) as { exitPending: string | null });
  t.ok(states.some((s) => s.exitPending === 'signal'), 'the exit decision was journaled');
  t.equal(states.at(-1)?.exitPending, null, 'and is done');
});

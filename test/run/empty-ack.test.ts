// Issue 9 item 3: Bybit answers retCode 0 with an empty orderId and there is no order behind it.
// Such an ack is no acceptance: the bot looks the order up by its orderLinkId, settles "not found"
// within a bound (a few lookups) as never placed, and neither hangs ("an entry order is already
// working" for ever) nor doubles the order.
import t from 'tap';
import { SIG, assertInvariants, journalDecisions, liveBot } from '../helpers/run-fake.ts';
import { orderStory } from '../helpers/recovery.ts';

for (const orderEntry of ['rest', 'websocket'] as const) {
  t.test(`entry acknowledged without an order id (${orderEntry}): looked up, recorded as never placed, the next signal enters`, async (t) => {
    const bot = await liveBot({ journal: true, orderEntry });
    t.teardown(bot.close);
    bot.fake.emptyAck('/v5/order/create');
    await bot.step(SIG.long, 50000);
    const link = String(bot.fake.orderCreates()[0]!.orderLinkId);
    t.equal(bot.fake.placedOrders().length, 0, 'nothing on the exchange');
    t.ok(bot.fake.requestsTo('/v5/order/realtime').filter((r) => r.params.orderLinkId === link).length >= 2, 'looked up by orderLinkId');
    t.equal(bot.runner.core.state.entryOrder, null, 'the core does not wait for an order that does not exist');
    const texts = bot.texts().join('\n');
    t.match(texts, /entry order rejected: the order never reached the exchange \(.*acknowledged it without an order id.*, and the exchange does not know it\)/, texts);
    t.same(orderStory(bot.journal(), link), ['Intent', 'Rejected'], 'the journal: intent, then never placed');
    await bot.step(SIG.long, 50000);
    t.equal(bot.fake.placedOrders().length, 1, 'the next signal enters');
    t.notMatch(bot.texts().join('\n'), /already working/, 'never stuck behind a phantom entry');
    assertInvariants(t, bot);
  });
}

t.test('exit acknowledged without an order id: not taken as placed; the position is closed', async (t) => {
  const bot = await liveBot({ journal: true });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  bot.fake.emptyAck('/v5/order/create');
  await bot.step(SIG.exitLong, 50100);
  await bot.step(SIG.exitLong, 50100);
  t.ok(bot.fake.position().size.isZero(), 'closed');
  t.equal(bot.runner.core.state.position, null);
  t.match(bot.texts().join('\n'), /acknowledged it without an order id/);
  t.equal(bot.fake.placedOrders().filter((o) => o.reduceOnly).length, 1, 'one close order');
  const first = String(bot.fake.orderCreates().find((c) => c.reduceOnly === true)!.orderLinkId);
  t.same(orderStory(bot.journal(), first), ['Intent', 'Rejected'], 'the phantom close: intent, never placed');
  t.match(journalDecisions(bot), /acknowledged it without an order id/, 'and why');
  assertInvariants(t, bot);
});

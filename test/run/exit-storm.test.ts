// Issue 9 item 5: an exit once decided is carried out until the position is flat. A storm of
// HTTP 5xx while closing leaves the stop-loss on and sends nothing twice, and the bot keeps trying
// (bounded backoff, short in tests) until the close goes through, without a new exit signal, and
// also after a restart (the exit intent is in the journal).
import t from 'tap';
import { SIG, assertInvariants, journalDecisions, liveBot, until } from '../helpers/run-fake.ts';
import { orderStory } from '../helpers/recovery.ts';

/** Every order/create fails with HTTP 502 for the next `n` requests (each placement tries 4 times). */
const storm = (bot: Awaited<ReturnType<typeof liveBot>>, n: number) => bot.fake.httpError('/v5/order/create', 502, n);

t.test('an exit decided during a storm is retried until the position is flat, with no new signal', async (t) => {
  const bot = await liveBot({ journal: true });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  storm(bot, 12);
  await bot.step(SIG.exitLong, 50100);
  t.equal(bot.fake.position().size.toFixed(), '0.01', 'still open after the first attempt');
  t.equal(bot.fake.position().stopLoss.toFixed(), '49500', 'under its stop-loss meanwhile');
  await until(() => bot.fake.position().size.isZero(), 5000, 'closed by a retry');
  await until(() => bot.runner.core.state.position === null, 3000, 'the core flat');
  await bot.runner.idle();
  const texts = bot.texts().join('\n');
  t.match(texts, /the close of the long \(exit signal\) did not go through: .*HTTP 502.*; the position stays open under its stop-loss 49500; trying again in \d+ ms/, texts);
  t.notMatch(texts, /the next exit decision closes it/, 'not left to a signal that may never come');
  const links = [...new Set(bot.fake.orderCreates().filter((c) => c.reduceOnly === true).map((c) => String(c.orderLinkId)))];
  t.ok(links.length >= 2, `one orderLinkId per attempt: ${links.join(' ')}`);
  const db = bot.journal();
  t.same(orderStory(db, links.at(-1)!).filter((s) => s !== 'New'), ['Intent', 'Filled'], 'the last attempt filled');
  t.same(orderStory(db, links[0]!), ['Intent', 'Rejected'], 'the first never reached the exchange, and the journal says so');
  t.equal(bot.fake.placedOrders().filter((o) => o.reduceOnly).length, 1, 'closed once');
  assertInvariants(t, bot);
});

t.test('a restart in the middle of the storm carries the decided exit out', async (t) => {
  const bot = await liveBot({ journal: true });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  storm(bot, 400);
  await bot.step(SIG.exitLong, 50100);
  await bot.restart(); // killed mid-storm: the new process has only the journal and the exchange
  const before = bot.fake.requestsTo('/v5/order/create').length;
  await until(() => bot.fake.requestsTo('/v5/order/create').length >= before + 8, 5000, 'the new runner tried during the storm');
  bot.fake.clearFaults('/v5/order/create'); // the storm ends
  await until(() => bot.fake.position().size.isZero(), 5000, 'closed after the restart');
  const texts = bot.texts().join('\n');
  t.match(texts, /resumed the long 0\.01 at 50000 from the journal/);
  t.match(texts, /the exit of the long decided before the restart \(exit signal\) is not done: closing it at market/, texts);
  t.equal(bot.fake.placedOrders().filter((o) => o.reduceOnly).length, 1, 'closed once');
  await until(() => bot.runner.core.state.position === null, 3000, 'the core flat');
  t.match(journalDecisions(bot), /EXIT LONG signal[\s\S]*did not go through[\s\S]*decided before the restart \(exit signal\) is not done/, 'the journal: the decision, the failed tries, the resumption');
  assertInvariants(t, bot);
});

t.test('the position cannot be read before a retry: the bot backs off and closes once it can', async (t) => {
  const bot = await liveBot({ journal: true });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  storm(bot, 4); // the first attempt never reaches the exchange
  bot.fake.httpError('/v5/position/list', 502, 8); // and the next two cannot read the position
  await bot.step(SIG.exitLong, 50100);
  await until(() => bot.fake.position().size.isZero(), 5000, 'closed once the position could be read');
  await until(() => bot.runner.core.state.position === null, 3000, 'the core flat');
  t.match(bot.texts().join('\n'), /the close of the long \(exit signal\) did not go through: the position could not be read \(.*502.*\); the position stays open under its stop-loss 49500; trying again/);
  t.equal(bot.fake.placedOrders().filter((o) => o.reduceOnly).length, 1, 'closed once');
  t.match(journalDecisions(bot), /did not go through: .*HTTP 502[\s\S]*did not go through: the position could not be read/, 'journaled');
  assertInvariants(t, bot);
});

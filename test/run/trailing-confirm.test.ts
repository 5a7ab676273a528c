// Issue 9 item 2: a trailing-stop move is the core's wish until the exchange confirms it. The core
// commits the new level only when the venue accepted it; a move refused because the price already
// fell through it means the stop would have triggered, so the position is closed at market; and the
// position check compares the level on the exchange with the wanted one, not only that one exists.
import t from 'tap';
import { SIG, assertInvariants, journalDecisions, liveBot } from '../helpers/run-fake.ts';
import { orderStory } from '../helpers/recovery.ts';

const TRAIL = 'test/fixtures/run/trail.yaml';

t.test('the price fell through the new trailing level before it was set: closed at market, the core never held the refused level', async (t) => {
  const bot = await liveBot({ spec: TRAIL, journal: true });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  t.equal(bot.fake.position().stopLoss.toFixed(), '49500');
  // The candle closes at 51000 (trail to 50490), but by the time the bot acts the price is 50400.
  const c = bot.candle(SIG.none, 51000);
  bot.pushed.push(c.start);
  bot.fake.pushCandle(c);
  bot.fake.setPrice(50400);
  await bot.waitProcessed(c);
  const ts = bot.fake.requestsTo('/v5/position/trading-stop');
  t.match(ts.at(-1), { params: { stopLoss: '50490' }, retCode: 10001 }, 'the move was refused');
  t.ok(bot.fake.position().size.isZero(), 'closed at market');
  t.match(bot.fake.orderCreates().at(-1), { side: 'Sell', reduceOnly: true, qty: '0.01' });
  t.equal(bot.runner.core.state.position, null);
  const texts = bot.texts().join('\n');
  t.match(texts, /trailing stop not moved to 50490: Bybit refused stop-loss 50490 because the price is already past it \(Bybit: 10001 StopLoss:.*\): the stop would have triggered; closing the long at market/, texts);
  t.match(texts, /long position closed by trailing stop at 50400/);
  t.notOk(bot.notes.some((n) => n.kind === 'stop_changed'), 'no "stop moved" told for a move that never happened');
  t.ok(bot.notes.some((n) => n.kind === 'exit' && n.reason === 'trailing_stop'), 'the exit told');
  const close = String(bot.fake.orderCreates().at(-1)!.orderLinkId);
  t.same(orderStory(bot.journal(), close).filter((s) => s !== 'New'), ['Intent', 'Filled'], 'journaled');
  assertInvariants(t, bot);
});

t.test('a move refused for another reason: the core keeps the confirmed stop until a retry is accepted', async (t) => {
  const bot = await liveBot({ spec: TRAIL, journal: true });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  bot.fake.tradingStopFault = { retCode: 10016, retMsg: 'injected: service busy' };
  await bot.step(SIG.none, 51000);
  t.equal(bot.runner.core.state.position?.stopLoss?.toFixed(), '49500', 'the core holds the level the exchange holds');
  t.equal(bot.fake.position().stopLoss.toFixed(), '49500');
  t.ok(bot.texts().some((x) => /trailing stop not moved to 50490: .*service busy.*; the previous stop stays on the position/.test(x)), bot.texts().join('\n'));
  bot.fake.tradingStopFault = undefined;
  await bot.step(SIG.none, 50950);
  t.equal(bot.fake.position().stopLoss.toFixed(), '50490', 'moved on the retry');
  t.equal(bot.runner.core.state.position?.stopLoss?.toFixed(), '50490', 'and only then committed');
  t.equal(bot.runner.core.state.position?.stopKind, 'trailing_stop');
  t.match(journalDecisions(bot), /trailing stop not moved to 50490: .*service busy/, 'the journal has the refusal');
  assertInvariants(t, bot);
});

t.test('the stop on the exchange differs from the wanted one: the position check puts the wanted level back', async (t) => {
  const bot = await liveBot({ spec: TRAIL, journal: true });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  await bot.step(SIG.none, 51000);
  t.equal(bot.fake.position().stopLoss.toFixed(), '50490');
  // Someone (or something) loosens the stop on the exchange.
  bot.fake.exchange.setTradingStop({ stopLoss: '49000' });
  await bot.step(SIG.none, 50900);
  t.equal(bot.fake.position().stopLoss.toFixed(), '50490', 'the wanted level is back');
  t.match(bot.texts().join('\n'), /the long's stop-loss on the exchange was 49000, not 50490: put back with trading-stop/);
  t.match(journalDecisions(bot), /the long's stop-loss on the exchange was 49000, not 50490/, 'journaled');
  assertInvariants(t, bot);
});

// Issue 9 item 1: a position the bot takes over (found at start-up, or appearing mid-run) whose
// planned stop-loss the price is already past. Bybit refuses the trading-stop; the bot must not
// keep the position without a stop: it closes it at market at once, says why in plain words,
// journals it and notifies.
import t from 'tap';
import { SIG, assertInvariants, journalDecisions, liveBot, until } from '../helpers/run-fake.ts';
import { orderStory } from '../helpers/recovery.ts';

t.test('found at start-up with its stop already crossed: closed at market at once, journaled, notified', async (t) => {
  const bot = await liveBot({
    journal: true,
    before: (fake) => {
      fake.exchange.createOrder({ side: 'Buy', orderType: 'Market', qty: '0.02', orderLinkId: 'by-hand-1' });
      fake.setPrice(49400); // the plan's stop for a long at 50000 is 49500: already crossed
    },
  });
  t.teardown(bot.close);
  await until(() => bot.fake.position().size.isZero(), 3000, 'the position closed');
  await until(() => bot.runner.core.state.position === null, 3000, 'the core flat');
  const tried = bot.fake.requestsTo('/v5/position/trading-stop');
  t.equal(tried.length, 1, 'the stops were tried once');
  t.equal(tried[0]!.retCode, 10001, 'and refused by the exchange');
  const close = bot.fake.orderCreates().at(-1)!;
  t.match(close, { side: 'Sell', orderType: 'Market', qty: '0.02', reduceOnly: true });
  const texts = bot.texts().join('\n');
  t.match(texts, /adopted the long 0\.02 at 50000 already open on the exchange, no stop-loss/);
  t.match(texts, /the long 0\.02 has no stop-loss: Bybit refused stop-loss 49500 because the price is already past it \(.*StopLoss:.*\): closing it at market/, texts);
  t.match(texts, /long position closed by stop-loss at 49400/);
  t.ok(bot.notes.some((n) => n.kind === 'protection' && /refused stop-loss 49500 because the price is already past it/.test(n.message)), 'the owner is told');
  t.ok(bot.notes.some((n) => n.kind === 'exit' && n.reason === 'stop_loss'), 'and told of the exit');
  const db = bot.journal();
  const link = String(close.orderLinkId);
  t.same(orderStory(db, link).filter((s) => s !== 'New'), ['Intent', 'Filled'], 'the close: intent, then filled');
  const decisions = (db.prepare('SELECT text FROM decisions ORDER BY id').all() as Array<{ text: string }>).map((d) => d.text).join('\n');
  t.match(decisions, /Bybit refused stop-loss 49500 because the price is already past it/, 'the journal has the reason');
  const rec = db.prepare("SELECT state FROM states WHERE kind = 'recovery'").get() as { state: string };
  t.match(JSON.parse(rec.state), { position: { side: 'long', failed: /stop-loss 49500 refused: the price is already past it; closed at market/ } });
  assertInvariants(t, bot);
});

t.test('appearing mid-run with its stop already crossed: closed at market before the next candle', async (t) => {
  const bot = await liveBot({ journal: true });
  t.teardown(bot.close);
  await bot.step(SIG.none, 50000);
  bot.fake.exchange.createOrder({ side: 'Sell', orderType: 'Market', qty: '0.02', orderLinkId: 'by-hand-2' });
  bot.fake.setPrice(50600); // a short's stop at 50500 is already crossed
  await bot.step(SIG.none, 50600);
  t.ok(bot.fake.position().size.isZero(), 'closed');
  t.equal(bot.runner.core.state.position, null);
  t.match(bot.fake.orderCreates().at(-1), { side: 'Buy', reduceOnly: true, qty: '0.02' });
  t.match(bot.texts().join('\n'), /the short 0\.02 has no stop-loss: Bybit refused stop-loss 50500 because the price is already past it .*: closing it at market/);
  t.ok(bot.notes.some((n) => n.kind === 'protection'), 'notified');
  await bot.step(SIG.none, 50600);
  t.equal(bot.fake.placedOrders().filter((o) => o.reduceOnly).length, 1, 'closed once');
  t.match(journalDecisions(bot), /adopted the short 0\.02 at 50000[^\n]*\n.*Bybit refused stop-loss 50500 because the price is already past it[\s\S]*short position closed by stop-loss at 50600/, 'the journal tells it in order');
  assertInvariants(t, bot);
});

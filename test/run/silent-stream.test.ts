// An account stream that is connected but silent, through the real client and the real runner:
// while in a position the runner reads it over REST after every candle, so a stop-out, liquidation
// or ADL nobody pushed is booked within a candle (and the silent stream reconnected); an exit Bybit
// refuses because there is nothing left to reduce (110017) makes the runner read the position and
// book what closed it, instead of believing it is long forever.
import t from 'tap';
import { SIG, assertInvariants, liveBot, onRequest, until } from '../helpers/run-fake.ts';

t.test('stopped out while the stream is silent: booked within a candle, the stream reconnected', async (t) => {
  const bot = await liveBot();
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  const connects = bot.fake.connectCount('private');
  t.equal(bot.fake.silenceSockets('private'), 1, 'connected, answering pings, pushing nothing');
  bot.fake.setPrice(49400);
  t.ok(bot.fake.position().size.isZero(), 'Bybit stopped the position out');
  await bot.step(SIG.none, 49400);
  await until(() => bot.runner.core.state.position === null, 2000, 'the core learns it after the candle');
  t.ok(bot.texts().some((x) => /long position closed by stop-loss at 49400/.test(x)), bot.texts().join('\n'));
  t.match(bot.notes.find((n) => n.kind === 'exit'), { reason: 'stop_loss', price: bot.fake.executions().at(-1)!.execPrice });
  await until(() => bot.fake.connectCount('private') > connects, 3000, 'the silent stream is reconnected');
  t.match(bot.log.text(), /the exchange changed the position and the account stream never said so: reconnecting it/);
  await bot.step(SIG.exitLong, 49400);
  t.equal(bot.fake.orderCreates().length, 1, 'no exit is sent for a position that is gone');
  t.ok(bot.texts().some((x) => /EXIT LONG signal .*nothing to do: no long position/.test(x)), 'the exit signal finds no position');
  assertInvariants(t, bot);
});

t.test('an exit refused with 110017 (nothing to reduce): the position is read and its stop-out booked', async (t) => {
  const bot = await liveBot();
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  bot.fake.silenceSockets('private');
  // The stop triggers just before the exit order arrives; nobody hears of it.
  onRequest(bot.fake, (r) => {
    if (r.path === '/v5/order/create' && r.params.reduceOnly === true && bot.fake.position().size.gt(0)) bot.fake.setPrice(49400);
  });
  await bot.step(SIG.exitLong, 50100);
  await until(() => bot.runner.core.state.position === null, 2000, 'flat in the core');
  const texts = bot.texts().join('\n');
  t.match(texts, /the close of the long was refused \(Bybit rejected the order .*110017 current position is zero[^)]*\): Bybit holds no long/);
  t.match(texts, /long position closed by stop-loss at 49400/, 'what really closed it');
  t.equal(bot.fake.requestsTo('/v5/order/create').filter((r) => r.params.reduceOnly === true).length, 1, 'the refused close is not sent again');
  await bot.step(SIG.exitLong, 49400);
  t.equal(bot.fake.requestsTo('/v5/order/create').filter((r) => r.params.reduceOnly === true).length, 1, 'nor later');
  assertInvariants(t, bot);
});

t.test('auto-deleveraged while the stream is silent: the position shrinks by what Bybit closed', async (t) => {
  const bot = await liveBot();
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  bot.fake.silenceSockets('private');
  bot.fake.adl('0.004', 49800);
  await bot.step(SIG.none, 49800);
  await until(() => bot.runner.core.state.position?.qty.toFixed() === '0.006', 2000, 'core reduced');
  t.ok(bot.texts().some((x) => /0\.004 of the long closed by auto-deleveraging at 49800: net P&L -0\.91 .*0\.006 stays open/.test(x)), bot.texts().join('\n'));
  t.notOk(bot.texts().some((x) => /adopted/.test(x)));
  await bot.step(SIG.exitLong, 49800);
  t.match(bot.fake.orderCreates().at(-1), { reduceOnly: true, qty: '0.006' });
  t.ok(bot.fake.position().size.isZero());
  assertInvariants(t, bot);
});

t.test('a socket that receives nothing at all is reconnected within the staleness bound, whatever the library waits for', async (t) => {
  // The library's own pong timeout is long here (5 s); the bound is 400 ms.
  const bot = await liveBot({ venue: { ws: { pingIntervalMs: 300, pongTimeoutMs: 5000, reconnectDelayMs: 50, readyTimeoutMs: 3000, staleAfterMs: 400 } } });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  const connects = bot.fake.connectCount('private');
  const stalledAt = Date.now();
  bot.fake.stallSockets('private');
  await until(() => bot.fake.connectCount('private') > connects, 3000, 'reconnected');
  t.ok(Date.now() - stalledAt < 3000, `reconnected after ${Date.now() - stalledAt} ms, well before the library's 5 s`);
  t.match(bot.log.text(), /account stream silent for \d+ s \(no pushes, no pongs\): reconnecting it/);
  // Back, and the position re-read over REST at once.
  await until(() => /account stream back: position and wallet re-read/.test(bot.log.text()), 3000, 'reconciled');
  await bot.step(SIG.none, 50000);
  assertInvariants(t, bot);
});

t.test('a close that fills partly while the stream is silent: each follow-up asks for what Bybit still holds', async (t) => {
  // The soak at candle 617 (seed 1): the fills were learnt over REST, the position the stream last
  // pushed (0.055) stayed in the book, and the rest of the rest went out for 0.055 with 0.028 open.
  const bot = await liveBot();
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  bot.fake.silenceSockets('private');
  bot.fake.partialFill = 0.5;
  onRequest(bot.fake, (r) => {
    if (r.path === '/v5/order/create' && String(r.params.orderLinkId).endsWith('-x3')) bot.fake.partialFill = undefined;
  });
  await bot.step(SIG.exitLong, 50100);
  await until(() => bot.fake.position().size.isZero() && bot.runner.core.state.position === null && !bot.runner.settling, 6000, 'closed, and the core knows');
  const closes = bot.fake.orderCreates().filter((b) => b.reduceOnly === true);
  t.same(closes.map((b) => `${String(b.orderLinkId).replace(/.*-/, '')} ${String(b.qty)}`), ['x 0.01', 'x2 0.005', 'x3 0.003'], 'the close, then each time the rest Bybit holds');
  t.ok(bot.texts().some((x) => /close order filled 0.002 of 0.005: closing the remaining 0.003 at market/.test(x)), bot.texts().join('\n'));
  assertInvariants(t, bot);
});

t.test('auto-deleveraged during a close that failed first, with the stream silent: the core ends flat with Bybit, no candle needed', async (t) => {
  // The soak (seed 3, candle 486): ADL took 0.057 of a short 0.115 while its close kept failing;
  // the retry closed the 0.058 left, its fill learnt over REST; the book still showed 0.058 open, so
  // the position check trusted it and the core held the 0.057 ADL had taken until the next candle.
  const bot = await liveBot();
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  bot.fake.silenceSockets('private');
  bot.fake.adl('0.004', 49800);
  bot.fake.httpError('/v5/order/create', 502, 4); // the first close never reaches Bybit
  const candles = bot.runner.processed.length + 1;
  await bot.step(SIG.exitLong, 50100);
  await until(() => bot.fake.position().size.isZero(), 3000, 'the retry closed what was left');
  await until(() => bot.runner.core.state.position === null && !bot.runner.settling, 3000, 'the core is flat too');
  t.equal(bot.runner.processed.length, candles, 'without another candle');
  const closes = bot.fake.orderCreates().filter((b) => b.reduceOnly === true);
  t.equal(String(closes.at(-1)!.qty), '0.006', 'the retry asked for what Bybit held');
  t.match(bot.log.text(), /reduced the position by 0.004 while the stream was away|closed the position while the stream was away/);
  t.ok(bot.texts().some((x) => /closed by auto-deleveraging/.test(x)), bot.texts().join('\n'));
  assertInvariants(t, bot);
});

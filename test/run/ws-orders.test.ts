// The live runner placing orders the way `botctl run --live` does: over Bybit's WebSocket Trade
// API, with REST as the fallback under the same orderLinkId. Each scenario checks the invariants
// the REST scenarios check (assertInvariants) and which way every order went (orderRoutes).
import t from 'tap';
import { SIG, assertInvariants, liveBot, orderRoutes, until, type LiveBotOptions } from '../helpers/run-fake.ts';

const overSocket = (o: LiveBotOptions = {}) => liveBot({ orderEntry: 'websocket', ...o });
const loggedIn = (text: string) => (text.match(/trade socket logged in; orders go over WebSocket/g) ?? []).length;

t.test('full cycle over the trade socket: entry with exchange stops → stop hit → cooldown → next entry → exit', async (t) => {
  const bot = await overSocket();
  t.teardown(bot.close);
  t.equal(loggedIn(bot.log.text()), 1, 'the trade socket is up before the first candle');

  await bot.step(SIG.long, 50000);
  t.same(orderRoutes(bot), ['WS'], 'the entry went over the socket only');
  t.match(bot.fake.orderCreates()[0], { side: 'Buy', orderType: 'Market', qty: '0.01', stopLoss: '49500', takeProfit: '51000', tpslMode: 'Full' });
  t.match(String(bot.fake.orderCreates()[0]!.orderLinkId), /^b[0-9a-f]{9}-[0-9a-z]+-e$/, 'deterministic orderLinkId');
  t.equal(bot.fake.position().stopLoss.toFixed(), '49500', 'the stop-loss rides on the position');
  t.equal(bot.runner.core.state.position?.qty.toFixed(), '0.01', 'the core holds the position');
  assertInvariants(t, bot);

  await bot.step(SIG.none, 49800, { open: 50000, low: 49400, high: 50000 });
  t.ok(bot.fake.position().size.isZero(), 'the exchange stopped it out');
  t.equal(bot.runner.core.state.position, null, 'flat in the core');
  t.ok(bot.texts().some((x) => /long position closed by stop-loss at 49/.test(x)), bot.texts().join('\n'));

  await bot.step(SIG.long, 49900);
  t.ok(bot.texts().some((x) => /BUY signal skipped: cooldown after exit/.test(x)), 'cooldown blocks the next signal');
  t.equal(bot.fake.orderCreates().length, 1, 'no order during the cooldown');

  await bot.step(SIG.none, 49900);
  await bot.step(SIG.long, 49950);
  t.equal(bot.fake.position().stopLoss.toFixed(), '49450.5', 'the new entry has its own stop-loss');
  await bot.step(SIG.exitLong, 50100);
  t.ok(bot.fake.position().size.isZero());
  t.match(bot.fake.orderCreates()[2], { side: 'Sell', reduceOnly: true, qty: '0.01' });
  t.same(orderRoutes(bot), ['WS', 'WS', 'WS'], 'entry, entry, exit: all over the socket, none over REST');
  t.same(bot.notes.map((n) => `${n.kind} ${'reason' in n ? n.reason : ''}`), ['entry signal', 'exit stop_loss', 'entry signal', 'exit signal']);
  assertInvariants(t, bot);
});

t.test('trade-socket reply lost after the order was created: looked up by orderLinkId, no second order', async (t) => {
  const bot = await overSocket();
  t.teardown(bot.close);
  bot.fake.acceptThenHang('/v5/order/create');
  await bot.step(SIG.long, 50000);
  t.same(orderRoutes(bot), ['WS'], 'found by the lookup, so never sent again');
  const link = bot.fake.orderCreates()[0]!.orderLinkId;
  t.ok(bot.fake.requestsTo('/v5/order/realtime').some((r) => r.params.orderLinkId === link), 'looked up by orderLinkId');
  t.equal(bot.fake.placedOrders().length, 1, 'one order on the exchange');
  t.equal(bot.runner.core.state.position?.qty.toFixed(), '0.01', 'the core knows the position');
  t.match(bot.log.text(), /order over the trade socket got no answer; checking for it, then placing over REST/);
  t.ok(bot.texts().some((x) => /BUY signal entering long 0.01/.test(x)), bot.texts().join('\n'));
  await bot.step(SIG.none, 50000);
  assertInvariants(t, bot);
});

t.test('trade socket dropped mid-run: orders go over REST meanwhile, then over the socket again', async (t) => {
  const bot = await overSocket();
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  t.same(orderRoutes(bot), ['WS']);

  bot.fake.dropSockets('trade');
  await until(() => /trade socket lost; orders go over REST until it is back/.test(bot.log.text()), 3000, 'loss noticed');
  await bot.step(SIG.exitLong, 50100);
  t.ok(bot.fake.position().size.isZero(), 'closed while the socket was down');
  t.same(orderRoutes(bot), ['WS', 'POST'], 'the exit went over REST');
  t.match(bot.fake.orderCreates()[1], { side: 'Sell', reduceOnly: true, qty: '0.01' });

  await until(() => loggedIn(bot.log.text()) >= 2, 5000, 'trade socket logged in again');
  await bot.step(SIG.none, 50100);
  await bot.step(SIG.none, 50100);
  await bot.step(SIG.short, 50100);
  t.same(orderRoutes(bot), ['WS', 'POST', 'WS'], 'back on the socket once it logged in again');
  t.equal(bot.fake.position().side, 'Sell');
  t.equal(bot.fake.position().stopLoss.toFixed(), '50601', 'the short has its stop-loss');
  t.ok(bot.texts().some((x) => /SELL SHORT signal entering short 0.01/.test(x)), bot.texts().join('\n'));
  assertInvariants(t, bot);
});

t.test('trade-socket request swallowed: REST places it under the same orderLinkId, one order', async (t) => {
  const bot = await overSocket();
  t.teardown(bot.close);
  bot.fake.hang('/v5/order/create');
  await bot.step(SIG.long, 50000);
  t.same(orderRoutes(bot), ['WS', 'POST'], 'the socket first, then REST');
  const [first, second] = bot.fake.orderCreates();
  t.equal(second?.orderLinkId, first?.orderLinkId, 'the same orderLinkId both times');
  t.equal(bot.fake.placedOrders().length, 1);
  t.equal(bot.fake.position().stopLoss.toFixed(), '49500');
  t.equal(bot.runner.core.state.position?.qty.toFixed(), '0.01', 'the core knows the position');
  t.ok(bot.texts().some((x) => /BUY signal entering long 0.01/.test(x)), bot.texts().join('\n'));
  await bot.step(SIG.none, 50000);
  assertInvariants(t, bot);
});

t.test('trade-socket reply too slow: REST places it, the late socket request is refused as a duplicate', async (t) => {
  const bot = await overSocket();
  t.teardown(bot.close);
  // Carried out only after 600 ms, past the 300 ms reply bound: the lookup finds nothing, REST
  // places the order, and the exchange's orderLinkId check stops the late one.
  bot.fake.delay('/v5/order/create', 600);
  await bot.step(SIG.long, 50000);
  t.same(orderRoutes(bot), ['WS', 'POST']);
  await until(() => bot.fake.requestsTo('/v5/order/create')[0]!.retCode !== 0, 2000, 'late socket request answered');
  t.equal(bot.fake.requestsTo('/v5/order/create')[0]!.retCode, 110072, 'the late one was refused');
  t.equal(bot.fake.placedOrders().length, 1, 'one order');
  t.equal(bot.fake.position().size.toFixed(), '0.01', 'one position of the planned size');
  await bot.step(SIG.none, 50000);
  t.equal(bot.runner.core.state.position?.qty.toFixed(), '0.01');
  assertInvariants(t, bot);
});

t.test('trade socket dropped with an order in flight: looked up, placed once over REST', async (t) => {
  const bot = await overSocket();
  t.teardown(bot.close);
  bot.fake.hang('/v5/order/create');
  const c = bot.candle(SIG.long, 50000);
  bot.pushed.push(c.start);
  bot.fake.pushCandle(c);
  await until(() => orderRoutes(bot).length === 1, 2000, 'the socket request arrives');
  bot.fake.dropSockets('trade');
  await bot.waitProcessed(c);
  t.same(orderRoutes(bot), ['WS', 'POST']);
  t.equal(bot.fake.placedOrders().length, 1, 'one order');
  t.equal(bot.runner.core.state.position?.qty.toFixed(), '0.01');
  await until(() => loggedIn(bot.log.text()) >= 2, 5000, 'trade socket logged in again');
  await bot.step(SIG.exitLong, 50100);
  t.same(orderRoutes(bot), ['WS', 'POST', 'WS'], 'the exit over the socket again');
  t.ok(bot.fake.position().size.isZero());
  assertInvariants(t, bot);
});

t.test('the reply to a close over the socket is lost: looked up, not closed twice', async (t) => {
  const bot = await overSocket();
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  bot.fake.acceptThenHang('/v5/order/create');
  await bot.step(SIG.exitLong, 50100);
  t.same(orderRoutes(bot), ['WS', 'WS'], 'the close was found, never sent again');
  t.ok(bot.fake.position().size.isZero(), 'flat on the exchange');
  t.equal(bot.runner.core.state.position, null, 'flat in the core');
  t.equal(bot.fake.placedOrders().filter((o) => o.reduceOnly).length, 1, 'one close order');
  t.ok(bot.texts().some((x) => /EXIT LONG signal closing the long/.test(x)), bot.texts().join('\n'));
  await bot.step(SIG.none, 50100);
  assertInvariants(t, bot);
});

t.test('restart with a position open: the new runner adopts it and places its exit over its own trade socket', async (t) => {
  const bot = await overSocket();
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  await bot.restart();
  t.equal(loggedIn(bot.log.text()), 2, 'the new venue logged in its own trade socket');
  t.same(orderRoutes(bot), ['WS'], 'nothing sent on restart');
  t.ok(bot.texts().some((x) => /adopted the long 0.01 at 50000 already open on the exchange, stop 49500/.test(x)), bot.texts().join('\n'));
  await bot.step(SIG.long, 50000);
  t.ok(bot.texts().some((x) => /BUY signal skipped: already long/.test(x)), 'no second entry');
  await bot.step(SIG.exitLong, 50100);
  t.same(orderRoutes(bot), ['WS', 'WS'], 'the exit over the new socket');
  t.ok(bot.fake.position().size.isZero());
  assertInvariants(t, bot);
});

t.test('trade socket login refused: orders over REST, refusal logged once, secret never logged', async (t) => {
  const bot = await overSocket({
    logLevel: 'debug',
    before: (fake) => void (fake.rejectTradeAuth = true),
    venue: { ws: { pingIntervalMs: 300, pongTimeoutMs: 200, reconnectDelayMs: 100, readyTimeoutMs: 3000, tradeReplyTimeoutMs: 300, tradeReadyTimeoutMs: 500 } },
  });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  await bot.step(SIG.exitLong, 50100);
  t.same(orderRoutes(bot), ['POST', 'POST'], 'entry and exit over REST');
  t.equal(bot.fake.placedOrders().length, 2);
  t.ok(bot.fake.position().size.isZero());
  t.equal((bot.log.text().match(/Bybit refused the trade socket login; placing orders over REST/g) ?? []).length, 1, 'logged once');
  t.equal(loggedIn(bot.log.text()), 0);
  t.notOk(bot.log.text().includes(bot.fake.apiSecret), 'the secret never reaches the log');
  t.ok(bot.texts().some((x) => /BUY signal entering long 0.01/.test(x)), bot.texts().join('\n'));
  assertInvariants(t, bot);
});

t.test('TP/SL not attached by the socket order: set with trading-stop', async (t) => {
  const bot = await overSocket();
  t.teardown(bot.close);
  bot.fake.ignoreEntryTpSl = true;
  await bot.step(SIG.long, 50000);
  t.same(orderRoutes(bot), ['WS']);
  t.equal(bot.fake.position().stopLoss.toFixed(), '49500', 'stop-loss set afterwards');
  t.equal(bot.fake.position().takeProfit.toFixed(), '51000', 'take-profit set afterwards');
  t.equal(bot.fake.requestsTo('/v5/position/trading-stop').length, 1);
  t.ok(bot.texts().some((x) => /had no stop-loss 49500 and take-profit 51000 on the exchange: set with trading-stop/.test(x)), bot.texts().join('\n'));
  assertInvariants(t, bot);
});

t.test('TP/SL not attached and trading-stop refused: the position is closed at market over the socket', async (t) => {
  const bot = await overSocket();
  t.teardown(bot.close);
  bot.fake.ignoreEntryTpSl = true;
  bot.fake.tradingStopFault = { retCode: 10001, retMsg: 'injected: cannot set tp/sl' };
  await bot.step(SIG.long, 50000);
  await until(() => bot.fake.position().size.isZero(), 2000, 'position closed');
  await bot.runner.idle();
  const close = bot.fake.orderCreates().at(-1)!;
  t.match(close, { side: 'Sell', reduceOnly: true, qty: '0.01' });
  t.match(String(close.orderLinkId), /-p$/);
  t.same(orderRoutes(bot), ['WS', 'WS'], 'entry and protective close over the socket');
  t.ok(bot.texts().some((x) => /trading-stop failed .*closing it at market rather than leave it unprotected/.test(x)), bot.texts().join('\n'));
  t.match(bot.log.text(), /position without its stop-loss and trading-stop failed/);
  await bot.step(SIG.none, 50000);
  t.equal(bot.runner.core.state.position, null, 'the core is flat too');
  assertInvariants(t, bot);
});

t.test('partial fill over the socket: the position and its stops cover the filled quantity', async (t) => {
  const bot = await overSocket();
  t.teardown(bot.close);
  bot.fake.partialFill = 0.5;
  await bot.step(SIG.long, 50000);
  bot.fake.partialFill = undefined;
  t.same(orderRoutes(bot), ['WS']);
  t.equal(bot.fake.position().size.toFixed(), '0.005');
  t.equal(bot.fake.position().stopLoss.toFixed(), '49500', 'the stop-loss covers the filled 0.005');
  t.equal(bot.runner.core.state.position?.qty.toFixed(), '0.005', 'the core holds what filled');
  t.ok(bot.texts().some((x) => /entry order filled 0.005 of 0.01 .*stops cover the filled 0.005/.test(x)), bot.texts().join('\n'));
  assertInvariants(t, bot);
  await bot.step(SIG.exitLong, 50100);
  t.match(bot.fake.orderCreates().at(-1), { reduceOnly: true, qty: '0.005' });
  t.same(orderRoutes(bot), ['WS', 'WS']);
  t.ok(bot.fake.position().size.isZero());
  assertInvariants(t, bot);
});

// Orders over Bybit's WebSocket Trade API with REST as the fallback: whichever way an order goes,
// and whatever goes missing on the way, it lands on the exchange once, under its orderLinkId.
import t from 'tap';
import { InsufficientBalanceError } from '../../engine/venue/errors.ts';
import { d, setup, until } from '../fake-bybit/harness.ts';

const market = (id: string, qty = '0.01') => ({ orderLinkId: id, side: 'buy' as const, type: 'market' as const, qty: d(qty) });
const ws = (extra: Record<string, number> = {}) => ({
  orderEntry: 'websocket' as const,
  ws: { pingIntervalMs: 300, pongTimeoutMs: 200, reconnectDelayMs: 100, readyTimeoutMs: 8000, historyRetryMs: 50, tradeReplyTimeoutMs: 300, tradeReadyTimeoutMs: 2000, ...extra },
});
const via = (s: Awaited<ReturnType<typeof setup>>) => s.fake.requestsTo('/v5/order/create').map((r) => r.method);

t.test('an order over the trade socket lands once, with the body REST would send, and no REST create', async (t) => {
  const s = await setup({ fake: { price: 50000 }, venue: ws() });
  t.teardown(s.close);
  const placed = await s.venue.placeOrder({ ...market('ws-1'), stopLoss: d('49000') });
  t.equal(placed.status, 'New');
  t.equal(placed.orderId, s.fake.placedOrders()[0]!.orderId, 'the orderId from the WS reply');
  t.same(via(s), ['WS'], 'sent once, over the socket');
  t.match(s.fake.orderCreates()[0], { side: 'Buy', orderType: 'Market', qty: '0.01', orderLinkId: 'ws-1', stopLoss: '49000', tpslMode: 'Full', positionIdx: 0 });
  const sent = s.fake.wsReceived().find((m) => m.kind === 'trade' && (m.msg as { op?: string }).op === 'order.create')?.msg as Record<string, unknown>;
  t.match(sent, { op: 'order.create', reqId: String, header: { 'X-BAPI-RECV-WINDOW': '5000', 'X-BAPI-TIMESTAMP': String } }, 'reference §7 request shape');
  t.equal(s.fake.placedOrders().length, 1);
  await until(() => s.events.some((e) => e.kind === 'order' && e.order.orderLinkId === 'ws-1' && e.order.status === 'Filled'), 8000, 'fill pushed on the account stream');
  t.match(s.logText(), /trade socket logged in/);
});

t.test('business refusals over the socket are judged like REST ones', async (t) => {
  const s = await setup({ venue: ws() });
  t.teardown(s.close);
  s.fake.retCode('/v5/order/create', 110007, 'ab not enough for new order');
  await t.rejects(s.venue.placeOrder(market('ws-poor')), InsufficientBalanceError);
  t.same(via(s), ['WS'], 'not retried over REST');
  t.equal(s.fake.placedOrders().length, 0);
  // The orderLinkId is taken: the existing order is returned, not a second one placed.
  await s.venue.placeOrder(market('ws-dup'));
  const again = await s.venue.placeOrder(market('ws-dup'));
  t.equal(again.orderId, s.fake.placedOrders()[0]!.orderId);
  t.equal(s.fake.placedOrders().length, 1);
});

t.test('the reply is lost after the order was created: found by orderLinkId, no second order', async (t) => {
  const s = await setup({ venue: ws() });
  t.teardown(s.close);
  s.fake.acceptThenHang('/v5/order/create');
  const placed = await s.venue.placeOrder(market('ws-lost'));
  t.equal(s.fake.placedOrders().length, 1, 'exactly one order');
  t.same(via(s), ['WS'], 'the lookup found it, so nothing was sent again');
  t.ok(s.fake.requestsTo('/v5/order/realtime').some((r) => r.params.orderLinkId === 'ws-lost'), 'looked up by orderLinkId');
  t.equal(placed.orderId, s.fake.placedOrders()[0]!.orderId);
  t.match(s.logText(), /no answer; checking for it, then placing over REST/);
});

t.test('the request is swallowed: REST places it with the same orderLinkId, one order', async (t) => {
  const s = await setup({ venue: ws() });
  t.teardown(s.close);
  s.fake.hang('/v5/order/create');
  const placed = await s.venue.placeOrder(market('ws-hung'));
  t.same(via(s), ['WS', 'POST'], 'socket first, then REST');
  t.same(s.fake.orderCreates().map((b) => b.orderLinkId), ['ws-hung', 'ws-hung'], 'same orderLinkId both times');
  t.equal(s.fake.placedOrders().length, 1);
  t.equal(placed.orderId, s.fake.placedOrders()[0]!.orderId);
});

t.test('the socket is slow: REST places it first, the late socket request is refused as a duplicate', async (t) => {
  const s = await setup({ venue: ws() });
  t.teardown(s.close);
  // The exchange carries the socket request out only after 600 ms, past the 300 ms bound: the
  // lookup finds nothing, REST places the order, and Bybit's orderLinkId check stops the late one.
  s.fake.delay('/v5/order/create', 600);
  const placed = await s.venue.placeOrder(market('ws-late'));
  t.same(via(s), ['WS', 'POST']);
  t.equal(placed.orderId, s.fake.placedOrders()[0]!.orderId, 'the REST order');
  await until(() => s.fake.requestsTo('/v5/order/create')[0]!.retCode !== 0, 2000, 'late socket request handled');
  t.equal(s.fake.requestsTo('/v5/order/create')[0]!.retCode, 110072, 'the late one was refused');
  t.equal(s.fake.placedOrders().filter((o) => o.orderLinkId === 'ws-late').length, 1, 'one order');
});

t.test('retryable refusals over the socket (10016, 10006) go to REST with the same orderLinkId', async (t) => {
  const s = await setup({ venue: ws() });
  t.teardown(s.close);
  s.fake.retCode('/v5/order/create', 10016, 'Internal system error.');
  await s.venue.placeOrder(market('ws-busy'));
  t.same(via(s), ['WS', 'POST']);
  t.equal(s.fake.placedOrders().length, 1);
  s.fake.rateLimit('/v5/order/create');
  await s.venue.placeOrder(market('ws-limited'));
  t.same(via(s).slice(2), ['WS', 'POST']);
  t.equal(s.fake.placedOrders().length, 2);
});

t.test('trade socket down at start: orders go over REST; once it is up, over the socket', async (t) => {
  const s = await setup({ fake: {}, venue: ws({ tradeReadyTimeoutMs: 300 }), start: false });
  t.teardown(s.close);
  s.fake.noTradeSocket = true;
  await s.venue.start();
  t.match(s.logText(), /trade socket not logged in within 300 ms; orders go over REST/);
  await s.venue.placeOrder(market('rest-1'));
  t.same(via(s), ['POST']);
  s.fake.noTradeSocket = false;
  await until(() => /trade socket logged in/.test(s.logText()), 5000, 'trade socket up');
  await s.venue.placeOrder(market('ws-2'));
  t.same(via(s), ['POST', 'WS']);
  t.equal(s.fake.placedOrders().length, 2);
});

t.test('trade socket dropped: REST while it reconnects, no lost or doubled order', async (t) => {
  const s = await setup({ venue: ws() });
  t.teardown(s.close);
  s.fake.dropSockets('trade');
  await until(() => /trade socket lost/.test(s.logText()), 3000, 'loss noticed');
  await s.venue.placeOrder(market('during-drop'));
  t.same(via(s), ['POST']);
  await until(() => s.fake.connectCount('trade') >= 2 && (s.logText().match(/trade socket logged in/g) ?? []).length >= 2, 5000, 'logged in again');
  await s.venue.placeOrder(market('after-drop'));
  t.same(via(s), ['POST', 'WS']);
  t.equal(s.fake.placedOrders().length, 2);
});

t.test('trade socket login refused: REST, logged once', async (t) => {
  const s = await setup({ venue: ws(), start: false });
  t.teardown(s.close);
  s.fake.rejectTradeAuth = true;
  await s.venue.start();
  await s.venue.placeOrder(market('rest-a'));
  await s.venue.placeOrder(market('rest-b'));
  t.same(via(s), ['POST', 'POST']);
  t.equal(s.fake.placedOrders().length, 2);
  const refusals = s.logText().match(/Bybit refused the trade socket login; placing orders over REST/g) ?? [];
  t.equal(refusals.length, 1, 'logged once');
  t.notMatch(s.logText(), s.fake.apiSecret, 'the secret never reaches the log');
});

t.test('demo network: no trade socket, REST only', async (t) => {
  const s = await setup({ venue: { ...ws(), network: 'demo' } });
  t.teardown(s.close);
  await s.venue.placeOrder(market('demo-1'));
  t.same(via(s), ['POST']);
  t.equal(s.fake.connectCount('trade'), 0);
});

t.test('a request given up on is never sent late (the library stamps the time only when it sends)', async (t) => {
  const s = await setup({ venue: ws() });
  t.teardown(s.close);
  s.fake.hang('/v5/order/create');
  await s.venue.placeOrder(market('ws-given-up'));
  t.same(via(s), ['WS', 'POST']);
  // Stand in for the library sending the held-back frame after we gave up on it.
  const client = (s.venue as unknown as { trade: { ws: { tryWsSend(k: string, m: string): void } } }).trade.ws;
  const frame = { reqId: '99', header: { 'X-BAPI-RECV-WINDOW': '5000', 'X-BAPI-TIMESTAMP': String(Date.now()) }, op: 'order.create', args: [{ orderLinkId: 'ws-given-up' }] };
  client.tryWsSend('v5PrivateTrade', JSON.stringify(frame));
  client.tryWsSend('v5PrivateTrade', JSON.stringify({ ...frame, reqId: '100', args: [{ ...frame.args[0], orderLinkId: 'someone-else' }] }));
  await until(() => via(s).length === 3, 2000, 'the other frame arrives');
  t.same(s.fake.orderCreates().map((b) => b.orderLinkId), ['ws-given-up', 'ws-given-up', 'someone-else'], 'only the frame not given up on went out');
  t.equal(s.fake.placedOrders().filter((o) => o.orderLinkId === 'ws-given-up').length, 1);
});

t.test("Bybit's 20001 answer to a repeat login leaves the trade socket in use", async (t) => {
  const s = await setup({ venue: ws() });
  t.teardown(s.close);
  s.fake.sendRaw('trade', JSON.stringify({ retCode: 20001, retMsg: 'Repeat auth', op: 'auth', connId: 'c-1' }));
  await new Promise((r) => setTimeout(r, 50));
  await s.venue.placeOrder(market('after-repeat-auth'));
  t.same(via(s), ['WS']);
  t.notMatch(s.logText(), /refused the trade socket login/);
});

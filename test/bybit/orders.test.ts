// Orders against the fake: idempotency under timeouts and 5xx, backoff on rate limits, 110072
// lookup, TP/SL on entries, typed balance errors, leverage, cancel/amend and the event streams.
import t from 'tap';
import type { OrderState } from '../../engine/venue/venue.ts';
import { InsufficientBalanceError, OrderNotFoundError, OrderRejectedError, OrderStateUnknownError, VenueUnavailableError } from '../../engine/venue/errors.ts';
import { d, setup, until } from '../fake-bybit/harness.ts';

// A test's own fills are read since a minute before the fake's now: one 7-day window, one request.
// fills(0) reads Bybit's two years in 105 windows, over execution/list's 50 a second, which this
// harness's 200 ms retry cap cannot wait out on a fast machine.
const MINUTE_MS = 60_000;
const market = (id: string, qty = '0.01') => ({ orderLinkId: id, side: 'buy' as const, type: 'market' as const, qty: d(qty) });

t.test('market entry with stop-loss and take-profit: the position carries both', async (t) => {
  const s = await setup({ fake: { price: 50000 } });
  t.teardown(s.close);
  const placed = await s.venue.placeOrder({ ...market('bot-1700000000000-long'), stopLoss: d('49000'), takeProfit: d('52500.5') });
  t.equal(placed.status, 'New', 'accepted');
  t.equal(placed.orderLinkId, 'bot-1700000000000-long');
  t.ok(placed.orderId.length > 0);

  const body = s.fake.orderCreates()[0]!;
  t.match(body, { side: 'Buy', orderType: 'Market', qty: '0.01', stopLoss: '49000', takeProfit: '52500.5', tpslMode: 'Full', positionIdx: 0 });

  const pos = await s.venue.position();
  t.equal(pos.side, 'long');
  t.equal(pos.size.toString(), '0.01');
  t.equal(pos.avgPrice.toString(), '50000');
  t.equal(pos.stopLoss?.toString(), '49000');
  t.equal(pos.takeProfit?.toString(), '52500.5');

  await until(() => s.events.some((e) => e.kind === 'order' && e.order.status === 'Filled'), 8000, 'Filled event');
  await until(() => s.events.some((e) => e.kind === 'position' && e.position.stopLoss?.eq(49000) === true), 8000, 'position event');
  const fill = s.events.find((e) => e.kind === 'fill');
  t.ok(fill && fill.kind === 'fill' && fill.fill.price.eq(50000) && fill.fill.qty.eq('0.01') && fill.fill.fee.eq('0.275'), 'fill with price, qty and taker fee');
  t.ok(s.events.some((e) => e.kind === 'wallet' && e.equity.walletBalance.eq('9999.725')), 'wallet event after the fee');

  // Price falls through the stop: the exchange closes the position.
  s.fake.setPrice(48900);
  const after = await s.venue.position();
  t.equal(after.side, 'flat');
  await until(() => s.events.some((e) => e.kind === 'order' && e.order.origin === 'stopLoss' && e.order.status === 'Filled'), 8000, 'stop-loss fill event');
});

t.test('the HTTP response times out after the fake created the order: the retry finds it, one order exists', async (t) => {
  const s = await setup({ venue: { httpTimeoutMs: 400 } });
  t.teardown(s.close);
  s.fake.acceptThenHang('/v5/order/create');
  const placed = await s.venue.placeOrder(market('idem-timeout-1'));
  t.equal(s.fake.placedOrders().length, 1, 'exactly one order on the exchange');
  const creates = s.fake.orderCreates();
  t.equal(creates.length, 2, 'sent twice');
  t.same(creates.map((b) => b.orderLinkId), ['idem-timeout-1', 'idem-timeout-1'], 'with the same orderLinkId');
  t.same(s.fake.requestsTo('/v5/order/create').map((r) => r.retCode), [-1, 110072]);
  t.equal(placed.orderId, s.fake.placedOrders()[0]!.orderId, 'the existing order is returned');
  t.equal(placed.status, 'Filled');
  t.ok(placed.filledQty.eq('0.01'));
});

t.test('5xx then success: one order', async (t) => {
  const s = await setup();
  t.teardown(s.close);
  s.fake.httpError('/v5/order/create', 502);
  s.fake.retCode('/v5/order/create', 10016, 'Internal system error.');
  const placed = await s.venue.placeOrder(market('idem-5xx-1'));
  t.equal(placed.status, 'New');
  t.equal(s.fake.placedOrders().length, 1);
  t.same(s.fake.requestsTo('/v5/order/create').map((r) => r.retCode), [502, 10016, 0]);
  // Base 10 ms doubling, equal jitter from the injected random() = 0.5.
  t.same(s.sleeps, [8, 15]);
});

t.test('rate limits (10006, HTTP 429) back off with growing delays, then succeed', async (t) => {
  const s = await setup();
  t.teardown(s.close);
  s.fake.rateLimit('/v5/order/create', 2);
  s.fake.httpError('/v5/order/create', 429);
  await s.venue.placeOrder(market('rl-1'));
  t.equal(s.fake.placedOrders().length, 1);
  t.same(s.fake.requestsTo('/v5/order/create').map((r) => r.retCode), [10006, 10006, 429, 0]);
  // Rate-limit base 40 ms, doubling, equal jitter with random() = 0.5 → 30, 60, 120.
  t.same(s.sleeps, [30, 60, 120]);

  // Within bounds: after `attempts` tries the caller gets a typed error, not an endless loop.
  s.fake.httpError('/v5/position/list', 429, 10);
  const reads = s.fake.requestsTo('/v5/position/list').length; // start() read the position mode
  await t.rejects(s.venue.position(), VenueUnavailableError);
  t.equal(s.fake.requestsTo('/v5/position/list').length - reads, 4);
});

t.test('no answer at all and no order: a typed "state unknown" error after bounded retries; re-sending is safe', async (t) => {
  const s = await setup({ venue: { httpTimeoutMs: 400 } });
  t.teardown(s.close);
  s.fake.hang('/v5/order/create', 4);
  const err = await s.venue.placeOrder(market('blackhole-1')).catch((e: unknown) => e);
  t.ok(err instanceof OrderStateUnknownError, 'neither success nor failure is claimed');
  t.match((err as Error).message, /blackhole-1/);
  t.equal(s.fake.orderCreates().length, 4, 'bounded: 4 attempts');
  t.ok(s.fake.requestsTo('/v5/order/realtime').length >= 1, 'looked the order up before giving up');
  t.equal(s.fake.placedOrders().length, 0);
  const placed = await s.venue.placeOrder(market('blackhole-1'));
  t.equal(placed.status, 'New');
  t.equal(s.fake.placedOrders().length, 1);
});

t.test('a timed-out attempt went through and the retry is refused for margin: the existing order wins', async (t) => {
  const s = await setup({ fake: { balance: '60', price: 50000 }, venue: { httpTimeoutMs: 400 } });
  t.teardown(s.close);
  s.fake.acceptThenHang('/v5/order/create');
  // The fake checks duplicates before margin; Bybit's order of checks isn't documented, so
  // simulate the other order: the retry is refused for balance.
  s.fake.retCode('/v5/order/create', 110007, 'ab not enough for new order');
  const placed = await s.venue.placeOrder(market('margin-race-1'));
  t.equal(placed.status, 'Filled');
  t.equal(s.fake.placedOrders().length, 1);
});

t.test('110072: placing the same orderLinkId again (e.g. after a restart) returns the existing order', async (t) => {
  const s = await setup({ fake: { price: 50000 } });
  t.teardown(s.close);
  const req = { orderLinkId: 'restart-1', side: 'buy' as const, type: 'limit' as const, qty: d('0.01'), price: d('49000') };
  const first = await s.venue.placeOrder(req);
  const again = await s.venue.placeOrder(req);
  t.equal(s.fake.placedOrders().length, 1);
  t.equal(again.orderId, first.orderId);
  t.equal(again.status, 'New');
  t.equal(again.price?.toString(), '49000');
});

t.test('insufficient balance is a typed error the core records as a skipped entry', async (t) => {
  const s = await setup({ fake: { balance: '100', price: 50000 } });
  t.teardown(s.close);
  const err = await s.venue.placeOrder(market('poor-1', '1')).catch((e: unknown) => e);
  t.ok(err instanceof InsufficientBalanceError);
  t.equal((err as InsufficientBalanceError).code, 110007);
  t.equal(s.fake.orderCreates().length, 1, 'not retried');

  // Other rejections are OrderRejectedError with Bybit's code.
  await t.rejects(s.venue.placeOrder(market('tiny-1', '0.0001')), { name: 'OrderRejectedError' });
  await t.rejects(s.venue.placeOrder({ ...market('bad id!') }), OrderRejectedError);
});

t.test('leverage: unchanged (110043) counts as success; a new value is applied', async (t) => {
  const s = await setup({ fake: { leverage: '10' }, venue: { leverage: d(10) } });
  t.teardown(s.close);
  t.same(s.fake.requestsTo('/v5/position/set-leverage').map((r) => r.retCode), [110043], 'start() set it; 110043 was fine');
  await s.venue.setLeverage(d(5));
  t.equal(s.fake.position().leverage.toString(), '5');
  await t.rejects(s.venue.setLeverage(d(500)), { code: 10001 });
});

t.test('limit order: rests, fills when the price touches, events follow the state machine', async (t) => {
  const s = await setup({ fake: { price: 50000 } });
  t.teardown(s.close);
  s.fake.partialFill = 0.5;
  await s.venue.placeOrder({ orderLinkId: 'lim-1', side: 'buy', type: 'limit', qty: d('0.02'), price: d('49500') });
  s.fake.partialFill = undefined;
  t.equal((await s.venue.openOrders()).length, 1);
  s.fake.setPrice(49500);
  let st = await s.venue.orderStatus('lim-1');
  t.equal(st?.status, 'PartiallyFilled');
  t.equal(st?.filledQty.toString(), '0.01');
  s.fake.setPrice(49400);
  st = await s.venue.orderStatus('lim-1');
  t.equal(st?.status, 'Filled');
  t.equal(st?.avgFillPrice?.toString(), '49500', 'resting limit fills at its price');
  await until(() => s.events.filter((e) => e.kind === 'fill').length === 2, 8000, 'two fills');
  const statuses = s.events.flatMap((e) => (e.kind === 'order' && e.order.orderLinkId === 'lim-1' ? [e.order.status] : []));
  t.same(statuses, ['New', 'PartiallyFilled', 'Filled']);
  const fills = await s.venue.fills(s.fake.now() - MINUTE_MS);
  t.same(fills.map((f) => f.qty.toString()), ['0.01', '0.01']);
  t.ok(fills.every((f) => f.isMaker));
  t.same((await s.venue.openOrders()).length, 0);
});

t.test('cancel and amend', async (t) => {
  const s = await setup({ fake: { price: 50000 } });
  t.teardown(s.close);
  await s.venue.placeOrder({ orderLinkId: 'c-1', side: 'buy', type: 'limit', qty: d('0.01'), price: d('48000') });
  const amended = await s.venue.amendOrder({ orderLinkId: 'c-1', price: d('48100') });
  t.equal(amended.price?.toString(), '48100');
  const cancelled = await s.venue.cancelOrder('c-1');
  t.equal(cancelled.status, 'Cancelled');
  const again = await s.venue.cancelOrder('c-1');
  t.equal(again.status, 'Cancelled', 'cancelling twice reports the final state');
  await t.rejects(s.venue.cancelOrder('never-placed'), OrderNotFoundError);

  // A cancel that loses the race to a fill reports Filled.
  await s.venue.placeOrder({ orderLinkId: 'c-2', side: 'buy', type: 'limit', qty: d('0.01'), price: d('49000') });
  s.fake.setPrice(48900);
  t.equal((await s.venue.cancelOrder('c-2')).status, 'Filled');

  await s.venue.placeOrder({ orderLinkId: 'c-3', side: 'buy', type: 'limit', qty: d('0.01'), price: d('40000') });
  await s.venue.placeOrder({ orderLinkId: 'c-4', side: 'buy', type: 'limit', qty: d('0.01'), price: d('40100') });
  // The filled c-2 is a long: give it a stop-loss, which Bybit keeps as a conditional order.
  await s.venue.setTradingStop({ stopLoss: d('48000') });
  t.same((await s.venue.cancelAllOrders()).sort(), ['c-3', 'c-4']);
  t.equal(s.fake.position().stopLoss.toFixed(), '48000', "cancel-all leaves the position's stop-loss in place");
});

t.test('trading stops: set, move, remove; a refusal is a typed error', async (t) => {
  const s = await setup({ fake: { price: 50000 } });
  t.teardown(s.close);
  await s.venue.placeOrder(market('ts-1'));
  await s.venue.setTradingStop({ stopLoss: d('49000'), takeProfit: d('53000') });
  let p = await s.venue.position();
  t.equal(p.stopLoss?.toString(), '49000');
  await s.venue.setTradingStop({ stopLoss: d('49500') });
  await s.venue.setTradingStop({ stopLoss: d('49500') }); // 34040 not modified is fine
  await s.venue.setTradingStop({ takeProfit: null, trailingStop: d('300') });
  p = await s.venue.position();
  t.equal(p.stopLoss?.toString(), '49500');
  t.equal(p.takeProfit, undefined, 'removed');
  t.equal(p.trailingStop?.toString(), '300');

  s.fake.tradingStopFault = { retCode: 10001, retMsg: 'params error' };
  await t.rejects(s.venue.setTradingStop({ stopLoss: d('49600') }), { name: 'OrderRejectedError', code: 10001 });
  s.fake.tradingStopFault = undefined;
  // Wrong side of the price is Bybit's own refusal: an OrderRejectedError that says which level the price is past.
  const past = await s.venue.setTradingStop({ stopLoss: d('51000') }).catch((e: unknown) => e);
  t.ok(past instanceof OrderRejectedError, 'a refusal');
  t.match(past, { name: 'StopBeyondPriceError', code: 10001, level: 'stopLoss', message: /Bybit refused the stop-loss: the price is already past it/ });
});

t.test('an exchange that ignores TP/SL on the entry: the position shows none (the runner must check)', async (t) => {
  const s = await setup({ fake: { price: 50000 } });
  t.teardown(s.close);
  s.fake.ignoreEntryTpSl = true;
  await s.venue.placeOrder({ ...market('ign-1'), stopLoss: d('49000') });
  const p = await s.venue.position();
  t.equal(p.size.toString(), '0.01');
  t.equal(p.stopLoss, undefined);
});

t.test('account stream drop: events resume after reconnect and REST reconciliation sees what was missed', async (t) => {
  const s = await setup({ fake: { price: 50000 } });
  t.teardown(s.close);
  const since = Date.now();
  await s.venue.placeOrder({ orderLinkId: 'rc-1', side: 'buy', type: 'limit', qty: d('0.01'), price: d('49000') });
  await until(() => s.events.some((e) => e.kind === 'order' && e.order.orderLinkId === 'rc-1'), 8000, 'New event');
  s.fake.dropSockets('private');
  s.fake.setPrice(48950); // fills while we're disconnected: the push is lost
  await until(() => s.events.some((e) => e.kind === 'connection' && e.stream === 'account' && e.state === 'up'), 8000, 'reconnected');
  t.notOk(s.events.some((e) => e.kind === 'order' && e.order.orderLinkId === 'rc-1' && e.order.status === 'Filled'), 'the fill push was lost');
  t.equal((await s.venue.orderStatus('rc-1'))?.status, 'Filled', 'REST knows');
  t.equal((await s.venue.fills(since)).length, 1);
  t.equal((await s.venue.position()).size.toString(), '0.01');
  // Re-authenticated and re-subscribed: new pushes arrive again.
  await until(() => s.fake.subscribers('private', 'order') === 1, 8000, 'resubscribed');
  await s.venue.placeOrder({ orderLinkId: 'rc-2', side: 'sell', type: 'market', qty: d('0.01'), reduceOnly: true });
  await until(() => s.events.some((e) => e.kind === 'order' && e.order.orderLinkId === 'rc-2' && e.order.status === 'Filled'), 8000, 'live again');
  t.notMatch(s.logText(), s.fake.apiKey, 'the key never reaches the log (auth frames included)');
  t.notMatch(s.logText(), s.fake.apiSecret);
});

t.test('malformed private frames are skipped and counted', async (t) => {
  const s = await setup();
  t.teardown(s.close);
  s.fake.sendRaw('private', JSON.stringify({ id: 'x', topic: 'order', creationTime: 1, data: [{ symbol: 'BTCUSDT', orderStatus: 'Weird' }] }));
  s.fake.sendRaw('private', JSON.stringify({ id: 'y', topic: 'execution', creationTime: 1, data: 'nope' }));
  await until(() => Object.keys(s.venue.streamStats().malformed).length === 2, 8000, 'counted');
  t.same(s.venue.streamStats().malformed, { 'order-frame': 1, 'execution-frame': 1 });
  await s.venue.placeOrder(market('after-junk-1'));
  await until(() => s.events.some((e) => e.kind === 'order' && e.order.status === 'Filled'), 8000, 'still working');
});

t.test('spot: market buys are sent in base coin; the holding is the position', async (t) => {
  const s = await setup({ fake: { category: 'spot', price: 50000 } });
  t.teardown(s.close);
  await s.venue.placeOrder(market('spot-1', '0.001'));
  t.match(s.fake.orderCreates()[0], { category: 'spot', marketUnit: 'baseCoin', qty: '0.001' });
  const p = await s.venue.position();
  t.equal(p.side, 'long');
  t.equal(p.size.toString(), '0.001');
  const eq = await s.venue.equity();
  t.equal(eq.walletBalance.toString(), '9949.95', '50 USDT spent plus 0.1% fee');
  await t.rejects(s.venue.setTradingStop({ stopLoss: d('1') }), { name: 'VenueUnsupportedError' });
});

t.test('a trailing stop follows the price up and closes the position on the pullback', async (t) => {
  const s = await setup({ fake: { price: 50000 } });
  t.teardown(s.close);
  await s.venue.placeOrder(market('trail-1'));
  await s.venue.setTradingStop({ trailingStop: d('300'), trailingActivation: d('50200') });
  s.fake.setPrice(50100);
  s.fake.setPrice(49850); // not active yet (activation 50200): no close
  t.equal((await s.venue.position()).side, 'long');
  s.fake.setPrice(50600);
  s.fake.setPrice(50350); // 250 below the high: still open
  t.equal((await s.venue.position()).side, 'long');
  s.fake.setPrice(50290); // 310 below the high of 50600
  t.equal((await s.venue.position()).side, 'flat');
  await until(() => s.events.some((e) => e.kind === 'order' && e.order.origin === 'trailingStop' && e.order.status === 'Filled'), 8000, 'trailing close');
  const fills = await s.venue.fills(s.fake.now() - MINUTE_MS);
  t.equal(fills.at(-1)?.price.toString(), '50290');
  t.equal(fills.at(-1)?.orderLinkId, '', 'exchange-created order has no orderLinkId');
});

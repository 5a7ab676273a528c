// The fake is as strict as Bybit where botctl's safety depends on it (test/fake-bybit/README.md,
// "Strictness"): stops on the wrong side refused, conditional triggers checked, the position's
// TP/SL as conditional orders with their lifecycle on the order stream, pushes before or after the
// reply, and an acknowledgement with no order behind it. Checked through the real bybit-api client.
import t from 'tap';
import { RestClientV5 } from 'bybit-api';
import { OrderRejectedError } from '../../engine/venue/errors.ts';
import type { OrderState } from '../../engine/venue/venue.ts';
import { d, setup, until } from '../fake-bybit/harness.ts';

const rest = (s: Awaited<ReturnType<typeof setup>>) =>
  new RestClientV5({ key: s.fake.apiKey, secret: s.fake.apiSecret, baseUrl: s.fake.restUrl }, { timeout: 2000 });

t.test('create-order with a stop-loss or take-profit on the wrong side: 10001, nothing created', async (t) => {
  const s = await setup({ fake: { price: 49000 } });
  t.teardown(s.close);
  const c = rest(s);
  const sl = await c.submitOrder({ category: 'linear', symbol: 'BTCUSDT', side: 'Buy', orderType: 'Market', qty: '0.01', stopLoss: '49500', orderLinkId: 'w-1' });
  t.match(sl, { retCode: 10001, retMsg: 'sl:495000000 set for Buy position should lower base_price:490000000??LastPrice' });
  const tp = await c.submitOrder({ category: 'linear', symbol: 'BTCUSDT', side: 'Sell', orderType: 'Limit', price: '49200', qty: '0.01', takeProfit: '49300', orderLinkId: 'w-2' });
  t.match(tp, { retCode: 10001, retMsg: /^tp:493000000 set for Sell position should lower base_price:492000000/ }, 'a limit order is judged at its own price');
  t.equal(s.fake.orders().length, 0, 'the whole order refused');
  s.fake.strict.entryStops = false;
  const kind = await c.submitOrder({ category: 'linear', symbol: 'BTCUSDT', side: 'Buy', orderType: 'Market', qty: '0.01', stopLoss: '49500', orderLinkId: 'w-3' });
  t.equal(kind.retCode, 0, 'accepted by a kinder exchange');
  t.ok(s.fake.position().size.isZero(), '...where the crossed stop fires at once');
});

t.test('trading-stop with a level the price is past: 10001 in Bybit\'s words, neither level set', async (t) => {
  const s = await setup({ fake: { price: 50000 } });
  t.teardown(s.close);
  await s.venue.placeOrder({ orderLinkId: 'p-1', side: 'buy', type: 'market', qty: d('0.01') });
  s.fake.setPrice(49000);
  const err = await s.venue.setTradingStop({ stopLoss: d('49500'), takeProfit: d('51000') }).catch((e: unknown) => e);
  t.ok(err instanceof OrderRejectedError);
  t.match((err as Error).message, /retCode 10001\): StopLoss:495000000 set for Buy position should lower than base_price:490000000\?\?LastPrice/);
  t.ok(s.fake.position().stopLoss.isZero() && s.fake.position().takeProfit.isZero(), 'nothing set');
  const tp = await rest(s).setTradingStop({ category: 'linear', symbol: 'BTCUSDT', tpslMode: 'Full', positionIdx: 0, takeProfit: '48000' });
  t.match(tp, { retCode: 10001, retMsg: /^TakeProfit:480000000 set for Buy position should greater than base_price:490000000/ });
});

t.test('conditional orders: trigger direction checked (110092 / 110093); Untriggered → Triggered → Filled', async (t) => {
  const s = await setup({ fake: { price: 50000 } });
  t.teardown(s.close);
  const c = rest(s);
  const base = { category: 'linear' as const, symbol: 'BTCUSDT', side: 'Buy' as const, orderType: 'Market' as const, qty: '0.01' };
  t.match(await c.submitOrder({ ...base, triggerPrice: '49000', triggerDirection: 1, orderLinkId: 'c-1' }), { retCode: 110092, retMsg: 'expect Rising, but trigger_price[490000000] <= current[500000000]??LastPrice' });
  t.match(await c.submitOrder({ ...base, triggerPrice: '51000', triggerDirection: 2, orderLinkId: 'c-2' }), { retCode: 110093, retMsg: /^expect Falling, but trigger_price\[510000000\] >= current/ });
  t.equal((await c.submitOrder({ ...base, triggerPrice: '50500', triggerDirection: 1, orderLinkId: 'c-3' })).retCode, 0);
  t.equal(s.fake.orders()[0]?.status, 'Untriggered');
  t.ok(s.fake.position().size.isZero(), 'no margin, no fill before the trigger');
  s.fake.setPrice(50600);
  await until(() => statuses(s, 'c-3').includes('Filled'), 5000, 'filled');
  t.same(statuses(s, 'c-3'), ['Untriggered', 'Triggered', 'Filled'], 'the order stream shows the lifecycle');
  t.equal(s.fake.position().size.toFixed(), '0.01');
});

t.test('the position\'s stop-loss and take-profit are conditional orders: moved in place, one triggers, the other is deactivated', async (t) => {
  const s = await setup({ fake: { price: 50000 } });
  t.teardown(s.close);
  s.fake.stopFillLagMs = 150;
  await s.venue.placeOrder({ orderLinkId: 'e-1', side: 'buy', type: 'market', qty: d('0.01'), stopLoss: d('49500'), takeProfit: d('51000') });
  const [sl, tp] = s.fake.orders().filter((o) => o.orderLinkId === '');
  t.match(sl, { stopOrderType: 'StopLoss', status: 'Untriggered', side: 'Sell', reduceOnly: true, triggerDirection: 2 });
  t.equal(sl?.triggerPrice.toFixed(), '49500');
  t.match(tp, { stopOrderType: 'TakeProfit', status: 'Untriggered', triggerDirection: 1 });
  await s.venue.setTradingStop({ stopLoss: d('49800') });
  t.equal(s.fake.orders().filter((o) => o.stopOrderType === 'StopLoss').length, 1, 'moved in place: same order');
  t.equal(sl?.triggerPrice.toFixed(), '49800');
  s.fake.setPrice(49700);
  t.ok(s.fake.position().size.isZero(), 'the exchange is flat at once');
  t.equal(sl?.status, 'Filled');
  t.equal(tp?.status, 'Deactivated');
  const byId = (id: string) => s.events.filter((e): e is Extract<typeof e, { kind: 'order' }> => e.kind === 'order' && e.order.orderId === id);
  await until(() => byId(sl!.orderId).some((e) => e.order.status === 'Triggered'), 5000, 'Triggered pushed');
  t.notOk(byId(sl!.orderId).some((e) => e.order.status === 'Filled'), 'the Filled frame has not arrived yet');
  await until(() => byId(sl!.orderId).some((e) => e.order.status === 'Filled'), 5000, 'Filled pushed later');
  const seen = byId(sl!.orderId).map((e) => e.order.status);
  t.same(seen.slice(-2), ['Triggered', 'Filled'], 'same orderId, Triggered then Filled in separate frames');
  t.equal(byId(sl!.orderId).at(-1)!.order.origin, 'stopLoss');
  await until(() => byId(tp!.orderId).some((e) => e.order.status === 'Deactivated'), 5000, 'the take-profit deactivated');
});

t.test('an acknowledgement with no order behind it; pushes before or after the reply, replayable by seed', async (t) => {
  const s = await setup({ fake: { price: 50000, pushTiming: 'after' } });
  t.teardown(s.close);
  s.fake.emptyAck('/v5/order/create');
  const ack = await rest(s).submitOrder({ category: 'linear', symbol: 'BTCUSDT', side: 'Buy', orderType: 'Market', qty: '0.01', orderLinkId: 'g-1' });
  t.match(ack, { retCode: 0, result: { orderId: '' } });
  t.equal(s.fake.orders().length, 0, 'nothing behind it');
  const before = s.events.length;
  await s.venue.placeOrder({ orderLinkId: 'g-2', side: 'buy', type: 'market', qty: d('0.01') });
  t.equal(s.events.length, before, "'after': no push reached the client before the reply");
  await until(() => s.events.some((e) => e.kind === 'order' && e.order.orderLinkId === 'g-2' && e.order.status === 'Filled'), 5000, 'pushes after the reply');
  const a = await setup({ fake: { pushTiming: { seed: 7 } } });
  const b = await setup({ fake: { pushTiming: { seed: 7 } } });
  t.teardown(a.close);
  t.teardown(b.close);
  for (const x of [a, b]) for (let i = 0; i < 6; i++) await x.venue.placeOrder({ orderLinkId: `r-${i}`, side: i % 2 ? 'sell' : 'buy', type: 'market', qty: d('0.01') });
  t.same(a.fake.pushDecisions(), b.fake.pushDecisions(), 'the same seed makes the same choices');
  t.ok(new Set(a.fake.pushDecisions()).size === 2, `both orders occur: ${a.fake.pushDecisions().join(' ')}`);
});

function statuses(s: Awaited<ReturnType<typeof setup>>, link: string): OrderState['status'][] {
  return s.events.flatMap((e) => (e.kind === 'order' && e.order.orderLinkId === link ? [e.order.status] : []));
}

// The simulated venue's Bybit-like order semantics, driven candle by candle from memory.
import t from 'tap';
import type { Candle } from '../../engine/market/candle.ts';
import { SimVenue } from '../../engine/venue/sim/venue.ts';
import type { CandleSource } from '../../engine/venue/sim/source.ts';
import type { VenueEvent } from '../../engine/venue/venue.ts';
import { OrderNotFoundError } from '../../engine/venue/errors.ts';
import { BTC_LINEAR, T0, candles, d, makePlan } from '../helpers/plan.ts';

/** A source whose candles the test hands out one by one. */
function manualSource() {
  let handler: ((c: Candle) => void | Promise<void>) | undefined;
  const source: CandleSource = {
    start: async () => {},
    instrument: async () => BTC_LINEAR,
    closedCandles: async () => [],
    recentClosedCandles: async () => [],
    subscribeCandles: async (h) => {
      handler = h;
      return () => {};
    },
    close: async () => {},
  };
  return { source, deliver: async (c: Candle) => handler?.(c) };
}

async function setup(equity = 10000) {
  const plan = makePlan({ simulation: { initialEquity: d(equity), takerFeePercent: d(0), makerFeePercent: d(0), slippagePercent: d(0) } });
  const m = manualSource();
  const venue = new SimVenue({ plan, source: m.source });
  const events: VenueEvent[] = [];
  venue.onEvent((e) => events.push(e));
  await venue.start();
  await venue.subscribeCandles(() => {});
  return { venue, events, deliver: m.deliver };
}

const bars = candles([
  [100, 100, 100, 100],
  [100, 101, 99, 100],
  [100, 100, 90, 92],
  [92, 93, 91, 92],
], T0);

t.test('a repeated create returns the existing order; fills arrive with the next candle', async (t) => {
  const s = await setup();
  const req = { orderLinkId: 'b1-a-e', side: 'buy' as const, type: 'market' as const, qty: d(10), stopLoss: d(95) };
  const a = await s.venue.placeOrder(req);
  const b = await s.venue.placeOrder(req);
  t.equal(a.orderId, b.orderId, 'idempotent by orderLinkId');
  t.equal(a.status, 'New');
  await s.deliver(bars[1]!);
  t.match(await s.venue.orderStatus('b1-a-e'), { status: 'Filled', filledQty: d(10), avgFillPrice: d(100) });
  t.match(await s.venue.position(), { side: 'long', size: d(10), stopLoss: d(95) });
  t.same(s.events.filter((e) => e.kind !== 'order').map((e) => e.kind), ['fill', 'position', 'wallet'], 'fill, then position, then wallet');

  // A reduce-only close queued, but the stop hits first on the next candle: the close is cancelled.
  await s.venue.placeOrder({ orderLinkId: 'b1-b-x', side: 'sell', type: 'market', qty: d(10), reduceOnly: true });
  await s.deliver(bars[2]!);
  t.equal((await s.venue.orderStatus('b1-b-x'))?.status, 'Filled', 'a queued exit fills at the next open before any stop');
  t.equal((await s.venue.position()).side, 'flat');
  await t.rejects(s.venue.cancelOrder('nope'), OrderNotFoundError);
  t.equal((await s.venue.cancelOrder('b1-b-x')).status, 'Filled', 'cancelling a final order returns it unchanged');
});

t.test('an exchange-side stop close shows up as an order without orderLinkId', async (t) => {
  const s = await setup();
  await s.venue.placeOrder({ orderLinkId: 'b1-c-e', side: 'buy', type: 'market', qty: d(10), stopLoss: d(95) });
  await s.deliver(bars[1]!);
  await s.deliver(bars[2]!);
  const close = s.events.find((e) => e.kind === 'order' && e.order.orderLinkId === '' && e.order.status === 'Filled');
  t.match(close, { order: { origin: 'stopLoss', side: 'sell', filledQty: d(10), avgFillPrice: d(95) } });
  t.equal((await s.venue.position()).side, 'flat');
  t.equal((await s.venue.equity()).walletBalance.toFixed(), '9950');
});

t.test('an entry the simulated balance cannot cover is rejected when it would fill', async (t) => {
  const s = await setup(100);
  await s.venue.placeOrder({ orderLinkId: 'b1-d-e', side: 'buy', type: 'market', qty: d(10) });
  await s.deliver(bars[1]!);
  const o = await s.venue.orderStatus('b1-d-e');
  t.equal(o?.status, 'Rejected');
  t.match(o?.reason, /does not cover 10 at 100/);
  t.equal((await s.venue.position()).side, 'flat');
});

t.test('a limit entry can be cancelled before it fills', async (t) => {
  const s = await setup();
  await s.venue.placeOrder({ orderLinkId: 'b1-e-e', side: 'buy', type: 'limit', qty: d(1), price: d(80) });
  await s.deliver(bars[1]!);
  t.equal((await s.venue.openOrders()).length, 1);
  t.equal((await s.venue.cancelOrder('b1-e-e')).status, 'Cancelled');
  await s.deliver(bars[2]!);
  t.equal((await s.venue.position()).side, 'flat', 'never filled');
});

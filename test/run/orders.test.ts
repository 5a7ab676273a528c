// Order handling beyond market entries, live against the fake: limit entries that time out (cancel
// or re-price), limit fills between candles, trailing stops moved on the exchange, and a position
// found at startup.
import t from 'tap';
import { botIdOf } from '../../engine/live/ids.ts';
import { SIG, assertInvariants, liveBot, until } from '../helpers/run-fake.ts';

t.test('limit entry not filled within its timeout is cancelled', async (t) => {
  const bot = await liveBot({ spec: 'test/fixtures/run/limit.yaml' });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  t.match(bot.fake.orderCreates()[0], { orderType: 'Limit', price: '49750', stopLoss: '49252.5', takeProfit: '50745' });
  await bot.step(SIG.none, 50100);
  t.equal(bot.fake.placedOrders()[0]!.status, 'New', 'still resting after one bar');
  await bot.step(SIG.none, 50100);
  t.equal(bot.fake.placedOrders()[0]!.status, 'Cancelled', 'cancelled after two bars');
  t.ok(bot.texts().some((x) => /long limit entry at 49750 not filled in time: cancelled/.test(x)), bot.texts().join('\n'));
  t.equal(bot.runner.core.state.entryOrder, null);
  await bot.step(SIG.long, 50000);
  t.equal(bot.fake.placedOrders().length, 2, 'free to enter again');
  assertInvariants(t, bot);
});

t.test('limit entry filled between candles: the core hears of it, the stops are on the position', async (t) => {
  const bot = await liveBot({ spec: 'test/fixtures/run/limit.yaml' });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  await bot.step(SIG.none, 49900, { open: 50000, high: 50000, low: 49700 });
  t.equal(bot.fake.placedOrders()[0]!.status, 'Filled');
  t.equal(bot.runner.core.state.position?.entryPrice.toFixed(), '49750', 'filled at the limit');
  t.equal(bot.fake.position().stopLoss.toFixed(), '49252.5');
  await bot.step(SIG.none, 49900);
  t.equal(bot.fake.placedOrders().filter((o) => o.status === 'Cancelled').length, 0, 'nothing cancelled after the fill');
  assertInvariants(t, bot);
});

t.test('limit entry with on_timeout amend: the working order is re-priced in place', async (t) => {
  const bot = await liveBot({ spec: 'test/fixtures/run/amend.yaml' });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  await bot.step(SIG.none, 50200);
  await bot.step(SIG.none, 50200);
  const orders = bot.fake.placedOrders();
  t.equal(orders.length, 1, 'no second order');
  t.match(orders[0], { status: 'New', orderLinkId: bot.fake.orderCreates()[0]!.orderLinkId });
  t.equal(orders[0]!.price.toFixed(), '49949', '0.5% below the new close');
  t.equal(orders[0]!.stopLoss.toFixed(), '49449.6', 'its stop-loss follows the new price');
  t.match(bot.fake.requestsTo('/v5/order/amend')[0]?.params, { price: '49949', qty: '0.01', stopLoss: '49449.6', takeProfit: '50947.9' });
  t.ok(bot.texts().some((x) => /not filled in time: re-priced, entering long 0.01 limit 49949/.test(x)), bot.texts().join('\n'));
  // The re-priced order fills: the core takes the new levels.
  await bot.step(SIG.none, 49900, { open: 50200, high: 50200, low: 49900 });
  t.equal(bot.runner.core.state.position?.entryPrice.toFixed(), '49949');
  t.equal(bot.runner.core.state.position?.stopLoss?.toFixed(), '49449.6');
  t.equal(bot.fake.position().stopLoss.toFixed(), '49449.6');
  assertInvariants(t, bot);
});

t.test('on_timeout amend refused by the exchange: cancelled and placed anew', async (t) => {
  const bot = await liveBot({ spec: 'test/fixtures/run/amend.yaml' });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  await bot.step(SIG.none, 50200);
  bot.fake.retCode('/v5/order/amend', 10001, 'injected: amend refused');
  await bot.step(SIG.none, 50200);
  const [first, second] = bot.fake.placedOrders();
  t.equal(first?.status, 'Cancelled');
  t.equal(second?.status, 'New');
  t.equal(second?.price.toFixed(), '49949');
  t.match(bot.log.text(), /re-pricing the entry in place failed; cancelling it and placing a new one/);
  assertInvariants(t, bot);
});

t.test('trailing stop: moved on the exchange with trading-stop, and its exit is recorded as such', async (t) => {
  const bot = await liveBot({ spec: 'test/fixtures/run/trail.yaml' });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  t.equal(bot.fake.position().stopLoss.toFixed(), '49500');
  await bot.step(SIG.none, 51000);
  t.equal(bot.fake.position().stopLoss.toFixed(), '50490', 'trailed to 1% under the close');
  t.match(bot.fake.requestsTo('/v5/position/trading-stop').at(-1)?.params, { stopLoss: '50490' });
  await bot.step(SIG.none, 50450, { open: 51000, high: 51000, low: 50400 });
  t.ok(bot.fake.position().size.isZero());
  t.ok(bot.texts().some((x) => /long position closed by trailing stop at 50/.test(x)), bot.texts().join('\n'));
  assertInvariants(t, bot);
});

t.test('startup: an open position is adopted and protected; this bot\'s stale orders are withdrawn, others left alone', async (t) => {
  const botId = botIdOf('e2e-bot', 'BTCUSDT');
  const bot = await liveBot({
    before: (fake) => {
      fake.exchange.createOrder({ side: 'Buy', orderType: 'Market', qty: '0.02', orderLinkId: 'manual-1' });
      fake.exchange.createOrder({ side: 'Sell', orderType: 'Limit', qty: '0.01', price: '60000', orderLinkId: `${botId}-old-x` });
      fake.exchange.createOrder({ side: 'Sell', orderType: 'Limit', qty: '0.01', price: '61000', orderLinkId: 'someone-else' });
    },
  });
  t.teardown(bot.close);
  const p = bot.fake.position();
  t.equal(p.size.toFixed(), '0.02');
  t.equal(p.stopLoss.toFixed(), '49500', "the plan's stop-loss put on the adopted position");
  t.equal(p.takeProfit.toFixed(), '51000');
  t.equal(bot.runner.core.state.position?.qty.toFixed(), '0.02', 'the core manages it');
  t.ok(bot.texts().some((x) => /adopted the long 0.02 at 50000 already open on the exchange, stop 49500, target 51000/.test(x)), bot.texts().join('\n'));
  const byLink = (l: string) => bot.fake.placedOrders().find((o) => o.orderLinkId === l)?.status;
  t.equal(byLink(`${botId}-old-x`), 'Cancelled');
  t.equal(byLink('someone-else'), 'New');
  await bot.step(SIG.exitLong, 50000);
  await until(() => bot.fake.position().size.isZero(), 2000, 'closed');
  t.match(bot.fake.orderCreates().at(-1), { reduceOnly: true, qty: '0.02' });
  assertInvariants(t, bot);
});

t.test('restart with a position open: the new runner adopts it (stops already there), sends nothing twice', async (t) => {
  const bot = await liveBot();
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  const creates = bot.fake.orderCreates().length;
  await bot.restart();
  t.equal(bot.fake.orderCreates().length, creates, 'no order on restart');
  t.equal(bot.fake.requestsTo('/v5/position/trading-stop').length, 0, 'the stops were already on the position');
  t.equal(bot.runner.core.state.position?.qty.toFixed(), '0.01');
  t.ok(bot.texts().some((x) => /adopted the long 0.01 at 50000 already open on the exchange, stop 49500, target 51000/.test(x)), bot.texts().join('\n'));
  await bot.step(SIG.long, 50000);
  t.ok(bot.texts().some((x) => /BUY signal skipped: already long/.test(x)), 'no second entry');
  await bot.step(SIG.exitLong, 50100);
  t.ok(bot.fake.position().size.isZero(), 'closed by the new runner');
  assertInvariants(t, bot);
});

t.test('a position opened behind the bot\'s back mid-run is taken over and protected', async (t) => {
  const bot = await liveBot();
  t.teardown(bot.close);
  await bot.step(SIG.none, 50000);
  bot.fake.exchange.createOrder({ side: 'Sell', orderType: 'Market', qty: '0.02', orderLinkId: 'by-hand' });
  await bot.step(SIG.none, 50000);
  t.equal(bot.runner.core.state.position?.side, 'short');
  t.equal(bot.fake.position().stopLoss.toFixed(), '50500', 'stop-loss 1% above the entry');
  t.ok(bot.texts().some((x) => /adopted the short 0.02 at 50000/.test(x)), bot.texts().join('\n'));
  await bot.step(SIG.exitShort, 49900);
  t.ok(bot.fake.position().size.isZero());
  assertInvariants(t, bot);
});

t.test('trailing stop refused by the exchange: recorded, the previous stop stays', async (t) => {
  const bot = await liveBot({ spec: 'test/fixtures/run/trail.yaml' });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  bot.fake.tradingStopFault = { retCode: 10001, retMsg: 'injected: trading-stop refused' };
  await bot.step(SIG.none, 51000);
  t.equal(bot.fake.position().stopLoss.toFixed(), '49500', 'the entry stop is still there');
  t.ok(bot.texts().some((x) => /trailing stop not moved to 50490: .*injected: trading-stop refused.*; the previous stop stays on the position/.test(x)), bot.texts().join('\n'));
  bot.fake.tradingStopFault = undefined;
  await bot.step(SIG.none, 50950);
  t.equal(bot.fake.position().stopLoss.toFixed(), '50490', 'moved on the next candle');
  assertInvariants(t, bot);
});

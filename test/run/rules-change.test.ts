// Instrument rules that change while the bot runs, through the real client and the real runner:
// a tick-size change no longer refuses every entry until a restart (the rules are read again on a
// precision refusal and the entry re-sent on the new grid), the hourly read puts an open position's
// stops on the new grid, and a symbol that stops trading takes no entries until it trades again.
import t from 'tap';
import { SIG, assertInvariants, liveBot, until } from '../helpers/run-fake.ts';

t.test('tick size 0.1 → 0.5: the refused limit entry is re-sent once on the new grid', async (t) => {
  const bot = await liveBot({ spec: 'test/fixtures/run/limit.yaml' });
  t.teardown(bot.close);
  await bot.step(SIG.none, 50000);
  bot.fake.setInstrument({ tickSize: '0.5' });
  await bot.step(SIG.long, 50000.3);
  const creates = bot.fake.requestsTo('/v5/order/create');
  t.equal(creates.length, 2, 'refused once, sent again');
  t.match(creates[0]!.params, { price: '49750.2' });
  t.equal(creates[0]!.retCode, 10001);
  t.match(creates[1]!.params, { price: '49750', stopLoss: '49253', takeProfit: '50745' });
  t.match(String(creates[1]!.params.orderLinkId), /-e2$/, 'a new orderLinkId: the refused one never existed');
  t.equal(bot.fake.orders().length, 1);
  const texts = bot.texts().join('\n');
  t.match(texts, /BTCUSDT's trading rules changed on Bybit \(an entry was refused: .*tick ?size.*\): tick size 0\.1 → 0\.5; prices and sizes follow the new rules/i);
  t.match(texts, /entry order refused for its precision .*; sent again on the new rules: 0\.01 at 49750, stop 49253, target 50745/);
  // The limit fills later on the new grid, with its stops.
  await bot.step(SIG.none, 49700, { open: 50000, high: 50000, low: 49700 });
  await until(() => bot.runner.core.state.position !== null, 2000, 'filled');
  t.equal(bot.fake.position().stopLoss.toFixed(), '49253');
  assertInvariants(t, bot);
});

t.test('the hourly read: tick size 0.1 → 1 while long, the stops move onto the new grid', async (t) => {
  const bot = await liveBot({ runner: { rulesRefreshMs: 0 } });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000.3);
  t.equal(bot.fake.position().stopLoss.toFixed(), '49500.3');
  t.equal(bot.fake.position().takeProfit.toFixed(), '51000.3');
  bot.fake.setInstrument({ tickSize: '1' });
  await bot.step(SIG.none, 50000.3);
  await until(() => bot.fake.position().stopLoss.toFixed() === '49501', 2000, 'stop on the new grid');
  t.equal(bot.fake.position().takeProfit.toFixed(), '51000', 'target rounded toward the entry');
  const texts = bot.texts().join('\n');
  t.match(texts, /trading rules changed on Bybit \(the hourly check\): tick size 0\.1 → 1/);
  t.match(texts, /the long's levels moved onto the new tick grid: stop-loss 49500\.3 → 49501, take-profit 51000\.3 → 51000/);
  t.equal(bot.runner.core.state.position?.stopLoss?.toFixed(), '49501', 'the core follows');
  assertInvariants(t, bot);
});

t.test('the symbol stops trading: no entries while it does not, with the reason; they resume when it trades', async (t) => {
  const bot = await liveBot({ runner: { rulesRefreshMs: 0 } });
  t.teardown(bot.close);
  await bot.step(SIG.none, 50000);
  bot.fake.setInstrument({ status: 'Delivering' });
  await bot.step(SIG.long, 50000);
  t.equal(bot.fake.orders().length, 0);
  const texts = () => bot.texts().join('\n');
  t.match(texts(), /status Trading → Delivering; .*BTCUSDT does not trade now \(Delivering\): no new entries until it does/);
  const sent = bot.fake.requestsTo('/v5/order/create').length;
  await bot.step(SIG.long, 50000);
  t.equal(bot.fake.requestsTo('/v5/order/create').length, sent, 'nothing sent while it does not trade');
  t.match(texts(), /entry order rejected: not sent: BTCUSDT does not trade on Bybit now \(status Delivering\)/);
  bot.fake.setInstrument({ status: 'Trading' });
  await bot.step(SIG.none, 50000);
  await bot.step(SIG.long, 50000);
  t.equal(bot.fake.position().size.toFixed(), '0.01', 'trading again');
  assertInvariants(t, bot);
});

t.test('quantity step 0.001 → 0.1 while long 0.01: the close refused for its size goes out for the whole position', async (t) => {
  const bot = await liveBot();
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  bot.fake.setInstrument({ qtyStep: '0.1', minOrderQty: '0.1' });
  await bot.step(SIG.exitLong, 50100);
  await until(() => bot.fake.position().size.isZero(), 3000, 'closed');
  await until(() => bot.runner.core.state.position === null, 3000, 'the core flat');
  const closes = bot.fake.requestsTo('/v5/order/create').filter((r) => r.params.reduceOnly === true);
  t.equal(closes.length, 2, 'refused once, then the whole-position close');
  t.match(closes[0], { retCode: 110017, params: { qty: '0.01' } });
  t.match(closes[1], { retCode: 0, params: { qty: '0', closeOnTrigger: true } });
  const texts = bot.texts().join('\n');
  t.match(texts, /trading rules changed on Bybit \(a close was refused: .*truncated to zero.*\): quantity step 0\.001 → 0\.1/);
  const exit = bot.notes.find((n) => n.kind === 'exit');
  t.match(exit, { reason: 'signal', side: 'long' }, 'booked as the exit signal\'s close');
  t.equal(exit?.kind === 'exit' ? String(exit.qty) : '', '0.01', 'of the whole 0.01');
  assertInvariants(t, bot);
});

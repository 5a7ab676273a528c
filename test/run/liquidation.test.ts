// Bybit closing the position itself, through the real client and the real runner: a liquidation
// (BustTrade) and auto-deleveraging (AdlTrade, often partial) are booked as their own exit reasons,
// a partial ADL reduces the position by what was filled (no whole close, no stray re-adoption), and
// funding payments are no trades.
import t from 'tap';
import { SIG, assertInvariants, liveBot, until } from '../helpers/run-fake.ts';

t.test('partial auto-deleveraging: the position shrinks by the filled quantity and keeps its stop', async (t) => {
  const bot = await liveBot();
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  bot.fake.adl('0.004', 49800);
  await until(() => bot.runner.core.state.position?.qty.toFixed() === '0.006', 2000, 'core reduced');
  await bot.runner.idle();
  // (49800 − 50000) × 0.004 = −0.8; 40 % of the 0.275 entry fee = 0.11; ADL has no fee.
  t.ok(bot.texts().some((x) => /0\.004 of the long closed by auto-deleveraging at 49800: net P&L -0\.91 \(fees included\); 0\.006 stays open/.test(x)), bot.texts().join('\n'));
  const exit = bot.notes.find((n) => n.kind === 'exit');
  t.match(exit, { kind: 'exit', reason: 'adl', side: 'long' }, 'the owner is told it was auto-deleveraging');
  t.equal(String(exit && 'qty' in exit ? exit.qty : ''), '0.004');
  t.equal(bot.fake.position().size.toFixed(), '0.006');
  t.equal(bot.fake.position().stopLoss.toFixed(), '49500', 'the rest keeps its stop');
  await bot.step(SIG.none, 49900);
  t.notOk(bot.texts().some((x) => /adopted/.test(x)), 'the rest is not re-adopted as a stray');
  t.equal(bot.runner.core.state.position?.qty.toFixed(), '0.006');
  t.equal(bot.runner.core.state.cooldowns.length, 0, 'no exit cooldown: the trade goes on');
  await bot.step(SIG.exitLong, 49900);
  t.match(bot.fake.orderCreates().at(-1), { reduceOnly: true, qty: '0.006' }, 'the exit closes what is left');
  t.equal(bot.runner.core.state.position, null);
  assertInvariants(t, bot);
});

t.test('liquidation: booked as liquidation, not as the stop-loss', async (t) => {
  const bot = await liveBot();
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  bot.fake.liquidate(45000);
  await until(() => bot.runner.core.state.position === null, 2000, 'core flat');
  await bot.runner.idle();
  t.ok(bot.texts().some((x) => /long position closed by liquidation at 45000: net P&L -50\.275/.test(x)), bot.texts().join('\n'));
  t.notOk(bot.texts().some((x) => /closed by stop-loss/.test(x)));
  t.match(bot.notes.find((n) => n.kind === 'exit'), { reason: 'liquidation' });
  await bot.step(SIG.none, 45000);
  t.notOk(bot.texts().some((x) => /adopted/.test(x)));
  assertInvariants(t, bot);
});

t.test('liquidated while the account stream was away: recorded as liquidation from the fill history', async (t) => {
  const bot = await liveBot();
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  bot.fake.dropSockets('private');
  bot.fake.liquidate(45000);
  await bot.step(SIG.none, 45000);
  await until(() => bot.runner.core.state.position === null, 3000, 'core flat');
  t.ok(bot.texts().some((x) => /long position closed by liquidation at 45000/.test(x)), bot.texts().join('\n'));
  assertInvariants(t, bot);
});

t.test('funding: a payment on the open position is no fill of an order and changes nothing else', async (t) => {
  const bot = await liveBot();
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  bot.fake.fund('0.0001');
  await until(() => /funding paid: 0\.05 USDT on 0\.01 at mark 50000/.test(bot.log.text()), 2000, 'funding logged');
  await bot.step(SIG.none, 50000);
  t.equal(bot.runner.core.state.position?.qty.toFixed(), '0.01', 'the position is untouched');
  t.notOk(bot.runner.orders.keys().some((k) => k === 'id:'), 'no order tracked for it');
  t.equal(bot.runner.status().errors, 0, 'no error');
  assertInvariants(t, bot);
});

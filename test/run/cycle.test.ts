// A full live cycle against the fake Bybit: entry with exchange-side stop-loss and take-profit, the
// exchange's stop closes the position, cooldown blocks the next signal, then a new entry.
import t from 'tap';
import { SIG, assertInvariants, liveBot } from '../helpers/run-fake.ts';

t.test('entry with exchange stops → stop hit → cooldown → next entry', async (t) => {
  const bot = await liveBot();
  t.teardown(bot.close);
  t.equal(bot.runner.processed.length, 0, 'history only warms up');
  t.same(bot.fake.requestsTo('/v5/position/set-leverage').map((r) => r.params.buyLeverage), ['5'], 'leverage set from the spec');

  await bot.step(SIG.long, 50000);
  const create = bot.fake.orderCreates()[0]!;
  t.match(create, { side: 'Buy', orderType: 'Market', qty: '0.01', stopLoss: '49500', takeProfit: '51000', tpslMode: 'Full' });
  t.match(String(create.orderLinkId), /^b[0-9a-f]{9}-[0-9a-z]+-e$/, 'deterministic orderLinkId');
  t.equal(bot.fake.position().size.toFixed(), '0.01');
  t.equal(bot.fake.position().stopLoss.toFixed(), '49500');
  t.equal(bot.runner.core.state.position?.qty.toFixed(), '0.01', 'the core holds the position');
  assertInvariants(t, bot);

  // The next candle dips through the stop: the exchange closes the position.
  await bot.step(SIG.none, 49800, { open: 50000, low: 49400, high: 50000 });
  t.ok(bot.fake.position().size.isZero(), 'flat on the exchange');
  t.equal(bot.runner.core.state.position, null, 'flat in the core');
  t.ok(bot.texts().some((x) => /long position closed by stop-loss at 49/.test(x)), 'exit recorded with its reason');

  await bot.step(SIG.long, 49900);
  t.ok(bot.texts().some((x) => /BUY signal skipped: cooldown after exit/.test(x)), 'cooldown blocks the next signal');
  t.equal(bot.fake.orderCreates().length, 1, 'no order during the cooldown');

  await bot.step(SIG.none, 49900);
  await bot.step(SIG.long, 49950);
  t.equal(bot.fake.orderCreates().length, 2, 'a new entry after the cooldown');
  t.equal(bot.fake.position().size.toFixed(), '0.01');
  t.equal(bot.fake.position().stopLoss.toFixed(), '49450.5');
  t.ok(bot.texts().some((x) => /BUY signal .*entering long 0.01/.test(x)));

  // Exit signal: reduce-only market close, then the position is gone and the stop with it.
  await bot.step(SIG.exitLong, 50100);
  t.ok(bot.fake.position().size.isZero());
  const exit = bot.fake.orderCreates()[2]!;
  t.match(exit, { side: 'Sell', reduceOnly: true, qty: '0.01' });
  t.match(String(exit.orderLinkId), /-x$/);
  assertInvariants(t, bot);
  t.same(bot.notes.map((n) => `${n.kind} ${'reason' in n ? n.reason : ''}`), ['entry signal', 'exit stop_loss', 'entry signal', 'exit signal'], 'the owner is notified of entries and exits');
  t.match(bot.notes[1], { kind: 'exit', bot: 'e2e-bot', symbol: 'BTCUSDT', mode: 'live', side: 'long' });
  t.comment(bot.texts().join('\n'));
});

// The runner's graceful stop, in-process against the fake (deterministic where the CLI tests race
// the exchange's pushes): stops missing at the moment of shutdown are put back, the core's trailed
// stop is preferred over the plan's, and a refused close is reported, not hidden.
import t from 'tap';
import { SIG, liveBot } from '../helpers/run-fake.ts';
import { formatShutdown } from '../../engine/live/shutdown.ts';

t.test('keep_position: stops gone at shutdown are set again from the core (a trailed stop stays trailed)', async (t) => {
  const bot = await liveBot({ spec: 'test/fixtures/run/trail.yaml' });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  await bot.step(SIG.none, 51000);
  t.equal(bot.fake.position().stopLoss.toFixed(), '50490', 'trailed');
  bot.fake.exchange.setTradingStop({ stopLoss: '0' });
  // Stopping at once: the runner never hears the push, so only the shutdown check can notice.
  const report = await bot.runner.stop({ graceful: true });
  t.equal(bot.fake.position().stopLoss.toFixed(), '50490', 'the trailed stop, not the plan\'s 49500');
  t.match(report, { entriesCancelled: 0, problems: [], position: { side: 'long', kept: true, set: ['stop-loss 50490'] } });
  t.equal(formatShutdown(report!, 'journal flushed'), 'shutdown trail-bot: long 0.01 kept under stop 50490 (stop-loss 50490 set now); journal flushed');
});

t.test('close_position refused by the exchange: the position stays under its stop and the report says so', async (t) => {
  const bot = await liveBot();
  t.teardown(bot.close);
  (bot.plan.run as { onShutdown: string }).onShutdown = 'close_position';
  await bot.step(SIG.long, 50000);
  bot.fake.retCode('/v5/order/create', 110007, 'injected: not enough margin');
  const report = await bot.runner.stop({ graceful: true });
  t.equal(bot.fake.position().size.toFixed(), '0.01');
  t.equal(bot.fake.position().stopLoss.toFixed(), '49500');
  t.equal(report?.problems.length, 1);
  t.match(formatShutdown(report!, 'journal flushed'), /NOT DONE: closing the long at market was refused \(.*not enough margin.*\): 0\.01 is still open under its stop-loss 49500/);
});

t.test('stop without graceful (fatal error, failed start) leaves orders and position alone', async (t) => {
  const bot = await liveBot({ spec: 'test/fixtures/run/limit.yaml' });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  t.equal(await bot.runner.stop(), undefined);
  t.equal(bot.fake.placedOrders()[0]!.status, 'New', 'the next start reconciles it');
});

// The runner's graceful stop, in-process against the fake (deterministic where the CLI tests race
// the exchange's pushes): stops missing at the moment of shutdown are put back, the core's trailed
// stop is preferred over the plan's, and a refused close is reported, not hidden.
import t from 'tap';
import { SIG, liveBot, until } from '../helpers/run-fake.ts';
import { orderStory } from '../helpers/recovery.ts';
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

t.test('the entry filled but its pushes are late when the stop comes: the fill is booked and journaled before the journal closes', async (t) => {
  const bot = await liveBot({ journal: true });
  t.teardown(bot.close);
  await bot.step(SIG.none, 50000);
  // Seed 15 sends the pushes of the next writes after their replies; held 5 s, they reach no one.
  bot.fake.pushTiming = { seed: 15, lagMs: 5000 };
  const c = bot.candle(SIG.long, 50000);
  bot.fake.pushCandle(c);
  await until(() => bot.runner.processed.includes(c.start), 4000, 'the entry candle processed');
  await bot.runner.idle();
  t.equal(bot.fake.position().size.toFixed(), '0.01', 'filled on the exchange');
  t.equal(bot.runner.core.state.position, null, 'the runner has not heard of the fill yet');
  const report = await bot.runner.stop({ graceful: true });
  t.equal(bot.fake.pushDecisions().at(-1), 'after', 'the entry\'s pushes were held');
  t.match(report, { problems: [], position: { side: 'long', kept: true } });
  const db = bot.journal();
  const link = String(bot.fake.orderCreates()[0]!.orderLinkId);
  t.same(orderStory(db, link).filter((s) => s !== 'New'), ['Intent', 'Filled'], 'the order is journaled with its final status');
  t.equal((db.prepare('SELECT count(*) AS n FROM fills').get() as { n: number }).n, 1, 'its fill journaled');
  t.equal(bot.runner.core.state.position?.qty.toFixed(), '0.01', 'the core booked the entry');
  const saved = db.prepare("SELECT state FROM states WHERE kind = 'core' ORDER BY id DESC LIMIT 1").get() as { state: string };
  t.match(JSON.parse(saved.state), /"position":\{"side":"long","qty":\{"\$d":"0\.01"\}/, 'and the saved state, which the next start resumes, holds the position');
  t.ok(bot.notes.some((n) => n.kind === 'entry'), 'the owner is told of the entry');
  const left = db.prepare('SELECT side, qty, stop_loss AS sl, take_profit AS tp FROM positions ORDER BY id DESC LIMIT 1').get();
  t.same(left, { side: 'long', qty: '0.01', sl: '49500', tp: '51000' }, 'the position is journaled as left, under its stops (what botctl status shows)');
});

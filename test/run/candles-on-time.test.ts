// Candles decided on time, through the real client and the real runner: a candle that reveals a
// gap is not dropped when the backfill fails once (it is retried within the candle), and a candle
// whose confirm frame never comes is closed as soon as the stream shows the next one.
import t from 'tap';
import { SIG, assertInvariants, liveBot } from '../helpers/run-fake.ts';

const ws = { pingIntervalMs: 300, pongTimeoutMs: 200, reconnectDelayMs: 100, readyTimeoutMs: 3000, historyRetryMs: 30, backfillWindowMs: 3000 };

t.test('a failed backfill is retried within the candle: the gap and the live candle are decided before the next one', async (t) => {
  const bot = await liveBot({ venue: { ws } });
  t.teardown(bot.close);
  await bot.venue.candlesIdle(); // the catch-up read at subscription is done
  const missed = bot.candle(SIG.long, 50000);
  bot.fake.addCandles([missed]); // the stream never pushed it
  const live = bot.candle(SIG.none, 50100);
  bot.pushed.push(missed.start, live.start);
  bot.fake.httpError('/v5/market/kline', 500, 4); // one whole history read fails (every retry of it)
  bot.fake.pushCandle(live);
  await bot.waitProcessed(live);
  t.same(bot.runner.processed, [missed.start, live.start], 'both decided without waiting for another candle');
  t.equal(bot.fake.placedOrders().length, 1, "the missed candle's signal entered");
  t.match(bot.log.text(), /candle history could not be read; trying again within the candle/);
  t.notMatch(bot.log.text(), /candles missing before this one/, 'no gap left');
  assertInvariants(t, bot);
});

t.test('no confirm frame: the candle is closed from history when the stream moves to the next start', async (t) => {
  const bot = await liveBot({ venue: { ws } });
  t.teardown(bot.close);
  await bot.venue.candlesIdle(); // the catch-up read at subscription is done
  const a = bot.candle(SIG.long, 50000);
  const b = bot.candle(SIG.none, 50100);
  bot.pushed.push(a.start);
  bot.fake.pushCandle(a, { confirm: false });
  bot.fake.pushCandle({ ...b, volume: 1 }, { confirm: false }); // the next candle forming; a's confirm never came
  await bot.waitProcessed(a);
  t.equal(bot.fake.placedOrders().length, 1, "a's signal decided without its confirm frame");
  t.match(bot.log.text(), /the stream moved to the next candle without confirming .*: closed from REST history/);
  bot.fake.pushCandle(a); // the confirm frame arrives late: already decided, not twice
  bot.pushed.push(b.start);
  bot.fake.pushCandle(b);
  await bot.waitProcessed(b);
  t.same(bot.runner.processed, bot.pushed, 'each once, in order');
  t.equal(bot.fake.placedOrders().length, 1);
  assertInvariants(t, bot);
});

t.test("no confirm frame and history not there yet: closed from the stream's last update", async (t) => {
  const bot = await liveBot({ venue: { ws } });
  t.teardown(bot.close);
  await bot.venue.candlesIdle(); // the catch-up read at subscription is done
  await bot.step(SIG.none, 50000);
  // From here the crafted candles lie ahead of the fake's clock: its history calls them still open.
  const a = bot.candle(SIG.long, 50000);
  const b = bot.candle(SIG.none, 50100);
  bot.pushed.push(a.start);
  bot.fake.pushCandle({ ...a, volume: 1, close: 49990, low: 49990 }, { confirm: false });
  bot.fake.pushCandle(a, { confirm: false });
  bot.fake.pushCandle({ ...b, volume: 1 }, { confirm: false });
  await bot.waitProcessed(a);
  t.equal(bot.fake.placedOrders().length, 1, 'decided on the last update of the candle (its volume code says enter)');
  t.match(bot.log.text(), /without confirming .*: closed from the stream's last update/);
  bot.pushed.push(b.start);
  bot.fake.pushCandle(b);
  await bot.waitProcessed(b);
  assertInvariants(t, bot);
});

// Bybit's IP ban (HTTP 403) and rate limits through the real client and the real runner: a ban is
// a long pause that sends nothing, keeps the position under its exchange-side stops and says so;
// an entry or exit the ban stopped is sent when it lifts, once (one order per orderLinkId).
import t from 'tap';
import { SIG, assertInvariants, liveBot, onRequest, until, type LiveBot } from '../helpers/run-fake.ts';

/** order/create requests Bybit answered (a banned one gets HTTP 403 and is never looked at). */
const accepted = (bot: LiveBot) => bot.fake.requestsTo('/v5/order/create').filter((r) => r.httpStatus !== 403).map((r) => r.params);

const BAN_MS = 300;
const venue = { retry: { attempts: 4, baseDelayMs: 10, rateLimitDelayMs: 20, maxDelayMs: 100, random: () => 0.5, ipBanMs: BAN_MS } };

t.test('banned while long: the exit waits for the ban, the stop stays on, one close once it lifts', async (t) => {
  const bot = await liveBot({ venue });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  t.equal(bot.fake.position().size.toFixed(), '0.01');
  bot.fake.banIp(BAN_MS);
  const banAt = Date.now();
  await bot.step(SIG.exitLong, 50100);
  t.equal(bot.fake.position().size.toFixed(), '0.01', 'nothing could be sent: still long');
  t.equal(bot.fake.position().stopLoss.toFixed(), '49500', 'under its exchange-side stop meanwhile');
  const texts = bot.texts().join('\n');
  t.match(texts, /Bybit has banned this machine's IP address \(HTTP 403, too many requests\) until .* UTC: botctl sends nothing until then; the long 0\.01 stays under its exchange-side stop-loss 49500 and take-profit 51000, which Bybit keeps working/);
  t.match(texts, /exit order not sent: Bybit's IP ban lasts until .* UTC; the long is closed then/);
  t.equal(texts.match(/Bybit has banned/g)?.length, 1, 'said once, however many requests it refused');
  t.equal(accepted(bot).length, 1, 'no order got through during the ban, only the entry before it');
  t.ok(bot.fake.requests.filter((r) => r.httpStatus === 403).length <= 2, 'the ban is not hammered');
  await until(() => bot.fake.position().size.isZero(), 3000, 'closed after the ban');
  t.ok(Date.now() - banAt >= BAN_MS, 'not before the ban was over');
  await bot.runner.idle();
  await bot.step(SIG.none, 50100);
  t.equal(bot.runner.core.state.position, null, 'the core is flat too');
  const exits = accepted(bot).filter((b) => b.reduceOnly === true);
  t.equal(exits.length, 1, 'one close');
  t.notOk(bot.notes.some((n) => n.kind === 'error' && /may or may not/.test(n.message)), 'not mistaken for an unanswered order');
  t.ok(bot.notes.some((n) => n.kind === 'protection' && n.protection === 'exchange' && /banned/.test(n.message)), 'the owner is told');
  assertInvariants(t, bot);
});

t.test('banned at an entry signal: the entry goes out when the ban lifts, within its candle', async (t) => {
  const bot = await liveBot({ venue });
  t.teardown(bot.close);
  await bot.step(SIG.none, 50000);
  bot.fake.banIp(BAN_MS);
  await bot.step(SIG.long, 50000);
  t.equal(bot.fake.placedOrders().length, 0, 'not sent during the ban');
  t.match(bot.texts().join('\n'), /entry order not sent: Bybit's IP ban lasts until .* UTC; it is sent then if no newer candle has closed/);
  t.match(bot.texts().join('\n'), /no position is open/);
  await until(() => bot.fake.position().size.gt(0), 3000, 'entered after the ban');
  await until(() => bot.runner.core.state.position !== null, 2000, 'the core has the position');
  t.equal(bot.fake.position().stopLoss.toFixed(), '49500', 'with its stop');
  t.equal(accepted(bot).length, 1, 'sent once');
  await bot.step(SIG.none, 50000);
  assertInvariants(t, bot);
});

t.test('a ban that outlasts the candle: the stale entry is dropped with the reason, the next signal enters', async (t) => {
  const bot = await liveBot({ venue: { retry: { ...venue.retry, ipBanMs: 600 } } });
  t.teardown(bot.close);
  bot.fake.banIp(600);
  await bot.step(SIG.long, 50000);
  await bot.step(SIG.none, 50000);
  await until(() => bot.texts().some((x) => /entry order rejected: not sent: Bybit's IP ban lasted past the candle it was decided on/.test(x)), 3000, 'stale entry dropped');
  t.equal(bot.fake.placedOrders().length, 0, 'never sent');
  await bot.step(SIG.long, 50000);
  t.equal(bot.fake.position().size.toFixed(), '0.01', 'the next signal enters');
  assertInvariants(t, bot);
});

t.test('banned between two attempts of an exit: the retry waits for the ban, then closes once', async (t) => {
  const bot = await liveBot({ venue });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  bot.fake.httpError('/v5/order/create', 502, 4); // the first attempt never reaches the exchange
  let banAt = 0;
  onRequest(bot.fake, (req) => {
    // The retry re-reads the position first: Bybit bans the IP just then (403 from this request on).
    const failedCreates = bot.fake.requestsTo('/v5/order/create').filter((r) => r.httpStatus === 502).length;
    if (!banAt && failedCreates === 4 && req.path === '/v5/position/list') {
      bot.fake.banIp(BAN_MS);
      banAt = Date.now();
    }
  });
  await bot.step(SIG.exitLong, 50100);
  await until(() => bot.fake.position().size.isZero(), 3000, 'closed after the ban');
  t.ok(banAt > 0, 'the retry met the ban');
  t.ok(Date.now() - banAt >= BAN_MS, 'not before the ban was over');
  await bot.runner.idle();
  t.match(bot.texts().join('\n'), /exit order not sent: Bybit's IP ban lasts until .* UTC; the long is closed then/);
  t.equal(bot.fake.placedOrders().filter((o) => o.reduceOnly).length, 1, 'one close');
  await bot.step(SIG.none, 50100);
  t.equal(bot.runner.core.state.position, null, 'the core is flat too');
  assertInvariants(t, bot);
});

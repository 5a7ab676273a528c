// Bybit's request limits through the real client: the rate-limit headers are read
// (parseAPIRateLimits), a spent budget waits for X-Bapi-Limit-Reset-Timestamp, a 10006 is retried
// at that time, HTTP 403 (IP ban) stops every request until the ban has passed, and lost streams
// reconnect with a growing delay, logged once per loss.
import t from 'tap';
import { VenueBannedError } from '../../engine/venue/errors.ts';
import { ReconnectSchedule } from '../../engine/venue/bybit/clients.ts';
import { d, setup, until } from '../fake-bybit/harness.ts';

const market = (id: string) => ({ orderLinkId: id, side: 'buy' as const, type: 'market' as const, qty: d('0.001') });

/** Retry sleeps that move the fake's clock instead of waiting: no real time passes. */
function fakeClockSleeps() {
  const waits: number[] = [];
  const holder: { fake?: { clockOffsetMs: number } } = {};
  const retry = {
    attempts: 4, baseDelayMs: 10, rateLimitDelayMs: 40, maxDelayMs: 2000, random: () => 0.5,
    sleep: async (ms: number) => {
      waits.push(ms);
      if (holder.fake) holder.fake.clockOffsetMs += ms;
    },
  };
  return { waits, holder, retry };
}

t.test('a spent request budget waits for the reset Bybit announced instead of being refused', async (t) => {
  const { waits, holder, retry } = fakeClockSleeps();
  const s = await setup({ fake: { price: 50000 }, venue: { retry } });
  t.teardown(s.close);
  holder.fake = s.fake;
  s.fake.limits.limits.set('/v5/order/create', 2);
  await s.venue.placeOrder(market('budget-1'));
  await s.venue.placeOrder(market('budget-2'));
  await s.venue.placeOrder(market('budget-3'));
  const codes = s.fake.requestsTo('/v5/order/create').map((r) => r.retCode);
  t.same(codes, [0, 0, 0], 'never refused: the third waited until the window freed up');
  t.equal(waits.length, 1, 'one wait, before the third order');
  t.ok(waits[0]! > 0 && waits[0]! <= 1000, `waited ${waits[0]} ms, within Bybit's one-second window`);
  t.match(s.logText(), /order\/create: request budget spent; waiting \d+ ms/);
});

t.test('10006 with a reset timestamp: retried when Bybit said, not after a guessed delay', async (t) => {
  const { waits, holder, retry } = fakeClockSleeps();
  const s = await setup({ fake: { price: 50000 }, venue: { retry } });
  t.teardown(s.close);
  holder.fake = s.fake;
  // Someone else on the account (another bot) spent the budget just now.
  const now = s.fake.now();
  for (let i = 0; i < 10; i++) s.fake.limits.take('/v5/order/create', now);
  await s.venue.placeOrder(market('reset-1'));
  const reqs = s.fake.requestsTo('/v5/order/create');
  t.same(reqs.map((r) => r.retCode), [10006, 0], 'refused once, then placed');
  t.equal(waits.length, 1);
  // The guessed delay would be the rate-limit base (40 ms in this harness); Bybit's reset is ~1 s away.
  t.ok(waits[0]! > 500 && waits[0]! <= 1020, `waited ${waits[0]} ms until the announced reset`);
  t.equal(s.fake.placedOrders().length, 1);
});

t.test('HTTP 403 (IP ban): no retries, nothing sent until the ban is over, then requests go again', async (t) => {
  const s = await setup({ fake: { price: 50000 }, venue: { retry: { attempts: 4, baseDelayMs: 10, rateLimitDelayMs: 40, maxDelayMs: 200, random: () => 0.5, ipBanMs: 150 } } });
  t.teardown(s.close);
  s.fake.banIp(100);
  const before = s.fake.requests.length;
  const err = await s.venue.position().catch((e: unknown) => e);
  t.ok(err instanceof VenueBannedError, 'a typed ban error');
  t.match((err as Error).message, /banned this machine's IP address \(HTTP 403.*no request is sent until .* UTC/);
  t.equal(s.fake.requests.length - before, 1, 'one request, not retried');
  // While banned, nothing reaches Bybit: hammering would only extend the ban.
  await t.rejects(s.venue.placeOrder(market('ban-1')), VenueBannedError);
  await t.rejects(s.venue.equity(), VenueBannedError);
  t.equal(s.fake.requests.length - before, 1, 'nothing more was sent');
  t.equal(s.fake.placedOrders().length, 0);
  t.match(s.logText(), /Bybit banned this machine's IP address \(HTTP 403 on position\/list\)/);
  await until(() => s.venue['caller'].bannedUntil < Date.now(), 2000, 'ban over');
  const pos = await s.venue.position();
  t.equal(pos.side, 'flat', 'requests work again after the ban');
});

t.test('reconnect delays: doubling from the first, equal jitter, capped; a stable connection starts over', async (t) => {
  let now = 0;
  let jitter = 1;
  const s = new ReconnectSchedule(20, { maxDelayMs: 320, random: () => jitter, now: () => now });
  /** A dead network: `n` attempts, each scheduled, then failing (bybit-api's order: schedule, then 'reconnect'). */
  const attempts = (n: number) => Array.from({ length: n }, () => {
    const ms = s.next('k');
    s.lost('k');
    return ms;
  });
  s.up('k');
  t.same(attempts(7), [20, 40, 80, 160, 320, 320, 320], 'each failure doubles the delay, up to the ceiling');
  s.up('k');
  now += 319;
  t.same(attempts(1), [320], 'a connection that dropped within the ceiling\'s length keeps backing off');
  s.up('k');
  now += 320;
  t.same(attempts(3), [20, 40, 80], 'one that stayed up that long starts over from the first delay');
  jitter = 0;
  t.same(attempts(1), [80], 'equal jitter: never less than half the delay');
  jitter = 0.5;
  t.same(attempts(1), [240], '…and in between (320 × 0.75)');
  t.same(attempts(1).concat(new ReconnectSchedule(20, { maxDelayMs: 320, random: () => 1 }).next('other')), [240, 20], 'per socket');
});

t.test('network down: stream reconnects back off, logged once per loss', async (t) => {
  const s = await setup({ venue: { ws: { pingIntervalMs: 300, pongTimeoutMs: 200, reconnectDelayMs: 5, maxReconnectDelayMs: 80, readyTimeoutMs: 8000 } } });
  t.teardown(s.close);
  const unsub = await s.venue.subscribeCandles(() => {});
  t.teardown(unsub);
  await until(() => s.fake.subscribers('linear') > 0, 3000, 'subscribed');
  const before = s.fake.connectCount('linear');
  s.fake.refuseConnections = true;
  s.fake.dropSockets('linear');
  // The delays the client schedules (bybit-api logs each at debug level), not wall-clock gaps.
  const scheduled = () => s.logText().split('\n').filter((l) => l.includes('v5LinearPublic') && l.includes('connectionDelayMs'))
    .map((l) => Number((JSON.parse(l) as { connectionDelayMs: number }).connectionDelayMs));
  await until(() => scheduled().length >= 8, 10_000, 'eight attempts scheduled');
  const delays = scheduled().slice(0, 8);
  // Waited on the scheduling, never on a duration, so the machine's load does not matter. After
  // k failures a delay is between half and all of min(5 × 2^k, 80) ms (the exact sequence: the
  // test above); bybit-api schedules a refused attempt at most twice (its connect error and its
  // close), so the eighth delay comes after at least four failures.
  t.ok(delays[0]! <= 5, `the first retry comes soon (${delays.join(', ')})`);
  t.ok(delays.every((ms) => ms <= 80), `never above the 80 ms ceiling: ${delays.join(', ')}`);
  t.ok(delays[7]! >= 40, `the back-off has reached the ceiling's range: ${delays.join(', ')}`);
  s.fake.refuseConnections = false;
  await until(() => s.fake.connectCount('linear') > before && /stream reconnected/.test(s.logText()), 5000, 'back');
  const lost = s.logText().split('\n').filter((l) => l.includes('stream connection lost; reconnecting') && l.includes('"market"'));
  t.equal(lost.length, 1, `one "connection lost" line for ${scheduled().length} scheduled attempts`);
  t.match(s.logText(), /"stream":"market","downMs":\d+,"msg":"stream reconnected"/);
});

t.test("Bybit's idle disconnect (10 minutes without a ping or data; shortened here): the client's pings keep it open", async (t) => {
  const s = await setup({ venue: { ws: { pingIntervalMs: 100, pongTimeoutMs: 200, reconnectDelayMs: 50, readyTimeoutMs: 3000 } } });
  t.teardown(s.close);
  const before = s.fake.connectCount('private');
  s.fake.idleTimeoutMs = 400;
  t.teardown(() => void (s.fake.idleTimeoutMs = 0));
  // A client that never pings is cut by the server...
  const { WebSocket } = await import('ws');
  const quiet = new WebSocket(`${s.fake.wsBase}/v5/public/linear`);
  const closed = new Promise<number>((r) => quiet.on('close', (code) => r(code)));
  t.equal(await closed, 1000, 'a connection that sends nothing is closed');
  // ...while the venue's account stream, pinging every 100 ms, was never dropped.
  t.equal(s.fake.connectCount('private'), before, 'no reconnect of the pinging stream');
  t.equal(s.fake.subscribers('private'), 1);
});

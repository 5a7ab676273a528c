// Candle history paging and the live kline stream: closed candles only, each exactly once, in
// order, across malformed frames, duplicates, dropped sockets and dead (pong-less) connections.
import t, { type Test } from 'tap';
import type { Candle } from '../../engine/market/candle.ts';
import { MINUTE, currentMinute, minuteCandles, setup, until } from '../fake-bybit/harness.ts';

function assertSequence(t: Test, got: Candle[], expected: Candle[]): void {
  t.same(got.map((c) => c.start), expected.map((c) => c.start), 'every candle once, in order');
  t.same(got, expected, 'with the published values');
}

t.test('history: 2500 closed candles come back complete over >1000-candle pages', async (t) => {
  const now = currentMinute();
  // Closed candles up to the previous minute, plus the still-forming current one.
  const closed = minuteCandles(2500, now - MINUTE);
  const s = await setup({ fake: { candles: closed } });
  t.teardown(s.close);
  s.fake.pushCandle({ start: now, open: 1, high: 2, low: 1, close: 2, volume: 1 }, { confirm: false, keepPrice: true });

  const got = await s.venue.recentClosedCandles(2200);
  t.equal(got.length, 2200);
  assertSequence(t, got, closed.slice(-2200));
  t.notOk(got.some((c) => c.start === now), 'the open candle is excluded');

  const pages = s.fake.requestsTo('/v5/market/kline');
  t.ok(pages.length >= 3, `paged (${pages.length} requests)`);
  for (const p of pages) {
    t.ok(Number(p.params.limit) <= 1000, 'limit ≤ 1000');
    const span = Number(p.params.end) - Number(p.params.start);
    t.ok(span <= 999 * MINUTE, 'each window holds at most one page');
  }

  // An explicit range is inclusive on both ends and exact.
  const from = closed[100]!.start;
  const to = closed[1500]!.start;
  const range = await s.venue.closedCandles(from, to);
  assertSequence(t, range, closed.slice(100, 1501));
});

t.test('history: fewer candles than asked (new listing) returns what exists', async (t) => {
  const closed = minuteCandles(30, currentMinute() - MINUTE);
  const s = await setup({ fake: { candles: closed } });
  t.teardown(s.close);
  const got = await s.venue.recentClosedCandles(500);
  assertSequence(t, got, closed);
});

/** History up to 100 minutes ago; the "live" candles continue from there (all already in the past). */
function liveSetup() {
  const lastHistory = currentMinute() - 100 * MINUTE;
  const history = minuteCandles(50, lastHistory);
  const live = minuteCandles(20, lastHistory + 20 * MINUTE, 51000);
  return { history, live, lastHistory };
}

t.test('stream: only confirmed candles are delivered; in-progress updates, junk and duplicates are skipped', async (t) => {
  const { history, live, lastHistory } = liveSetup();
  const s = await setup({ fake: { candles: history } });
  t.teardown(s.close);
  const got: Candle[] = [];
  await s.venue.subscribeCandles((c) => { got.push(c); }, lastHistory);
  await s.venue.candlesIdle(); // the initial catch-up is done

  const [a, b, c] = [live[0]!, live[1]!, live[2]!];
  s.fake.pushCandle({ ...a, close: a.open }, { confirm: false });
  s.fake.pushCandle(a, { confirm: true, duplicate: true });
  s.fake.sendRaw('public', 'this is not json');
  s.fake.sendRaw('public', JSON.stringify({ topic: `kline.1.BTCUSDT`, type: 'snapshot', ts: 1, data: [{ start: b.start, confirm: true, interval: '1', open: 'x' }] }));
  s.fake.sendRaw('public', JSON.stringify({ topic: `kline.1.BTCUSDT`, type: 'snapshot', ts: 1, data: 'nope' }));
  s.fake.pushCandle(b, { confirm: false });
  s.fake.pushCandle(b);
  s.fake.pushCandle(a); // late duplicate of an old candle
  s.fake.pushCandle(c);
  await until(() => got.length >= 3, 8000, 'three candles');
  await s.venue.candlesIdle();
  assertSequence(t, got, [a, b, c]);
  const stats = s.venue.streamStats();
  t.equal(stats.duplicates, 2, 'the duplicate frame and the late repeat');
  t.equal(stats.malformed['kline-frame'], 2, 'bad fields and a non-list data are counted');
  t.equal(stats.malformed['unparseable-frame'], 1, 'non-JSON frame counted');
  const warnings = s.logText().split('\n').filter((l) => l.includes('malformed Bybit message (kline-frame)'));
  t.equal(warnings.length, 1, 'logged once per kind, not per frame');
});

t.test('stream: a gap in pushes is filled from REST before newer candles', async (t) => {
  const { history, live, lastHistory } = liveSetup();
  const s = await setup({ fake: { candles: history } });
  t.teardown(s.close);
  const got: Candle[] = [];
  await s.venue.subscribeCandles((c) => { got.push(c); }, lastHistory);
  await s.venue.candlesIdle(); // the initial catch-up is done
  s.fake.pushCandle(live[0]!);
  await until(() => got.length === 1, 8000, 'first candle');
  s.fake.addCandles([live[1]!, live[2]!]); // closed while no push reached us
  s.fake.pushCandle(live[3]!);
  await until(() => got.length >= 4, 8000, 'four candles');
  await s.venue.candlesIdle();
  assertSequence(t, got, live.slice(0, 4));
  t.equal(s.venue.streamStats().backfilled, 2);
});

t.test('stream: subscribing after a bootstrap delivers candles that closed in between', async (t) => {
  const { history, live, lastHistory } = liveSetup();
  const s = await setup({ fake: { candles: [...history, live[0]!, live[1]!] } });
  t.teardown(s.close);
  const got: Candle[] = [];
  await s.venue.subscribeCandles((c) => { got.push(c); }, lastHistory);
  await s.venue.candlesIdle(); // the initial catch-up is done
  await until(() => got.length >= 2, 8000, 'catch-up');
  s.fake.pushCandle(live[1]!); // the stream repeats the newest: not delivered twice
  s.fake.pushCandle(live[2]!);
  await until(() => got.length >= 3, 8000, 'live candle');
  await s.venue.candlesIdle();
  assertSequence(t, got, live.slice(0, 3));
});

t.test('stream: the fake drops the socket; candles closed meanwhile are backfilled exactly once', async (t) => {
  const { history, live, lastHistory } = liveSetup();
  const s = await setup({ fake: { candles: history } });
  t.teardown(s.close);
  const got: Candle[] = [];
  await s.venue.subscribeCandles((c) => { got.push(c); }, lastHistory);
  await s.venue.candlesIdle(); // the initial catch-up is done
  s.fake.pushCandle(live[0]!);
  await until(() => got.length === 1, 8000, 'first candle');

  const topic = 'kline.1.BTCUSDT';
  t.equal(s.fake.dropSockets('public'), 1);
  // Pushed while we're disconnected: nobody receives these frames.
  t.equal(s.fake.pushCandle(live[1]!), 0);
  t.equal(s.fake.pushCandle(live[2]!), 0);
  await until(() => s.fake.subscribers('linear', topic) === 1, 8000, 'resubscribe after reconnect');
  await until(() => got.length >= 3, 8000, 'backfill');
  s.fake.pushCandle(live[2]!); // a repeat right after reconnect
  s.fake.pushCandle(live[3]!);
  await until(() => got.length >= 4, 8000, 'live again');
  await s.venue.candlesIdle();
  assertSequence(t, got, live.slice(0, 4));
  t.ok(s.events.some((e) => e.kind === 'connection' && e.stream === 'market' && e.state === 'down'));
  t.ok(s.events.some((e) => e.kind === 'connection' && e.stream === 'market' && e.state === 'up'));
});

t.test('stream: withheld pongs make the client reconnect; nothing is lost or repeated', async (t) => {
  const { history, live, lastHistory } = liveSetup();
  const s = await setup({ fake: { candles: history } });
  t.teardown(s.close);
  const got: Candle[] = [];
  await s.venue.subscribeCandles((c) => { got.push(c); }, lastHistory);
  await s.venue.candlesIdle(); // the initial catch-up is done
  s.fake.pushCandle(live[0]!);
  await until(() => got.length === 1, 8000, 'first candle');

  const connects = s.fake.connectCount('linear');
  s.fake.withholdPongs = true;
  await until(() => s.fake.connectCount('linear') > connects, 8000, 'pong-timeout reconnect');
  s.fake.withholdPongs = false;
  // Closed during the outage, never pushed.
  s.fake.addCandles([live[1]!, live[2]!]);
  await until(() => s.fake.subscribers('linear', 'kline.1.BTCUSDT') === 1, 8000, 'resubscribed');
  s.fake.pushCandle(live[3]!);
  await until(() => got.length >= 4, 8000, 'all four');
  await s.venue.candlesIdle();
  assertSequence(t, got, live.slice(0, 4));
});

t.test('stream: a stalled (half-open) socket is detected and replaced', async (t) => {
  const { history, live, lastHistory } = liveSetup();
  const s = await setup({ fake: { candles: history } });
  t.teardown(s.close);
  const got: Candle[] = [];
  await s.venue.subscribeCandles((c) => { got.push(c); }, lastHistory);
  await s.venue.candlesIdle(); // the initial catch-up is done
  const connects = s.fake.connectCount('linear');
  s.fake.stallSockets('public');
  s.fake.pushCandle(live[0]!); // swallowed by the stalled socket
  await until(() => s.fake.connectCount('linear') > connects, 8000, 'reconnect');
  await until(() => got.length >= 1, 8000, 'backfilled candle');
  s.fake.pushCandle(live[1]!);
  await until(() => got.length >= 2, 8000, 'live candle');
  await s.venue.candlesIdle();
  assertSequence(t, got, live.slice(0, 2));
});

t.test('stream: a hole Bybit history cannot fill is reported, and the stream goes on', async (t) => {
  const { history, live, lastHistory } = liveSetup();
  const s = await setup({ fake: { candles: history } });
  t.teardown(s.close);
  const got: Candle[] = [];
  await s.venue.subscribeCandles((c) => { got.push(c); }, lastHistory);
  await s.venue.candlesIdle();
  s.fake.pushCandle(live[0]!);
  await until(() => got.length === 1, 8000, 'first');
  // live[1] never existed anywhere; live[2] arrives.
  s.fake.pushCandle(live[2]!);
  await until(() => got.length === 2, 8000, 'second');
  await s.venue.candlesIdle();
  assertSequence(t, got, [live[0]!, live[2]!]);
  t.match(s.logText(), /no candles for a stretch/);
  t.ok(s.fake.requestsTo('/v5/market/kline').length >= 2, 'looked twice before giving up');
});

// Kline download against a local fake of GET /v5/market/kline (never the real network): explicit
// 1000-candle windows, newest-first pages put in order, duplicates dropped, the forming candle
// left out, complete windows cached on disk and not fetched again.
import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { downloadCandles } from '../../engine/backtest/download.ts';
import type { Candle } from '../../engine/market/candle.ts';
import { klineServer, priceAt } from '../helpers/kline-server.ts';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

t.test('downloads in explicit windows, in order, without duplicates; caches complete windows', async (t) => {
  const fake = await klineServer(t);
  const cacheDir = t.testdir();
  const from = T0 + 500 * H;
  const to = T0 + 2600 * H; // spans 3 windows of 1000 hours
  const now = T0 + 3100 * H; // all three windows have closed
  const got: Candle[] = [];
  const req = { category: 'linear' as const, symbol: 'BTCUSDT', interval: '60' as const, from, to, cacheDir, baseUrl: fake.baseUrl, now };
  const s = await downloadCandles(req, (c) => got.push(c));
  t.equal(got.length, 2100);
  t.equal(got[0]!.start, from);
  t.equal(got[got.length - 1]!.start, to - H);
  t.ok(got.every((c, i) => i === 0 || c.start - got[i - 1]!.start === H), 'in order, no duplicates, no holes');
  t.equal(got[7]!.close, priceAt(got[7]!.start) + 1);
  t.equal(s.downloaded, 3);
  t.equal(fake.seen.length, 3);
  for (const q of fake.seen) {
    t.equal(q.limit, '1000');
    t.equal(Number(q.end) - Number(q.start), 1000 * H - 1, 'explicit window of exactly 1000 candles');
    t.equal(Number(q.start) % (1000 * H), 0, 'windows aligned, so cache keys repeat');
  }
  t.equal(readdirSync(join(cacheDir, 'linear', 'BTCUSDT', '60')).length, 3);

  const again: Candle[] = [];
  const s2 = await downloadCandles(req, (c) => again.push(c));
  t.equal(fake.seen.length, 3, 'second run served from the cache');
  t.equal(s2.fromCache, 3);
  t.same(again, got);
});

t.test('the still-forming candle and windows not yet closed are not cached', async (t) => {
  const fake = await klineServer(t);
  const cacheDir = t.testdir();
  const now = T0 + 1500 * H + 30 * 60_000; // mid-candle
  const got: Candle[] = [];
  await downloadCandles({ category: 'spot', symbol: 'ETHUSDT', interval: '60', from: T0 + 1000 * H, to: now + 5 * H, cacheDir, baseUrl: fake.baseUrl, now }, (c) => got.push(c));
  t.equal(got[got.length - 1]!.start, T0 + 1499 * H, 'the candle opened at 1500 h has not closed');
  await downloadCandles({ category: 'spot', symbol: 'ETHUSDT', interval: '60', from: T0 + 1000 * H, to: now, cacheDir, baseUrl: fake.baseUrl, now }, () => {});
  t.equal(fake.seen.length, 2, 'an incomplete window is fetched every time');
});

t.test('gaps in the exchange data are counted', async (t) => {
  const fake = await klineServer(t, { missing: new Set([T0 + 10 * H, T0 + 11 * H, T0 + 50 * H]) });
  const s = await downloadCandles({ category: 'linear', symbol: 'BTCUSDT', interval: '60', from: T0, to: T0 + 100 * H, cacheDir: t.testdir(), baseUrl: fake.baseUrl, now: T0 + 5000 * H }, () => {});
  t.equal(s.count, 97);
  t.same(s.gaps, { count: 2, first: { after: T0 + 9 * H, before: T0 + 12 * H } });
});

t.test('exchange refusals and unreachable hosts are user errors with a hint', async (t) => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ retCode: 10001, retMsg: 'params error: symbol invalid', result: {}, retExtInfo: {}, time: 0 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const base = { category: 'linear' as const, symbol: 'NOPEUSDT', interval: '60' as const, from: T0, to: T0 + 10 * H, cacheDir: t.testdir(), now: T0 + 5000 * H };
  await t.rejects(downloadCandles({ ...base, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }, () => {}), { name: 'UserError', message: /Bybit refused the kline request for NOPEUSDT \(linear\): params error: symbol invalid \(code 10001\)/ });
  await t.rejects(downloadCandles({ ...base, baseUrl: 'http://127.0.0.1:1' }, () => {}), { name: 'UserError', message: /could not download candles from Bybit .*\n  hint: check the network, or backtest offline with --data FILE.csv/ });
});

t.test('botctl backtest --from/--to downloads (from the fake), caches, and backtests', async (t) => {
  const { main } = await import('../../engine/cli/main.ts');
  const fake = await klineServer(t);
  const cacheDir = t.testdir();
  const args = ['backtest', 'bots/btc-ema.yaml', '--from', '2024-01-01', '--to', '2024-03-01', '--bybit-url', fake.baseUrl, '--cache-dir', cacheDir];
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  t.equal(code, 0, err);
  // Jan + Feb 2024 = 60 days = 1440 hourly candles
  t.match(out, /btc-ema: BTCUSDT linear 1h, 2024-01-01 00:00 → 2024-02-29 23:00 UTC, 1440 candles/);
  const requests = fake.seen.length;
  t.ok(requests >= 2);
  const again = await main(args, { out: () => {}, err: () => {} });
  t.equal(again, 0);
  t.equal(fake.seen.length, requests, 'the second run reads the cache only');
});

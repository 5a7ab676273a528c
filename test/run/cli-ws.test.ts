// `botctl run --live` as a user runs it (child process): its
// orders go over the trade socket, and over REST when Bybit refuses the socket's login.
import t, { type Test } from 'tap';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Candle } from '../../engine/market/candle.ts';
import { FakeBybit } from '../fake-bybit/index.ts';
import { MINUTE, currentMinute, until } from '../fake-bybit/harness.ts';
import { botctl } from '../helpers/run-cli.ts';

/** A fake whose clock puts three history candles just behind "now" (see run-fake.ts), and a bot dir. */
async function liveSetup(t: Test, prepare: (fake: FakeBybit) => void = () => {}) {
  const first = currentMinute() - 12 * MINUTE;
  const history: Candle[] = [0, 1, 2].map((i) => ({ start: first + i * MINUTE, open: 50000, high: 50000, low: 50000, close: 50000, volume: 1 }));
  const fake = await FakeBybit.start({ interval: '1', candles: history, price: 50000 });
  fake.clockOffsetMs = first + 4 * MINUTE + 10_000 - Date.now();
  t.teardown(() => fake.close());
  prepare(fake);
  const dir = t.testdir({});
  copyFileSync('test/fixtures/run/e2e.yaml', join(dir, 'e2e.yaml'));
  copyFileSync('test/fixtures/run/volume-signals.mjs', join(dir, 'volume-signals.mjs'));
  const run = botctl(['run', 'e2e.yaml', '--live'], {
    cwd: dir,
    env: { BOTCTL_BYBIT_REST_URL: fake.restUrl, BOTCTL_BYBIT_WS_URL: fake.wsBase, BOTCTL_BYBIT_FAST_TIMERS: '1', BYBIT_API_KEY: fake.apiKey, BYBIT_API_SECRET: fake.apiSecret },
  });
  t.teardown(() => void (run.proc.exitCode === null && run.proc.kill('SIGKILL')));
  const candle = (i: number, volume: number, price = 50000): Candle => ({ start: first + (3 + i) * MINUTE, open: price, high: price, low: price, close: price, volume });
  return { fake, run, candle };
}

const routes = (fake: FakeBybit) => fake.requestsTo('/v5/order/create').map((r) => r.method);

t.test('botctl run --live: entry and exit over the trade socket, none over REST', async (t) => {
  const { fake, run, candle } = await liveSetup(t);
  await run.waitFor(/waiting for closed candles/);
  await until(() => fake.subscribers('linear') > 0, 3000, 'candle stream');
  t.match(run.stderr(), /trade socket logged in; orders go over WebSocket/);
  fake.pushCandle(candle(0, 11));
  await until(() => fake.position().size.gt(0), 5000, 'entry filled');
  await run.waitFor(/entry order placed/);
  t.equal(fake.position().stopLoss.toFixed(), '49500', 'the position carries its stop-loss');
  fake.pushCandle(candle(1, 12, 50100));
  await until(() => fake.position().size.isZero(), 5000, 'closed');
  await run.waitFor(/EXIT LONG signal closing the long/);
  t.same(routes(fake), ['WS', 'WS'], 'both orders over the socket');
  t.equal(new Set(fake.placedOrders().map((o) => o.orderLinkId)).size, 2, 'two orders, two orderLinkIds');
  run.proc.kill('SIGINT');
  t.equal(await run.exit, 0, run.stderr());
  t.equal(fake.subscribers('all'), 0, 'no stream left subscribed');
});

t.test('botctl run --live with the trade login refused: orders over REST, said once, the secret never printed', async (t) => {
  const { fake, run, candle } = await liveSetup(t, (f) => void (f.rejectTradeAuth = true));
  await run.waitFor(/waiting for closed candles/, 15_000);
  await until(() => fake.subscribers('linear') > 0, 3000, 'candle stream');
  fake.pushCandle(candle(0, 11));
  await until(() => fake.position().size.gt(0), 5000, 'entry filled');
  await run.waitFor(/entry order placed/);
  t.same(routes(fake), ['POST'], 'the entry over REST');
  t.equal(fake.position().stopLoss.toFixed(), '49500');
  run.proc.kill('SIGINT');
  await run.exit;
  const out = run.stdout() + run.stderr();
  t.equal((out.match(/Bybit refused the trade socket login; placing orders over REST/g) ?? []).length, 1, 'said once');
  t.notOk(out.includes(fake.apiSecret), 'the secret never appears in the output');
});

// "Write the intent, then place the order": an order the journal could not write down is never sent,
// because after a crash nothing would know it exists.
import t from 'tap';
import type { Candle } from '../../engine/market/candle.ts';
import { BybitVenue } from '../../engine/venue/bybit/index.ts';
import { BotRunner } from '../../engine/live/runner.ts';
import type { RunRecorder } from '../../engine/live/types.ts';
import { instantiateStrategy } from '../../engine/strategy/load.ts';
import { FakeBybit } from '../fake-bybit/index.ts';
import { MINUTE, currentMinute, until } from '../fake-bybit/harness.ts';
import { captureLog, planOf } from '../helpers/run.ts';

t.test('the journal refuses the intent: no order reaches the exchange, the core is told the entry failed', async (t) => {
  const first = currentMinute() - 12 * MINUTE;
  const history: Candle[] = [0, 1, 2].map((i) => ({ start: first + i * MINUTE, open: 50000, high: 50000, low: 50000, close: 50000, volume: 1 }));
  const fake = await FakeBybit.start({ interval: '1', candles: history, price: 50000 });
  fake.clockOffsetMs = first + 4 * MINUTE + 10_000 - Date.now();
  const plan = await planOf('test/fixtures/run/e2e.yaml');
  const log = captureLog('info');
  const errors: string[] = [];
  const recorder: RunRecorder = {
    decision: () => {},
    error: (m) => void errors.push(m),
    orderIntent: () => {
      throw new Error('SQLITE_FULL: database or disk is full');
    },
  };
  const venue = new BybitVenue({
    network: 'testnet', category: 'linear', symbol: 'BTCUSDT', interval: '1', key: fake.apiKey, secret: fake.apiSecret,
    restBaseUrl: fake.restUrl, wsBaseUrl: fake.wsBase, logger: log.logger, httpTimeoutMs: 400,
    retry: { attempts: 2, baseDelayMs: 10, rateLimitDelayMs: 20, maxDelayMs: 100, random: () => 0.5 },
    ws: { pingIntervalMs: 300, pongTimeoutMs: 200, reconnectDelayMs: 100, readyTimeoutMs: 3000 },
  });
  const runner = new BotRunner({ plan, strategy: await instantiateStrategy(plan), venue, log: log.logger, mode: 'live', recorder });
  t.teardown(async () => {
    await runner.stop();
    await fake.close();
  });
  await runner.start();
  fake.pushCandle({ start: first + 3 * MINUTE, open: 50000, high: 50000, low: 50000, close: 50000, volume: 11 });
  await until(() => runner.processed.length === 1, 4000, 'candle processed');
  await runner.idle();
  t.equal(fake.orderCreates().length, 0, 'nothing sent');
  t.equal(runner.core.state.entryOrder, null, 'the core does not wait for an order that does not exist');
  t.equal(runner.core.state.position, null);
  t.match(log.text(), /journal write failed: the order is not sent/);
  t.ok(runner.decisions.some((d) => /not sent: the journal could not record it first \(SQLITE_FULL/.test(d.text)), runner.decisions.map((d) => d.text).join('\n'));
});

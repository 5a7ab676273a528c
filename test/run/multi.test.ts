// Several bots in one process: each keeps its own state, bots on the same market share one
// candle stream.
import t from 'tap';
import type { Candle } from '../../engine/market/candle.ts';
import { startSession } from '../../engine/live/session.ts';
import { FakeBybit } from '../fake-bybit/index.ts';
import { MINUTE, currentMinute, until } from '../fake-bybit/harness.ts';
import { captureLog, planOf } from '../helpers/run.ts';

t.test('two paper bots on one market: one shared stream, separate decisions and accounts', async (t) => {
  const first = currentMinute() - 12 * MINUTE;
  const history: Candle[] = [0, 1, 2].map((i) => ({ start: first + i * MINUTE, open: 50000, high: 50000, low: 50000, close: 50000, volume: 1 }));
  const fake = await FakeBybit.start({ interval: '1', candles: history, price: 50000 });
  fake.clockOffsetMs = first + 4 * MINUTE + 10_000 - Date.now();
  t.teardown(() => fake.close());
  const plans = [await planOf('test/fixtures/run/e2e.yaml'), await planOf('test/fixtures/run/limit.yaml')];
  const session = await startSession({ plans, mode: 'paper', log: captureLog().logger, restUrl: fake.restUrl, wsUrl: fake.wsBase });
  t.teardown(() => session.stop());
  t.equal(fake.connectCount('linear'), 1, 'one market connection for both bots');
  t.equal(fake.subscribers('linear', 'kline.1.BTCUSDT'), 1);

  const c = (i: number, volume: number, low = 50000): Candle => ({ start: first + (3 + i) * MINUTE, open: 50000, high: 50000, low, close: 50000, volume });
  fake.pushCandle(c(0, 11));
  fake.pushCandle(c(1, 1, 49000));
  const [market, limit] = session.runners as [typeof session.runners[0], typeof session.runners[0]];
  await until(() => market.processed.length === 2 && limit.processed.length === 2, 3000, 'both bots processed both candles');
  await market.idle();
  await limit.idle();
  t.match(market.decisions.map((d) => d.text).join('\n'), /entering long 0.01 market/);
  t.match(limit.decisions.map((d) => d.text).join('\n'), /entering long 0.01 limit 49750/);
  // The dip to 49000 fills both (simulated): the market bot at the open, the limit bot at 49750,
  // and both hit their own stops on the same candle (filled 0.02% worse: simulated slippage).
  t.match(market.decisions.at(-1)?.text, /closed by stop-loss at 49490.1/);
  t.match(limit.decisions.at(-1)?.text, /closed by stop-loss at 49242.6/);
  t.not(market.status().equity.toFixed(), limit.status().equity.toFixed(), 'each bot has its own account');
  t.equal(fake.orderCreates().length, 0, 'paper: no orders on the exchange');
  await session.stop();
  await until(() => fake.subscribers('all') === 0, 2000, 'the shared stream closes with the last bot');
  t.pass('the shared stream closed with the last bot');
});

// The terminal status line and the .env parser: small, but a trader reads the first all day and
// the second decides whether keys are found.
import t from 'tap';
import { Decimal } from 'decimal.js';
import { statusText } from '../../engine/live/status.ts';
import { parseDotEnv, readApiKeys } from '../../engine/live/keys.ts';
import { botIdOf, orderLinkIdFor, purposeOf } from '../../engine/live/ids.ts';
import type { RunnerStatus } from '../../engine/live/runner.ts';

const base: RunnerStatus = {
  bot: 'btc-ema', symbol: 'BTCUSDT', mode: 'live', candles: 10, lastCandle: 0, nextCloseAt: 7_200_000,
  position: { side: 'flat', size: new Decimal(0), avgPrice: new Decimal(0) },
  equity: new Decimal('10012.3456'), unrealised: new Decimal(0), realisedToday: new Decimal('-3.5'),
  decisions: 4, duplicatesSkipped: 0, errors: 0,
};

t.test('status line: position with stops, unrealised P&L, equity, next candle', async (t) => {
  t.equal(statusText(base, 7_200_000 - 125_000), 'btc-ema live BTCUSDT: flat · equity 10012.35 · today -3.50 · next close in 2m05s');
  const long = { ...base, position: { side: 'long' as const, size: new Decimal('0.01'), avgPrice: new Decimal(50000), stopLoss: new Decimal(49500), takeProfit: new Decimal(51000) }, unrealised: new Decimal('1.234'), errors: 2 };
  t.equal(statusText(long, 7_200_000 - 3_700_000), 'btc-ema live BTCUSDT: long 0.01 @ 50000 sl 49500 tp 51000 uPnL 1.23 · equity 10012.35 · today -3.50 · next close in 1h01m · 2 errors');
  t.match(statusText({ ...base, nextCloseAt: null }, 0), /waiting for candles/);
});

t.test('.env: KEY=VALUE, export, quotes, comments', async (t) => {
  t.same(parseDotEnv('# c\nexport BYBIT_API_KEY="abc"\nBYBIT_API_SECRET = s3cr#t \nOTHER=x # note\nbad line\n'), {
    BYBIT_API_KEY: 'abc', BYBIT_API_SECRET: 's3cr#t', OTHER: 'x',
  });
  const dir = t.testdir({ '.env': "BYBIT_API_KEY='k1'\nBYBIT_API_SECRET=s1\n" });
  t.same(readApiKeys({}, dir), { key: 'k1', secret: 's1', source: `${dir}/.env` });
  t.same(readApiKeys({ BYBIT_API_KEY: 'ek', BYBIT_API_SECRET: 'es' }, dir), { key: 'ek', secret: 'es', source: 'environment' }, 'the environment wins');
  t.equal(readApiKeys({}, t.testdir({})), undefined);
});

t.test('order ids: deterministic, short, and recognisably ours', async (t) => {
  const id = botIdOf('btc-ema', 'BTCUSDT');
  t.equal(id, botIdOf('btc-ema', 'BTCUSDT'));
  t.not(id, botIdOf('btc-ema', 'ETHUSDT'));
  const link = orderLinkIdFor(id, Date.UTC(2030, 0, 1), 'entry');
  t.ok(link.length <= 36 && /^[A-Za-z0-9_-]+$/.test(link), link);
  t.equal(purposeOf(id, link), 'entry');
  t.equal(purposeOf(id, orderLinkIdFor(id, 1, 'exit', 2)), 'exit');
  t.equal(purposeOf(botIdOf('other', 'BTCUSDT'), link), undefined);
});

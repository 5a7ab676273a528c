// The .env parser and the order ids: small, but the first decides whether keys are found and the
// second whether a retry can double an order. (The terminal screen: screen.test.ts.)
import t from 'tap';
import { parseDotEnv, readApiKeys } from '../../engine/live/keys.ts';
import { botIdOf, orderLinkIdFor, purposeOf } from '../../engine/live/ids.ts';

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

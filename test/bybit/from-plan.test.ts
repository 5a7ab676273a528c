// Building the venue from the plan and the environment, as `botctl run` will.
import t from 'tap';
import { Decimal } from 'decimal.js';
import type { Plan } from '../../engine/plan/plan.ts';
import { BybitVenue, bybitVenueOptions } from '../../engine/venue/bybit/index.ts';
import { FakeBybit } from '../fake-bybit/index.ts';

const plan = (category: 'linear' | 'spot' = 'linear') =>
  ({ market: { network: 'testnet', category, symbol: 'BTCUSDT', interval: '60' }, risk: { leverage: new Decimal(3) } }) as unknown as Plan;

t.test('keys and market come from env and plan; leverage only for linear', async (t) => {
  const o = bybitVenueOptions(plan(), { BYBIT_API_KEY: ' k-123456 ', BYBIT_API_SECRET: 's-123456' });
  t.match(o, { network: 'testnet', category: 'linear', symbol: 'BTCUSDT', interval: '60', key: 'k-123456', secret: 's-123456' });
  t.equal(o.leverage?.toString(), '3');
  t.equal(o.restBaseUrl, undefined, 'real Bybit unless a test override is set');
  t.equal(bybitVenueOptions(plan('spot'), {}).leverage, undefined);
  t.equal(bybitVenueOptions(plan(), {}).key, undefined, 'no keys: market data only');
});

t.test('half a key pair is a clear user error', async (t) => {
  t.throws(() => bybitVenueOptions(plan(), { BYBIT_API_KEY: 'k-123456' }), { name: 'UserError', message: /BYBIT_API_SECRET is not set/ });
});

t.test('URL overrides accept only loopback servers', async (t) => {
  const o = bybitVenueOptions(plan(), { BOTCTL_BYBIT_REST_URL: 'http://127.0.0.1:4000/', BOTCTL_BYBIT_WS_URL: 'ws://localhost:4000' });
  t.equal(o.restBaseUrl, 'http://127.0.0.1:4000');
  t.equal(o.wsBaseUrl, 'ws://localhost:4000');
  t.throws(() => bybitVenueOptions(plan(), { BOTCTL_BYBIT_REST_URL: 'https://evil.example.com' }), { name: 'UserError', message: /local test server/ });
  t.throws(() => bybitVenueOptions(plan(), { BOTCTL_BYBIT_WS_URL: 'wss://127.0.0.1:1' }), { name: 'UserError' });
  t.throws(() => bybitVenueOptions(plan(), { BOTCTL_BYBIT_REST_URL: 'not a url' }), { name: 'UserError', message: /not a URL/ });
});

t.test('a venue built from env talks to the fake and sets the plan leverage at start', async (t) => {
  const fake = await FakeBybit.start({ interval: '60', leverage: '10' });
  const venue = new BybitVenue(
    bybitVenueOptions(plan(), {
      BYBIT_API_KEY: fake.apiKey,
      BYBIT_API_SECRET: fake.apiSecret,
      BOTCTL_BYBIT_REST_URL: fake.restUrl,
      BOTCTL_BYBIT_WS_URL: fake.wsBase,
      BOTCTL_BYBIT_FAST_TIMERS: '1',
    }),
  );
  t.teardown(async () => {
    await venue.close();
    await fake.close();
  });
  await venue.start();
  t.equal(fake.position().leverage.toString(), '3');
  t.equal(fake.subscribers('private', 'order'), 1, 'account stream open');
  // botctl run places orders over the WS Trade API.
  await venue.placeOrder({ orderLinkId: 'from-env-1', side: 'buy', type: 'market', qty: new Decimal('0.01') });
  t.same(fake.requestsTo('/v5/order/create').map((r) => r.method), ['WS'], 'over the trade socket');
  t.equal(fake.placedOrders().length, 1);
});

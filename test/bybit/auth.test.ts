// Keys, signatures, clock sync and instrument rules, with the real bybit-api client against the fake.
import t from 'tap';
import { VenueAuthError, VenueError } from '../../engine/venue/errors.ts';
import { d, setup } from '../fake-bybit/harness.ts';

t.test('a correct key and secret are accepted: the fake verified the HMAC signature', async (t) => {
  const s = await setup();
  t.teardown(s.close);
  const eq = await s.venue.equity();
  t.equal(eq.coin, 'USDT');
  t.ok(eq.walletBalance.eq(10000));
  const wallet = s.fake.requestsTo('/v5/account/wallet-balance');
  t.equal(wallet.length, 1);
  t.equal(wallet[0]?.retCode, 0, 'the fake checked the signature and answered OK');
});

t.test('a wrong secret gets 10004 and a clear auth error that leaks neither key nor secret', async (t) => {
  const s = await setup({ start: false, venue: { secret: 'wrong-secret-value' } });
  t.teardown(s.close);
  const err = await s.venue.equity().then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof VenueAuthError, 'typed auth error');
  const e = err as VenueAuthError;
  t.equal(e.code, 10004);
  t.match(e.message, /BYBIT_API_SECRET/);
  t.match(e.message, /signature/);
  t.notMatch(e.message, /wrong-secret-value/);
  t.notMatch(e.message, s.fake.apiKey);
  t.equal(e.exitCode, 1, 'the CLI exits 1 (user error)');
  t.equal(s.fake.requestsTo('/v5/account/wallet-balance').length, 1, 'not retried: retrying cannot fix keys');
  t.notMatch(s.logText(), /wrong-secret-value/);
  t.notMatch(s.logText(), s.fake.apiKey);
});

t.test('an unknown key gets 10003; a read-only key placing an order gets 10005', async (t) => {
  const s = await setup({ start: false, venue: { key: 'someone-elses-key' } });
  t.teardown(s.close);
  await t.rejects(s.venue.position(), { name: 'VenueAuthError', code: 10003, message: /API key is invalid/ });

  const r = await setup({ fake: { readOnlyKey: true } });
  t.teardown(r.close);
  await t.rejects(
    r.venue.placeOrder({ orderLinkId: 'ro-1', side: 'buy', type: 'market', qty: d('0.01') }),
    { name: 'VenueAuthError', code: 10005, message: /permission/ },
  );
  t.equal(r.fake.placedOrders().length, 0);
});

t.test('missing keys: market data works, private calls fail clearly without any request', async (t) => {
  const s = await setup({ start: false, venue: { key: undefined, secret: undefined } });
  t.teardown(s.close);
  await s.venue.start();
  const rules = await s.venue.instrument();
  t.equal(rules.symbol, 'BTCUSDT');
  await t.rejects(s.venue.placeOrder({ orderLinkId: 'nokey-1', side: 'buy', type: 'market', qty: d('0.01') }), {
    name: 'VenueAuthError',
    message: /BYBIT_API_KEY and BYBIT_API_SECRET/,
  });
  t.equal(s.fake.orderCreates().length, 0);
  t.equal(s.fake.connectCount('private'), 0, 'no account stream without keys');
});

t.test('a wrong secret is also refused on the account stream at start', async (t) => {
  const s = await setup({ start: false, venue: { secret: 'wrong-secret-value' } });
  t.teardown(s.close);
  await t.rejects(s.venue.start(), { name: 'VenueAuthError', message: /account stream/ });
  t.notMatch(s.logText(), /wrong-secret-value/);
});

t.test('10002 (clock drift) triggers one clock resync and exactly one retry', async (t) => {
  const s = await setup();
  t.teardown(s.close);
  const timeCalls = s.fake.requestsTo('/v5/market/time').length;
  // The server clock jumps 3 s behind ours: our timestamps are now "from the future".
  s.fake.clockOffsetMs = -3000;
  const eq = await s.venue.equity();
  t.ok(eq.equity.eq(10000));
  const wallet = s.fake.requestsTo('/v5/account/wallet-balance');
  t.same(wallet.map((r) => r.retCode), [10002, 0], 'rejected once, then accepted');
  t.equal(s.fake.requestsTo('/v5/market/time').length, timeCalls + 1, 'one resync');
  t.ok(Math.abs(s.venue.serverNow() - s.fake.now()) < 1000, 'our estimate of server time follows the fake');

  // If a resync doesn't help, the second 10002 is final: no retry loop.
  s.fake.retCode('/v5/account/wallet-balance', 10002, 'invalid request, please check your server timestamp', 2);
  await t.rejects(s.venue.equity(), { code: 10002, message: /system clock/ });
  t.equal(s.fake.requestsTo('/v5/account/wallet-balance').length, 4);
});

t.test('instrument rules: linear from qtyStep/minNotionalValue, as Decimals', async (t) => {
  const s = await setup({ start: false, venue: { key: undefined, secret: undefined } });
  t.teardown(s.close);
  const r = await s.venue.instrument();
  t.equal(r.category, 'linear');
  t.equal(r.tickSize.toString(), '0.1');
  t.equal(r.qtyStep.toString(), '0.001');
  t.equal(r.minQty.toString(), '0.001');
  t.equal(r.minNotional.toString(), '5');
  t.equal(r.maxQty?.toString(), '500', 'market-order ceiling');
  t.equal(r.maxLeverage?.toString(), '100');
});

t.test('instrument rules: spot from basePrecision/minOrderAmt', async (t) => {
  const s = await setup({ start: false, fake: { category: 'spot' }, venue: { key: undefined, secret: undefined } });
  t.teardown(s.close);
  const r = await s.venue.instrument();
  t.equal(r.category, 'spot');
  t.equal(r.tickSize.toString(), '0.01');
  t.equal(r.qtyStep.toString(), '0.000001');
  t.equal(r.minQty.toString(), '0.000048');
  t.equal(r.minNotional.toString(), '5');
  t.equal(r.maxLeverage, undefined);
});

t.test('an unknown symbol is a clear error', async (t) => {
  const s = await setup({ start: false, venue: { symbol: 'NOPEUSDT', key: undefined, secret: undefined } });
  t.teardown(s.close);
  await t.rejects(s.venue.instrument(), VenueError);
});

t.test('exchange unreachable: bounded retries, then a typed error without secrets', async (t) => {
  const s = await setup();
  t.teardown(s.close);
  await s.fake.close();
  const err = await s.venue.equity().catch((e: unknown) => e);
  t.ok(err instanceof VenueError && err.name === 'VenueUnavailableError', 'VenueUnavailableError');
  t.match((err as Error).message, /wallet-balance failed after 4 attempts: no response \(ECONNREFUSED/);
  t.notMatch((err as Error).message, s.fake.apiSecret);
  t.equal(s.sleeps.length, 3, 'three waits between four attempts');
  t.notMatch(s.logText(), s.fake.apiSecret);
});

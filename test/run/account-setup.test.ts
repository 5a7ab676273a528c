// Account settings Bybit allows but a one-way bot cannot trade, through the real client and the
// real runner (and once through `botctl run --live`): hedge mode, portfolio margin, a classic
// account, leverage above the symbol's maximum or beyond the risk limit. Each is refused before the
// first order, with a message that says what is wrong and how to change it.
import t, { type Test } from 'tap';
import { copyFileSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BybitVenue } from '../../engine/venue/bybit/index.ts';
import { VenueSetupError } from '../../engine/venue/errors.ts';
import { UserError } from '../../engine/cli/exit.ts';
import { BotRunner } from '../../engine/live/runner.ts';
import { instantiateStrategy } from '../../engine/strategy/load.ts';
import { FakeBybit, type FakeBybitOptions } from '../fake-bybit/index.ts';
import { MINUTE, currentMinute } from '../fake-bybit/harness.ts';
import { captureLog, planOf } from '../helpers/run.ts';
import { SIG, SPEC, liveBot, until } from '../helpers/run-fake.ts';
import { botctl } from '../helpers/run-cli.ts';

/** Starts the e2e bot live against a fresh fake; returns the start error (or undefined). */
async function startLive(t: Test, fakeOpts: FakeBybitOptions, before?: (f: FakeBybit) => void): Promise<{ fake: FakeBybit; err: unknown }> {
  const first = currentMinute() - 12 * MINUTE;
  const candles = [0, 1, 2].map((i) => ({ start: first + i * MINUTE, open: 50000, high: 50000, low: 50000, close: 50000, volume: 1 }));
  const fake = await FakeBybit.start({ interval: '1', candles, price: 50000, ...fakeOpts });
  t.teardown(() => fake.close());
  before?.(fake);
  const plan = await planOf(SPEC);
  const log = captureLog();
  const venue = new BybitVenue({
    network: 'testnet', category: 'linear', symbol: 'BTCUSDT', interval: '1', key: fake.apiKey, secret: fake.apiSecret,
    restBaseUrl: fake.restUrl, wsBaseUrl: fake.wsBase, logger: log.logger, httpTimeoutMs: 400,
    retry: { attempts: 2, baseDelayMs: 10, rateLimitDelayMs: 20, maxDelayMs: 100, random: () => 0.5 },
    ws: { pingIntervalMs: 300, pongTimeoutMs: 200, reconnectDelayMs: 100, readyTimeoutMs: 3000 },
  });
  const runner = new BotRunner({ plan, strategy: await instantiateStrategy(plan), venue, log: log.logger, mode: 'live' });
  const err = await runner.start().then(() => undefined, (e: unknown) => e);
  await runner.stop();
  return { fake, err };
}

t.test('hedge mode with a short on the second row: refused at start with how to switch, nothing traded', async (t) => {
  const { fake, err } = await startLive(t, { positionMode: 'hedge' }, (f) => {
    f.exchange.createOrder({ side: 'Sell', orderType: 'Market', qty: '0.01', orderLinkId: 'manual-short', positionIdx: 2 });
  });
  t.ok(err instanceof VenueSetupError, 'a setup error, shown plainly (exit 1)');
  const msg = (err as Error).message;
  t.match(msg, /BTCUSDT is in hedge mode on this Bybit account \(two positions per symbol: positionIdx 1 and 2; open: short 0\.01\), and botctl trades one-way mode/);
  t.match(msg, /Settings → Position Mode → One-Way Mode/);
  t.match(msg, /POST \/v5\/position\/switch-mode \{"category":"linear","symbol":"BTCUSDT","mode":0\}/);
  t.match(msg, /only while BTCUSDT has no position and no open order/);
  t.equal(fake.requestsTo('/v5/order/create').length, 0, 'no order was sent');
  t.equal(fake.requestsTo('/v5/position/set-leverage').length, 0, 'nothing was changed on the account');
});

t.test('the advice works: switched to one-way mode with Bybit\'s endpoint, the bot starts', async (t) => {
  const { fake, err } = await startLive(t, { positionMode: 'hedge' });
  t.ok(err instanceof VenueSetupError);
  // What the message tells the trader to do, through the same endpoint.
  fake.account.switchMode(fake.exchange, { category: 'linear', symbol: 'BTCUSDT', mode: 0 });
  const bot = await liveBot({ before: (f) => void (f.account.positionMode = fake.account.positionMode) });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  t.equal(bot.fake.position().size.toFixed(), '0.01', 'trades in one-way mode');
  t.match(bot.fake.orderCreates()[0], { positionIdx: 0 });
});

t.test('the fake refuses one-way orders in hedge mode as Bybit does (10001), and switch-mode while a position is open (110024)', async (t) => {
  const { fake } = await startLive(t, {});
  const refusal = (f: () => void) => {
    try {
      f();
      return undefined;
    } catch (e) {
      return `${(e as { retCode: number }).retCode} ${(e as Error).message}`;
    }
  };
  fake.account.positionMode = 'hedge';
  t.equal(refusal(() => fake.account.checkPositionIdx({ positionIdx: 0 })), '10001 position idx not match position mode');
  t.equal(refusal(() => fake.account.checkPositionIdx({ positionIdx: 2 })), undefined, 'the side\'s positionIdx is accepted');
  fake.exchange.createOrder({ side: 'Buy', orderType: 'Market', qty: '0.01', orderLinkId: 'x' });
  t.match(refusal(() => fake.account.switchMode(fake.exchange, { mode: 0 })), /^110024 /);
  t.match(refusal(() => fake.account.switchMode(fake.exchange, { mode: 3 })), /^110025 /);
});

t.test('hedge mode switched on mid-run while flat: the bot stops with the same advice instead of failing every order', async (t) => {
  const bot = await liveBot();
  t.teardown(bot.close);
  await bot.step(SIG.none, 50000);
  bot.fake.account.positionMode = 'hedge';
  await bot.step(SIG.long, 50000);
  await until(() => bot.fatal.length > 0, 2000, 'fatal');
  t.match(bot.fatal[0]!.message, /is in hedge mode on this Bybit account.*switch-mode/);
  t.equal(bot.fake.placedOrders().length, 0, 'no order: the account was checked first');
});

t.test('portfolio margin: refused at start, with how to switch the margin mode', async (t) => {
  const { fake, err } = await startLive(t, { marginMode: 'PORTFOLIO_MARGIN' });
  t.ok(err instanceof VenueSetupError);
  t.match((err as Error).message, /portfolio margin, where Bybit lets no one set the leverage of BTCUSDT \(110038\).*Margin Mode.*set-margin-mode \{"setMarginMode":"REGULAR_MARGIN"\}/);
  t.equal(fake.requestsTo('/v5/order/create').length, 0);
});

t.test('a classic account: refused at start, the account must be upgraded', async (t) => {
  const { err } = await startLive(t, { unifiedMarginStatus: 1 });
  t.ok(err instanceof VenueSetupError);
  t.match((err as Error).message, /needs a Unified Trading Account.*classic account/);
});

t.test('isolated margin is fine: the bot starts and says which margin mode it found', async (t) => {
  const bot = await liveBot({ fake: { marginMode: 'ISOLATED_MARGIN' } });
  t.teardown(bot.close);
  t.match(bot.log.text(), /account margin mode: isolated/);
  await bot.step(SIG.long, 50000);
  t.equal(bot.fake.position().size.toFixed(), '0.01');
});

t.test('leverage above the symbol\'s maximum: refused before anything is set, naming the maximum', async (t) => {
  const { fake, err } = await startLive(t, { instrument: { maxLeverage: '3.00' } });
  t.ok(err instanceof UserError);
  t.match((err as Error).message, /e2e\.yaml: risk\.leverage 5 is above Bybit's maximum leverage for BTCUSDT \(3\); set risk\.leverage to 3 or less/);
  t.equal(fake.requestsTo('/v5/position/set-leverage').length, 0);
  t.equal(fake.requestsTo('/v5/order/create').length, 0);
});

t.test('leverage the risk limit does not allow (110013): refused with what to change', async (t) => {
  const { fake, err } = await startLive(t, {}, (f) => f.retCode('/v5/position/set-leverage', 110013, 'Cannot set leverage due to risk limit level.'));
  t.ok(err instanceof VenueSetupError);
  t.match((err as Error).message, /Bybit refused leverage 5 on BTCUSDT: the position's risk limit tier does not allow it \(110013.*Lower risk\.leverage, or pick a lower risk limit/);
  t.equal(fake.requestsTo('/v5/order/create').length, 0);
});

t.test('botctl run --live on a hedge-mode account: exit 1 with the advice, no stack trace', async (t) => {
  const first = currentMinute() - 12 * MINUTE;
  const candles = [0, 1, 2].map((i) => ({ start: first + i * MINUTE, open: 50000, high: 50000, low: 50000, close: 50000, volume: 1 }));
  const fake = await FakeBybit.start({ interval: '1', candles, price: 50000, positionMode: 'hedge' });
  t.teardown(() => fake.close());
  const dir = t.testdir({});
  writeFileSync(join(dir, 'e2e.yaml'), readFileSync(SPEC, 'utf8'));
  copyFileSync('test/fixtures/run/volume-signals.mjs', join(dir, 'volume-signals.mjs'));
  const run = botctl(['run', 'e2e.yaml', '--live'], {
    cwd: dir,
    env: { BOTCTL_BYBIT_REST_URL: fake.restUrl, BOTCTL_BYBIT_WS_URL: fake.wsBase, BYBIT_API_KEY: fake.apiKey, BYBIT_API_SECRET: fake.apiSecret, BOTCTL_BYBIT_FAST_TIMERS: '1' },
  });
  t.equal(await run.exit, 1, run.stderr());
  t.match(run.stderr(), /BTCUSDT is in hedge mode on this Bybit account.*One-Way Mode/);
  t.notMatch(run.stderr(), /\n\s+at /, 'no stack trace');
  t.equal(fake.requestsTo('/v5/order/create').length, 0);
});

// `botctl run` as a user runs it: the real CLI in a child process, against CSV files and the fake
// Bybit (pointed at through the test-only BOTCTL_BYBIT_REST_URL / BOTCTL_BYBIT_WS_URL).
import t, { type Test } from 'tap';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Candle } from '../../engine/market/candle.ts';
import { FakeBybit } from '../fake-bybit/index.ts';
import { MINUTE, currentMinute, until } from '../fake-bybit/harness.ts';
import { botctl } from '../helpers/run-cli.ts';
import { main } from '../../engine/cli/main.ts';
import Database from 'better-sqlite3';

/**
 * A temp dir holding the e2e spec and its strategy (its journal lands there too). `typescript`: the
 * strategy as a .ts module, as a trader writes one, so the installed botctl registers the
 * TypeScript loader for it (the JavaScript fixture spares the other spawned runs that start-up).
 */
function botDir(t: Test, extra: Record<string, string> = {}, opts: { typescript?: boolean } = {}): string {
  const dir = t.testdir(extra);
  const module = opts.typescript ? 'volume-signals.ts' : 'volume-signals.mjs';
  writeFileSync(join(dir, 'e2e.yaml'), readFileSync('test/fixtures/run/e2e.yaml', 'utf8').replace('./volume-signals.mjs', `./${module}`));
  copyFileSync('test/fixtures/run/volume-signals.mjs', join(dir, module));
  return dir;
}

function csv(rows: Array<[number, number]>, start = Date.UTC(2024, 0, 1)): string {
  return 'start_ms,open,high,low,close,volume\n' + rows.map(([price, code], i) => `${start + i * MINUTE},${price},${price},${price},${price},${code}`).join('\n') + '\n';
}

t.test('replay: --venue sim --data runs the file through the runner and exits 0 with a summary', async (t) => {
  const dir = botDir(t);
  // 3 warm-up candles, a long entry, a dip through the 1% stop, a short entry, an exit signal.
  const rows: Array<[number, number]> = [[50000, 1], [50000, 1], [50000, 1], [50000, 11], [50000, 1], [49000, 1], [49000, 1], [49000, 1], [49000, 13], [49000, 1], [48500, 14], [48500, 1]];
  writeFileSync(join(dir, 'c.csv'), csv(rows));
  const run = botctl(['run', 'e2e.yaml', '--venue', 'sim', '--data', 'c.csv', '--speed', '200'], { cwd: dir });
  t.equal(await run.exit, 0, run.stderr());
  t.match(run.stdout(), /e2e-bot: replayed 9 candles from c\.csv through the live runner/);
  t.match(run.stdout(), /decisions: \d+ \(2 entries, 2 exits/);
  t.match(run.stderr(), /decision: .*BUY signal entering long 0\.01/, 'decisions are logged');
  t.match(run.stderr(), /"outcome":"entry"/, 'as structured JSON when not on a terminal');
  t.ok(existsSync(join(dir, 'journal', 'e2e-bot.sqlite')), 'replays are journaled (as backtest runs)');
});

/** In-process `botctl` for the checks that end before anything starts (fast, no child process). */
async function inProcess(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries({ BYBIT_API_KEY: '', BYBIT_API_SECRET: '', ...env })) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  let out = '';
  let err = '';
  try {
    const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
    return { code, out, err };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

t.test('invalid spec: formatted diagnostics, exit 1', async (t) => {
  const r = await inProcess(['run', 'test/fixtures/specs/stop-zero.yaml', '--data', 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv']);
  t.equal(r.code, 1);
  t.match(r.err, /stop-zero\.yaml:\d+:\d+: error: /);
  t.notMatch(r.err, /at .*\.ts:\d+/, 'no stack trace');
});

t.test('replay data coarser than the bot trades: a clear error, exit 1', async (t) => {
  const dir = botDir(t);
  const spec = join(dir, 'e2e.yaml');
  writeFileSync(spec, readFileSync(spec, 'utf8').replace('interval: 1', 'interval: 30'));
  const r = await inProcess(['run', spec, '--data', 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv']);
  t.equal(r.code, 1);
  t.match(r.err, /BTCUSDT-1h-2021-10_2022-03\.csv:3:1: the file's candles are 1h apart \(lines 2 and 3\), but e2e-bot trades 30m candles: 30m candles cannot be made from 1h candles/);
});

t.test('usage errors exit 2', async (t) => {
  for (const args of [
    ['run'],
    ['run', 'bots/btc-ema.yaml', '--venue', 'kraken'],
    ['run', 'bots/btc-ema.yaml', '--live', '--data', 'x.csv'],
    ['run', 'bots/btc-ema.yaml', '--speed', '5'],
    ['run', 'bots/btc-ema.yaml', '--data', 'x.csv', '--speed', 'fast'],
    ['run', 'bots/btc-ema.yaml', '--network', 'moon'],
    ['run', 'bots/btc-ema.yaml', '--venue', 'bybit'],
  ]) {
    const r = await inProcess(args);
    t.equal(r.code, 2, `${args.join(' ')} → 2: ${r.err.trim().split('\n')[0]}`);
  }
});

t.test('--live without keys: a clear message, nothing traded, exit 1', async (t) => {
  t.notOk(existsSync('.env'), 'no .env in the working directory');
  const r = await inProcess(['run', 'test/fixtures/run/e2e.yaml', '--live']);
  t.equal(r.code, 1);
  t.match(r.err, /needs API keys: set BYBIT_API_KEY and BYBIT_API_SECRET/);
});

t.test('--live with two bots on one symbol: refused (one position per symbol on Bybit), exit 1', async (t) => {
  const r = await inProcess(['run', 'test/fixtures/run/e2e.yaml', 'test/fixtures/run/bench.yaml', '--live'], { BYBIT_API_KEY: 'k', BYBIT_API_SECRET: 's' });
  t.equal(r.code, 1);
  t.match(r.err, /e2e-bot and bench-bot both trade BTCUSDT \(linear\) live on testnet: .*one live bot per symbol/);
});

t.test('--live on mainnet without a terminal and without --yes: refused, exit 1', async (t) => {
  t.notOk(process.stdin.isTTY, 'tests run without a terminal');
  const r = await inProcess(['run', 'test/fixtures/run/e2e.yaml', '--live', '--network', 'mainnet'], { BYBIT_API_KEY: 'k', BYBIT_API_SECRET: 's' });
  t.equal(r.code, 1);
  t.match(r.err, /refusing to trade real money on mainnet \(e2e-bot\) without confirmation.*--yes/);
});

/** A fake whose clock puts the three history candles just behind "now" (see run-fake.ts). */
async function fakeWithHistory(opts: { apiKey?: string } = {}) {
  const first = currentMinute() - 12 * MINUTE;
  const history: Candle[] = [0, 1, 2].map((i) => ({ start: first + i * MINUTE, open: 50000, high: 50000, low: 50000, close: 50000, volume: 1 }));
  const fake = await FakeBybit.start({ interval: '1', candles: history, price: 50000, ...opts });
  fake.clockOffsetMs = first + 4 * MINUTE + 10_000 - Date.now();
  return { fake, next: first + 3 * MINUTE };
}

t.test('--live against the fake with keys from ./.env: trades, then SIGINT stops cleanly with exit 0', async (t) => {
  const { fake, next } = await fakeWithHistory();
  t.teardown(() => fake.close());
  const dir = botDir(t, { '.env': `# test keys\nBYBIT_API_KEY=${fake.apiKey}\nexport BYBIT_API_SECRET="${fake.apiSecret}"\n` }, { typescript: true });
  const run = botctl(['run', 'e2e.yaml', '--live'], { cwd: dir, env: { BOTCTL_BYBIT_REST_URL: fake.restUrl, BOTCTL_BYBIT_WS_URL: fake.wsBase } });
  await run.waitFor(/waiting for closed candles/);
  t.ok(fake.requestsTo('/v5/account/wallet-balance').length >= 1, 'keys checked with a private read');
  await until(() => fake.subscribers('linear') > 0, 3000, 'candle stream');
  fake.pushCandle({ start: next, open: 50000, high: 50000, low: 50000, close: 50000, volume: 11 });
  await until(() => fake.placedOrders().length === 1, 5000, 'entry order');
  t.equal(fake.position().stopLoss.toFixed(), '49500');
  await run.waitFor(/entry order placed/);
  run.proc.kill('SIGINT');
  t.equal(await run.exit, 0, run.stderr());
  t.equal(fake.subscribers('all'), 0, 'no socket left open');
  t.notMatch(run.stderr(), new RegExp(fake.apiSecret), 'the secret never appears in the output');
  const db = new Database(join(dir, 'journal', 'e2e-bot.sqlite'), { readonly: true });
  t.teardown(() => db.close());
  const orders = db.prepare("SELECT order_link_id AS link, status FROM orders WHERE order_link_id NOT LIKE 'exchange:%'").all() as Array<{ link: string; status: string }>;
  t.same(orders.map((o) => o.status), ['Filled'], 'the order is journaled with its final status');
  t.equal(orders[0]!.link, String(fake.orderCreates()[0]!.orderLinkId));
  const stops = db.prepare("SELECT status FROM orders WHERE order_link_id LIKE 'exchange:%'").all() as Array<{ status: string }>;
  t.same(stops.map((o) => o.status), ['Untriggered', 'Untriggered'], "the position's stop-loss and take-profit orders are journaled as working");
  t.match((db.prepare('SELECT text FROM decisions').all() as Array<{ text: string }>).map((d) => d.text).join('\n'), /BUY signal entering long 0.01/, 'decisions journaled');
  t.equal((db.prepare('SELECT count(*) AS n FROM fills').get() as { n: number }).n, 1, 'the fill journaled');
  t.ok((db.prepare("SELECT count(*) AS n FROM states WHERE kind = 'core'").get() as { n: number }).n >= 1, 'core state saved after the candle');
  const status = await inProcess(['status', join(dir, 'e2e.yaml'), '--mode', 'live']);
  t.equal(status.code, 0, status.err);
  t.match(status.out, /long 0\.01/, `botctl status reads what the runner wrote:\n${status.out}`);
  t.match(status.out, /49500/);
});

t.test('--live with a key the exchange refuses: message before anything is traded, exit 1', async (t) => {
  const { fake } = await fakeWithHistory();
  t.teardown(() => fake.close());
  const dir = botDir(t);
  // In-process: refused before anything starts, as the checks above.
  const r = await inProcess(['run', join(dir, 'e2e.yaml'), '--live'], {
    BOTCTL_BYBIT_REST_URL: fake.restUrl, BOTCTL_BYBIT_WS_URL: fake.wsBase, BYBIT_API_KEY: 'wrong-key', BYBIT_API_SECRET: 'wrong-secret',
  });
  t.equal(r.code, 1);
  t.match(r.err, /Bybit testnet refused the API key from environment: .*Nothing was traded/);
  t.equal(fake.orderCreates().length, 0);
  t.equal(fake.requestsTo('/v5/position/set-leverage').length, 0, 'not even leverage was touched');
});

t.test('paper (default): live public candles, simulated fills, no keys; SIGTERM exits 0', async (t) => {
  const { fake, next } = await fakeWithHistory();
  t.teardown(() => fake.close());
  const dir = botDir(t);
  const run = botctl(['run', 'e2e.yaml'], { cwd: dir, env: { BOTCTL_BYBIT_REST_URL: fake.restUrl, BOTCTL_BYBIT_WS_URL: fake.wsBase } });
  await run.waitFor(/waiting for closed candles/);
  await until(() => fake.subscribers('linear') > 0, 3000, 'candle stream');
  fake.pushCandle({ start: next, open: 50000, high: 50000, low: 50000, close: 50000, volume: 11 });
  await run.waitFor(/BUY signal entering long 0\.01/);
  run.proc.kill('SIGTERM');
  t.equal(await run.exit, 0, run.stderr());
  t.equal(fake.orderCreates().length, 0, 'paper trading never sends an order');
  t.equal(fake.connectCount('private'), 0, 'no account stream');
  t.equal(fake.subscribers('all'), 0, 'sockets closed');
});

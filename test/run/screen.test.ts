// What `botctl run` shows on a terminal: a fixed header per bot above the scrolling log (checked on
// a small terminal emulator), what the header says, and the log's order: each decision before the
// order it placed, "nothing to do" exit signals summarised instead of one line per candle.
import t from 'tap';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { LiveScreen, headerText, type ScreenBot } from '../../engine/live/status.ts';
import type { RunnerStatus } from '../../engine/live/runner.ts';
import { BotRunner } from '../../engine/live/runner.ts';
import { SimVenue } from '../../engine/venue/sim/venue.ts';
import { CsvCandleSource } from '../../engine/venue/sim/csv-source.ts';
import { bundledInstrument } from '../../engine/market/instruments.ts';
import { instantiateStrategy } from '../../engine/strategy/load.ts';
import { captureLog, planOf } from '../helpers/run.ts';
import { Terminal } from '../helpers/vt.ts';
import { BOTCTL } from '../helpers/run-cli.ts';
import { FakeBybit } from '../fake-bybit/index.ts';
import { MINUTE, currentMinute, until } from '../fake-bybit/harness.ts';

const H = 3_600_000;
const T = Date.UTC(2024, 4, 1, 12, 0);

async function botWith(status: Partial<RunnerStatus>, network = 'testnet'): Promise<ScreenBot> {
  const plan = await planOf('bots/btc-ema.yaml');
  const base: RunnerStatus = {
    bot: 'btc-ema', symbol: 'BTCUSDT', mode: 'paper', candles: 10, lastCandle: T - H, nextCloseAt: T + H, streamsDown: [],
    position: { side: 'flat', size: new Decimal(0), avgPrice: new Decimal(0) },
    equity: new Decimal('10012.3456'), unrealised: new Decimal(0), realisedToday: new Decimal('-3.5'), decisions: 4, duplicatesSkipped: 0, errors: 0,
  };
  return { runner: { plan, status: () => ({ ...base, ...status }) }, network };
}

t.test('header: market and network, position with stop and target, P&L, equity, next candle, stream health', async (t) => {
  const flat = await botWith({});
  t.same(headerText([flat], T + H - 125_000), [
    'btc-ema PAPER testnet · BTCUSDT linear 1h · stream ok · last candle 11:00 · next close 13:00 UTC in 2m05s',
    '  flat · equity 10012.35 USDT · today -3.50 · 4 decisions',
  ]);
  const long = await botWith({
    mode: 'live', position: { side: 'long', size: new Decimal('0.01'), avgPrice: new Decimal(50000), stopLoss: new Decimal(49500), takeProfit: new Decimal(51000) },
    unrealised: new Decimal('1.234'), realisedToday: new Decimal('12'), errors: 2,
  }, 'mainnet');
  t.same(headerText([long], T), [
    'btc-ema LIVE mainnet · BTCUSDT linear 1h · stream ok · last candle 11:00 · next close 13:00 UTC in 1h00m',
    '  long 0.01 @ 50000 · stop 49500 · target 51000 · uPnL +1.23 USDT · equity 10012.35 USDT · today +12.00 · 4 decisions · 2 errors',
  ]);
  const naked = await botWith({ position: { side: 'short', size: new Decimal('0.02'), avgPrice: new Decimal(60000) }, unrealised: new Decimal('-7.5') });
  t.match(headerText([naked], T)[1], /^ {2}short 0\.02 @ 60000 · stop NONE · target none · uPnL -7\.50 USDT/);
  // Stream health: a candle overdue, a stream down.
  t.match(headerText([flat], T + H + 95_000)[0], /stream: candle 13:00 overdue by 1m35s/);
  const down = await botWith({ streamsDown: [{ stream: 'market', since: T + 10_000 }] });
  t.match(headerText([down], T)[0], /stream RECONNECTING \(market down since 12:00:10\)/);
  const waiting = await botWith({ nextCloseAt: null, lastCandle: null });
  t.match(headerText([waiting], T)[0], /stream ok · waiting for the first candle$/);
  // A narrow terminal: each line cut to its width, marked.
  t.same(headerText([long], T, 40), ['btc-ema LIVE mainnet · BTCUSDT linear 1…', '  long 0.01 @ 50000 · stop 49500 · targ…']);
});

t.test('screen: the header stays on the top rows while the log scrolls beneath it', async (t) => {
  const term = new Terminal(16, 120);
  term.feed('old shell output\n');
  const bots = [await botWith({}), await botWith({ bot: 'eth-rsi', position: { side: 'long', size: new Decimal('1.5'), avgPrice: new Decimal(3000), stopLoss: new Decimal(2900) } })];
  let now = T + H - 60_000;
  const screen = new LiveScreen(term.stream, () => bots, false, () => now);
  screen.start();
  for (let i = 1; i <= 40; i++) screen.write(`log line ${i}\n`);
  now += 30_000;
  screen.draw();
  const lines = term.lines();
  t.match(lines[0], /^btc-ema PAPER testnet · BTCUSDT linear 1h · stream ok · last candle 11:00 · next close 13:00 UTC in 30s$/, 'first bot, first line, redrawn');
  t.match(lines[1], /^ {2}flat · equity 10012\.35 USDT/);
  t.match(lines[2], /^eth-rsi PAPER testnet/);
  t.match(lines[3], /^ {2}long 1\.5 @ 3000 · stop 2900 · target none/);
  t.match(lines[4], /^─{119}$/, 'a rule under the header');
  // 11 rows of log under a 5-row header: the last 10 lines written, then the cursor's empty row.
  t.same(lines.slice(5, 15), Array.from({ length: 10 }, (_, i) => `log line ${31 + i}`));
  t.notOk(lines.some((l) => l.includes('old shell output')), 'what was on the screen went to the scrollback');
  screen.stop();
  term.feed('after stop 1\nafter stop 2\n');
  const after = term.lines();
  t.match(after[0], /^ {2}long 1\.5|^btc-ema|^eth-rsi/, 'the region is released: the whole screen scrolls again');
  t.equal(after[after.length - 2], 'after stop 2');
});

t.test('screen: a terminal too small for the header gets plain scrolling lines', async (t) => {
  const term = new Terminal(8, 80);
  const bots = [await botWith({}), await botWith({}), await botWith({})];
  const small = new LiveScreen(term.stream, () => bots, false);
  small.start();
  small.write('line a\n');
  small.draw();
  small.stop();
  t.ok(term.lines().includes('line a'));
  t.notOk(term.lines().some((l) => l.startsWith('btc-ema')), 'no header drawn over the log');
});

/** The flagship replayed on the bundled file: its decisions and its log's messages. */
async function replayBundled(spec = 'bots/btc-ema.yaml'): Promise<{ runner: BotRunner; lines: string[] }> {
  const plan = await planOf(spec);
  const source = new CsvCandleSource({ file: 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv', rules: bundledInstrument(plan.market.symbol, plan.market.category), market: plan.market });
  const venue = new SimVenue({ plan, source });
  const log = captureLog();
  const runner = new BotRunner({ plan, strategy: await instantiateStrategy(plan), venue, log: log.logger, mode: 'replay', now: () => venue.now() });
  await runner.start();
  await source.finished;
  await runner.idle();
  await runner.stop();
  return { runner, lines: log.lines().map((l) => String(l.msg)) };
}

t.test('log order: each decision before the order it placed; "nothing to do" exit signals summarised', async (t) => {
  const { runner, lines } = await replayBundled();
  const placed = lines.flatMap((l, i) => (l === 'entry order placed' || l === 'exit order placed' ? [i] : []));
  t.ok(placed.length > 40, `${placed.length} orders placed`);
  for (const i of placed) {
    // The lines just before an order: the decision that caused it (maybe after other decisions of the same candle).
    const before = lines.slice(Math.max(0, i - 3), i).join('\n');
    t.match(before, lines[i] === 'entry order placed' ? /decision: .*signal entering (long|short)/ : /decision: .*(closing the|EXIT)/, `${lines[i]} after its decision`);
  }
  const none = runner.decisions.filter((d) => d.kind === 'signal' && d.outcome === 'none').length;
  t.ok(none > 100, `${none} exit signals had nothing to do`);
  t.notOk(lines.some((l) => /^decision: .*nothing to do: no (long|short) position$/.test(l)), 'none of them is logged one by one');
  const summarised = lines.flatMap((l) => /^decision: (\d+) exit signals? on \d{4}-\d\d-\d\d had nothing to do \(no (long|short) position(, no (long|short) position)?\); each is in the journal$/.exec(l)?.[1] ?? []).map(Number);
  t.equal(summarised.reduce((a, b) => a + b, 0), none, 'every one counted in a summary line');
  t.ok(summarised.length < none / 1.5, `${summarised.length} summary lines (at most one per day) for ${none} signals`);
  const days = lines.flatMap((l) => /^decision: \d+ exit signals? on (\S+) had/.exec(l)?.[1] ?? []);
  t.equal(new Set(days).size, days.length, 'one summary per day');
});

t.test('entry signals skipped again and again for one reason (entries paused by max drawdown): the first logged, the rest told once a day', async (t) => {
  const { runner, lines } = await replayBundled();
  const paused = runner.decisions.filter((d) => d.kind === 'signal' && d.outcome === 'skipped' && /max drawdown 15% reached/.test(d.reason));
  t.ok(paused.length > 50, `${paused.length} entry signals skipped while paused`);
  const full = lines.filter((l) => /^decision: .* signal skipped: max drawdown 15% reached/.test(l));
  t.equal(full[0], `decision: ${paused[0]!.text}`, 'the first of them logged in full');
  t.match(full[0], /^decision: 2022-\d\d-\d\d \d\d:\d\d (BUY|SELL SHORT) signal skipped: max drawdown 15% reached, entries paused until `botctl resume btc-ema`$/);
  const re = /^decision: (\d+) more entry signals on (\d{4}-\d\d-\d\d) skipped: max drawdown 15% reached, entries paused until `botctl resume btc-ema`; each is in the journal$/;
  const counts = lines.flatMap((l) => re.exec(l)?.[1] ?? []).map(Number);
  const days = lines.flatMap((l) => re.exec(l)?.[2] ?? []);
  t.ok(counts.length > 0);
  t.equal(full.length + counts.reduce((a, b) => a + b, 0), paused.length, 'every one logged in full or counted in a summary line');
  t.equal(new Set(days).size, days.length, 'one summary per day');
  const perDay = new Map<string, number>();
  for (const d of paused.slice(1)) {
    const day = new Date(d.candle).toISOString().slice(0, 10);
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  const several = [...perDay].filter(([, n]) => n > 1);
  t.same(Object.fromEntries(days.map((d, i) => [d, counts[i]])), Object.fromEntries(several), 'each day with several told with its own count');
  t.equal(full.length, 1 + [...perDay].filter(([, n]) => n === 1).length, 'a day with a single one logs it as itself');
  // Every cooldown (each after its own losing trade) is said in words somewhere in the log.
  const cooldowns = new Set(runner.decisions.filter((d) => d.outcome === 'skipped' && /cooldown after loss/.test(d.reason)).map((d) => d.reason.replace(/^.*skipped: /, '')));
  t.ok(cooldowns.size > 3, `${cooldowns.size} cooldowns`);
  for (const why of cooldowns) t.ok(lines.some((l) => l.includes(`skipped: ${why}`)), `logged: ${why}`);
});

t.test('entry signals skipped for one reason whose figures change from candle to candle (an order below the minimum quantity): still told once a day', async (t) => {
  const dir = t.testdir();
  const spec = join(dir, 'tiny.yaml');
  // 2 USDT of equity: every entry's quantity, sized from the stop distance, is below Bybit's 0.001 BTC.
  writeFileSync(spec, readFileSync('bots/btc-ema.yaml', 'utf8').replace(/initial_equity: \d+/, 'initial_equity: 2'));
  const { runner, lines } = await replayBundled(spec);
  const small = runner.decisions.filter((d) => d.outcome === 'skipped' && /below the minimum order quantity/.test(d.reason));
  t.ok(small.length > 100, `${small.length} entries too small`);
  t.ok(new Set(small.map((d) => d.reason.replace(/^.*skipped: /, ''))).size > 20, 'their words differ (the quantity, the equity)');
  const full = lines.filter((l) => /^decision: .* signal skipped: quantity at most [0-9.]+, below the minimum order quantity/.test(l));
  const told = lines.flatMap((l) => /^decision: (\d+) more entry signals on \S+ skipped: quantity at most [0-9.]+, below the minimum order quantity 0\.001 \(equity [0-9.]+\); each is in the journal$/.exec(l)?.[1] ?? []).map(Number);
  t.equal(full.length + told.reduce((a, b) => a + b, 0), small.length, 'each logged in full or counted');
  const days = new Set(small.map((d) => new Date(d.candle).toISOString().slice(0, 10))).size;
  t.ok(full.length + told.length <= days + 1, `${full.length} logged in full and ${told.length} summaries: the first, then at most one line for each of the ${days} days they came on`);
  t.ok(told.length > 20);
});

t.test('botctl run on a real terminal (a pty): the header on top, decisions and their orders scrolling beneath', async (t) => {
  if (!existsSync('/usr/bin/script')) {
    t.comment('SKIPPED: util-linux script (for a pty) is not installed');
    return;
  }
  const first = currentMinute() - 12 * MINUTE;
  const history = [0, 1, 2].map((i) => ({ start: first + i * MINUTE, open: 50000, high: 50000, low: 50000, close: 50000, volume: 1 }));
  const fake = await FakeBybit.start({ interval: '1', candles: history, price: 50000 });
  t.teardown(() => fake.close());
  fake.clockOffsetMs = first + 4 * MINUTE + 10_000 - Date.now();
  const dir = t.testdir();
  copyFileSync('test/fixtures/run/e2e.yaml', join(dir, 'e2e.yaml'));
  copyFileSync('test/fixtures/run/volume-signals.mjs', join(dir, 'volume-signals.mjs'));
  const cmd = `stty rows 20 cols 130; exec ${process.execPath} ${BOTCTL} run e2e.yaml`;
  const child = spawn('/usr/bin/script', ['-q', '-f', '-c', cmd, '/dev/null'], {
    cwd: dir, env: { ...process.env, BOTCTL_BYBIT_REST_URL: fake.restUrl, BOTCTL_BYBIT_WS_URL: fake.wsBase, BYBIT_API_KEY: '', BYBIT_API_SECRET: '', NO_COLOR: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')));
  let raw = '';
  child.stdout.on('data', (b) => (raw += String(b)));
  const exited = new Promise((r) => child.on('close', r));
  await until(() => raw.includes('waiting for closed candles'), 20_000, 'botctl to start');
  await until(() => fake.subscribers('linear') > 0, 5000, 'the candle stream');
  let next = first + 3 * MINUTE;
  for (const v of [14, 11, 1]) {
    fake.pushCandle({ start: next, open: 50000, high: 50020, low: 49980, close: 50000, volume: v });
    next += MINUTE;
  }
  await until(() => /entry order placed/.test(raw) && /long 0\.01 @/.test(raw), 10_000, 'the entry and the header showing it');
  const term = new Terminal(20, 130);
  term.feed(raw);
  const screen = term.lines();
  t.match(screen[0], /^e2e-bot PAPER testnet · BTCUSDT linear 1m · /, 'the header on the first row');
  t.match(screen[1], /^ {2}long 0\.01 @ [\d.]+ · stop [\d.]+ · target [\d.]+ · uPnL /);
  t.match(screen[2], /^─+$/);
  const log = screen.slice(3).join('\n');
  t.match(log, /decision: .*BUY signal entering long 0\.01[^\n]*\n(.*\n)?[^\n]*entry order placed/, 'the decision, then the order it placed');
  child.stdin.write('\x03');
  await exited;
  t.match(raw, /shutdown e2e-bot: /, 'Ctrl-C stopped it cleanly');
});

import t, { type Test } from 'tap';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Decimal } from 'decimal.js';
import Database from 'better-sqlite3';
import { Redactor } from '../../engine/log/index.ts';
import { UserError } from '../../engine/cli/exit.ts';
import { Journal, JournalError, SCHEMA_VERSION, type RunMode, type RunStart } from '../../engine/journal/index.ts';

const SPEC = 'name: btc-ema\nmarket: { symbol: BTCUSDT }\n';
const T0 = Date.UTC(2026, 10, 24, 10, 0, 0);

function runStart(mode: RunMode, bot = 'btc-ema', time = T0): RunStart {
  return { mode, bot, symbol: 'BTCUSDT', category: 'linear', interval: '60', network: 'testnet', specText: SPEC, time };
}

function openTmp(t: Test, name = 'journal.sqlite'): { journal: Journal; path: string } {
  const path = join(t.testdir({}), 'nested', name);
  const journal = Journal.open(path);
  t.teardown(() => journal.close());
  return { journal, path };
}

t.test('a new journal: WAL, current schema, run recorded with the spec and its hash', async (t) => {
  const { journal, path } = openTmp(t);
  t.equal(journal.db.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(journal.schemaVersion(), SCHEMA_VERSION);
  const run = journal.startRun({ ...runStart('paper'), specFile: '/bots/btc-ema.yaml' });
  t.equal(run.run.specHash, createHash('sha256').update(SPEC).digest('hex'));
  t.equal(run.run.pid, process.pid);
  t.equal(run.run.endedAt, null);
  run.end({ time: T0 + 5000, reason: 'stopped by user' });
  journal.close();

  const again = Journal.open(path, { readonly: true });
  t.teardown(() => again.close());
  const latest = again.view({ mode: 'paper', bot: 'btc-ema' }).latestRun();
  t.equal(latest?.id, run.id);
  t.equal(latest?.specText, SPEC);
  t.equal(latest?.specFile, '/bots/btc-ema.yaml');
  t.equal(latest?.endedAt, T0 + 5000);
  t.equal(latest?.endReason, 'stopped by user');
  t.throws(() => again.startRun(runStart('paper')), JournalError, 'a read-only journal refuses writes');
});

t.test('order intent, then state changes: history kept, never moving backwards', async (t) => {
  const { journal } = openTmp(t);
  const run = journal.startRun(runStart('live'));
  const intent = {
    orderLinkId: 'btc-ema-1732442400000-el',
    side: 'buy' as const,
    type: 'limit' as const,
    qty: new Decimal('0.010'),
    price: new Decimal('43000.5'),
    stopLoss: '42000',
    purpose: 'entry',
    reason: 'EMA 9 crossed above EMA 21',
    time: T0,
  };
  const first = run.recordOrderIntent(intent);
  t.equal(first.created, true);
  t.equal(first.order.status, 'Intent');
  t.same(run.view.workingOrders().map((o) => o.orderLinkId), [intent.orderLinkId], 'an unacknowledged intent is a working order');

  const retry = run.recordOrderIntent(intent);
  t.equal(retry.created, false, 'recording the same intent again (retry/restart) is harmless');
  t.throws(() => run.recordOrderIntent({ ...intent, qty: '0.02' }), /already journaled for a different order/);
  t.throws(() => run.recordOrderIntent({ ...intent, orderLinkId: 'has space' }), /must be 1-36 characters/);

  run.recordOrderUpdate({ orderLinkId: intent.orderLinkId, orderId: 'ex-1', status: 'New', updatedAt: T0 + 10 });
  run.recordOrderUpdate({ orderLinkId: intent.orderLinkId, status: 'PartiallyFilled', filledQty: '0.004', avgFillPrice: '43000.5', updatedAt: T0 + 20 });
  const late = run.recordOrderUpdate({ orderLinkId: intent.orderLinkId, status: 'New', updatedAt: T0 + 15 });
  t.equal(late.status, 'PartiallyFilled', 'a late New does not undo a partial fill');
  run.recordOrderUpdate({ orderLinkId: intent.orderLinkId, status: 'Cancelled', filledQty: '0.004', reason: 'limit timeout', updatedAt: T0 + 30 });
  // Bybit: a cancel racing a fill can be followed by Filled.
  const raced = run.recordOrderUpdate({ orderLinkId: intent.orderLinkId, status: 'Filled', filledQty: '0.010', updatedAt: T0 + 31 });
  t.equal(raced.status, 'Filled');
  t.equal(raced.filledQty.toFixed(), '0.01');
  const stale = run.recordOrderUpdate({ orderLinkId: intent.orderLinkId, status: 'Cancelled', filledQty: '0.004', updatedAt: T0 + 32 });
  t.equal(stale.status, 'Filled', 'a final order does not go back to a final status with fewer fills');
  t.equal(stale.orderId, 'ex-1');
  t.equal(stale.price?.toFixed(), '43000.5');
  t.equal(stale.stopLoss?.toFixed(), '42000');
  t.same(run.view.workingOrders(), [], 'a filled order is no longer working');

  const events = run.view.orderEvents(intent.orderLinkId);
  t.same(
    events.map((e) => [e.status, e.applied]),
    [['Intent', true], ['New', true], ['PartiallyFilled', true], ['New', false], ['Cancelled', true], ['Filled', true], ['Cancelled', false]],
    'every state change is kept, with whether it applied',
  );
  t.ok(events.every((e) => e.runId === run.id && typeof e.time === 'number'));
});

t.test('orders the journal never saw: refused without details, adopted with them', async (t) => {
  const { journal } = openTmp(t);
  const run = journal.startRun(runStart('live'));
  t.throws(() => run.recordOrderUpdate({ orderLinkId: 'nope', status: 'New', updatedAt: T0 }), /record its intent before sending it/);
  // The exchange's own stop-loss order has no orderLinkId.
  const sl = run.recordOrderUpdate({
    orderLinkId: '', orderId: '9f1c', status: 'Untriggered', side: 'sell', type: 'market', qty: '0.01', reduceOnly: true, updatedAt: T0,
  });
  t.equal(sl.orderLinkId, 'exchange:9f1c');
  t.equal(sl.purpose, 'external');
  t.same(run.view.orders().map((o) => o.orderLinkId), ['exchange:9f1c']);
});

t.test('fills: one row per execId, exact decimal text', async (t) => {
  const { journal } = openTmp(t);
  const run = journal.startRun(runStart('live'));
  const f = {
    execId: 'e0cbe81d-1', orderId: 'ex-1', orderLinkId: 'l-1', side: 'buy' as const,
    price: '43250.123456789012345678', qty: new Decimal('0.001'), fee: '0.0237875679012345', feeCurrency: 'USDT', isMaker: false, time: T0,
  };
  t.equal(run.recordFill(f), true);
  t.equal(run.recordFill(f), false, 'the REST copy of a streamed fill is ignored');
  t.equal(run.recordFills([f, { ...f, execId: 'e0cbe81d-2', time: T0 + 1 }]), 1);
  const fills = run.view.fills();
  t.equal(fills.length, 2);
  t.equal(fills[0]!.price.toFixed(), '43250.123456789012345678', 'no float rounding');
  t.equal(fills[0]!.fee.toFixed(), '0.0237875679012345');
  const types = journal.db.prepare(`SELECT DISTINCT typeof(price) AS p, typeof(qty) AS q, typeof(fee) AS f FROM fills`).all();
  t.same(types, [{ p: 'text', q: 'text', f: 'text' }], 'decimals are stored as TEXT');
  t.throws(() => run.recordFill({ ...f, execId: 'bad', price: 'abc' }), /price must be a decimal number/);
});

t.test('paper, live and backtest are kept apart', async (t) => {
  const { journal } = openTmp(t);
  const paper = journal.startRun(runStart('paper'));
  const live = journal.startRun(runStart('live'));
  const mk = (id: string) => ({ orderLinkId: id, side: 'buy' as const, type: 'market' as const, qty: '1', purpose: 'entry', reason: 'r', time: T0 });
  paper.recordOrderIntent(mk('same-id'));
  live.recordOrderIntent(mk('same-id'));
  paper.recordFill({ execId: 'x1', orderId: 'o', orderLinkId: 'same-id', side: 'buy', price: '100', qty: '1', fee: '0', time: T0 });
  paper.recordPosition({ time: T0, side: 'long', qty: '1', entryPrice: '100', stopLoss: '95' });
  paper.recordDecision({ time: T0, kind: 'signal', action: 'enter_long', outcome: 'entry', reason: 'paper decision' });
  live.recordDecision({ time: T0, kind: 'signal', action: 'enter_long', outcome: 'skipped', reason: 'live decision' });

  t.equal(live.view.fills().length, 0, 'paper fills are not live fills');
  t.equal(live.view.openPosition(), undefined, 'the paper position is not the live position');
  t.same(live.view.decisions().map((d) => d.reason), ['live decision']);
  t.equal(paper.view.openPosition()?.stopLoss?.toFixed(), '95');
  t.equal(journal.view({ mode: 'paper', bot: 'btc-ema' }).workingOrders().length, 1);
  t.equal(journal.view({ mode: 'paper', bot: 'other-bot' }).workingOrders().length, 0, 'and bots are kept apart');

  // Backtests reuse ids run after run; each backtest is its own world.
  const bt1 = journal.startRun(runStart('backtest'));
  bt1.recordFill({ execId: 'sim-1', orderId: 'o', orderLinkId: 'b-1', side: 'buy', price: '100', qty: '1', fee: '0', time: T0 });
  const bt2 = journal.startRun(runStart('backtest'));
  t.equal(bt2.recordFill({ execId: 'sim-1', orderId: 'o', orderLinkId: 'b-1', side: 'buy', price: '200', qty: '1', fee: '0', time: T0 }), true);
  t.equal(bt2.view.fills()[0]!.price.toFixed(), '200');
  t.equal(journal.view({ mode: 'backtest', bot: 'btc-ema' }).runId, bt2.id, 'a backtest view defaults to the latest run');
  t.equal(journal.view({ mode: 'backtest', bot: 'btc-ema', runId: bt1.id }).fills()[0]!.price.toFixed(), '100');
  t.equal(journal.view({ mode: 'paper', bot: 'btc-ema' }).fills().length, 1, 'backtest fills stay out of paper');
  t.same(journal.bots('paper'), ['btc-ema']);
});

t.test('position history survives restarts; flat means no open position', async (t) => {
  const { journal, path } = openTmp(t);
  const r1 = journal.startRun(runStart('paper'));
  r1.recordPosition({
    time: T0, side: 'short', qty: '0.5', entryPrice: '2000.25', stopLoss: '2100', takeProfit: '1800', trailingStop: '50', trailingActivation: '1950',
  });
  journal.close();
  const j2 = Journal.open(path);
  t.teardown(() => j2.close());
  const r2 = j2.startRun(runStart('paper', 'btc-ema', T0 + 60_000));
  const pos = r2.view.openPosition();
  t.equal(pos?.side, 'short');
  t.equal(pos?.runId, r1.id, 'the position recorded by the previous run');
  t.equal(pos?.qty.toFixed(), '0.5');
  t.equal(pos?.entryPrice?.toFixed(), '2000.25');
  t.equal(pos?.takeProfit?.toFixed(), '1800');
  t.equal(pos?.trailingStop?.toFixed(), '50');
  t.equal(pos?.trailingActivation?.toFixed(), '1950');
  r2.recordPosition({ time: T0 + 120_000, side: 'flat', qty: '0' });
  t.equal(r2.view.openPosition(), undefined);
  t.equal(r2.view.lastPosition()?.side, 'flat');
});

t.test('trades, today\'s realised P&L (UTC), last decisions, equity', async (t) => {
  const { journal } = openTmp(t);
  const run = journal.startRun(runStart('live'));
  const day = Date.UTC(2026, 10, 24);
  const f = (execId: string, side: 'buy' | 'sell', qty: string, price: string, fee: string, time: number) =>
    run.recordFill({ execId, orderId: execId, orderLinkId: execId, side, qty, price, fee, time });
  f('a1', 'buy', '1', '100', '0.1', day - 3_600_000); // yesterday 23:00
  f('a2', 'sell', '1', '90', '0.09', day - 60_000); // closed yesterday 23:59: -10.19
  f('b1', 'buy', '2', '100', '0.2', day - 30_000); // opened yesterday
  f('b2', 'sell', '1', '110', '0.11', day + 1000); // closed today: 10 - 0.11 - 0.1 = 9.79
  f('b3', 'sell', '1', '105', '0.105', day + 7_200_000); // 5 - 0.105 - 0.1 = 4.795
  f('c1', 'sell', '1', '100', '0.1', day + 8_000_000); // open short
  const v = run.view;
  t.equal(v.todayRealisedPnl(day + 10_000_000).toFixed(), '14.585', 'only exits inside the UTC day count');
  t.equal(v.todayRealisedPnl(day - 1).toFixed(), '-10.19', 'yesterday');
  const trades = v.trades();
  t.equal(trades.length, 2);
  t.equal(trades[1]!.netPnl.toFixed(), '14.585');
  t.equal(trades[1]!.entryTime, day - 30_000, 'a trade that opened before `since` still has its entry');
  t.same(v.trades({ since: day }).map((x) => x.execIds[0]), ['b1'], 'since filters on the exit time');
  t.equal(v.trades({ includeOpen: true }).length, 3);
  t.equal(v.trades({ includeOpen: true })[2]!.exitTime, null);

  for (let i = 0; i < 30; i++) {
    run.recordDecision({ time: T0 + i * 1000, candle: T0 + i * 1000 - 3_600_000, kind: 'signal', action: 'enter_long', outcome: 'skipped', reason: `d${i}`, strength: 0.5 });
  }
  t.same(v.decisions({ limit: 3 }).map((d) => d.reason), ['d27', 'd28', 'd29'], 'the last N, oldest first');
  t.equal(v.decisions({ limit: 1 })[0]!.strength, 0.5);
  run.recordEquity({ time: T0, equity: '1000.5', walletBalance: '1000', available: '900', coin: 'USDT' });
  run.recordEquity({ time: T0 + 1, equity: new Decimal('1001.25') });
  t.equal(v.lastEquity()?.equity.toFixed(), '1001.25');
  t.same(v.equity().map((e) => e.equity.toFixed()), ['1000.5', '1001.25']);
});

t.test('cooldown/protection state is restored by the next run', async (t) => {
  const { journal, path } = openTmp(t);
  const r1 = journal.startRun(runStart('paper'));
  r1.saveState('cooldown', { until: T0 + 3_600_000, reason: 'after_loss' }, T0);
  r1.saveState('cooldown', { until: T0 + 7_200_000, reason: 'after_exit' }, T0 + 1);
  r1.saveState('protections', { paused: 'max_daily_loss', day: '2026-11-24' }, T0 + 2);
  journal.startRun(runStart('live')).saveState('cooldown', { until: 1 }, T0 + 3);
  journal.close();
  const j2 = Journal.open(path);
  t.teardown(() => j2.close());
  const r2 = j2.startRun(runStart('paper'));
  t.same(r2.view.lastState('cooldown')?.state, { until: T0 + 7_200_000, reason: 'after_exit' }, 'the last paper cooldown, not the live one');
  t.same(r2.view.lastState('protections')?.state, { paused: 'max_daily_loss', day: '2026-11-24' });
  t.equal(r2.view.lastState('missing'), undefined);
});

t.test('errors are recorded redacted', async (t) => {
  const key = 'JOURNALTESTKEY123';
  const j = Journal.open(join(t.testdir({}), 'r.sqlite'), { redactor: new Redactor({ secrets: [key], env: {} }) });
  t.teardown(() => j.close());
  const r = j.startRun(runStart('live'));
  r.recordError({ time: T0, source: 'venue', message: `error sign! origin_string[1700${key}5000]`, details: new Error(`sign=abcdef123 ${key}`) });
  const e = r.view.errors()[0]!;
  t.notOk(e.message.includes(key));
  t.notOk(JSON.stringify(e.details).includes(key));
  t.notOk(JSON.stringify(e.details).includes('abcdef123'));
  t.match(e.message, /origin_string\[1700\[REDACTED\]5000\]/);
  const raw = j.db.prepare('SELECT message || details AS s FROM errors').pluck().all().join('');
  t.notOk(raw.includes(key), 'not in the file either');
});

t.test('schema: v1 journals migrate; newer and foreign files are refused clearly', async (t) => {
  const dir = t.testdir({ 'garbage.sqlite': 'this is not a database, just text'.repeat(40) });
  const path = join(dir, 'old.sqlite');
  const v1 = Journal.open(path, { migrateTo: 1 });
  t.equal(v1.schemaVersion(), 1);
  t.equal(v1.db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'states'`).pluck().get(), 0, 'v1 has no state table');
  const oldRun = v1.startRun(runStart('paper'));
  oldRun.recordFill({ execId: 'e1', orderId: 'o', orderLinkId: 'l', side: 'buy', price: '100', qty: '1', fee: '0.1', time: T0 });
  oldRun.recordOrderIntent({ orderLinkId: 'l', side: 'buy', type: 'market', qty: '1', purpose: 'entry', reason: 'r', time: T0 });
  v1.close();

  t.throws(() => Journal.open(path, { readonly: true }), /needs an upgrade to v/, 'read-only open does not migrate');
  const cur = Journal.open(path);
  t.equal(cur.schemaVersion(), SCHEMA_VERSION, 'opening an older journal migrates it');
  const run = cur.startRun(runStart('paper'));
  t.equal(run.view.fills()[0]!.fee.toFixed(), '0.1', 'v1 data is intact');
  t.equal(run.view.workingOrders()[0]!.orderLinkId, 'l');
  run.saveState('cooldown', { x: 1 }, T0);
  t.same(run.view.lastState('cooldown')?.state, { x: 1 }, 'the v2 table works');
  cur.db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  cur.close();
  t.throws(() => Journal.open(path), new RegExp(`written by a newer botctl \\(journal schema v${SCHEMA_VERSION + 1}; this botctl reads up to v${SCHEMA_VERSION}\\)`));

  const foreign = join(dir, 'foreign.sqlite');
  const db = new Database(foreign);
  db.exec('CREATE TABLE users (id INTEGER)');
  db.close();
  t.throws(() => Journal.open(foreign), /not a botctl journal/);
  t.throws(() => Journal.open(foreign, { readonly: true }), /not a botctl journal/, 'read-only too');
  t.throws(() => Journal.open(join(dir, 'garbage.sqlite')), /journal .*garbage\.sqlite is not a healthy botctl journal: it is not an SQLite database/);
  t.throws(() => Journal.open(join(dir, 'missing.sqlite'), { readonly: true }), /no journal at .*missing\.sqlite/);
});

t.test('intents, fills and state are fsynced (synchronous=FULL); decisions need not be', async (t) => {
  const { journal } = openTmp(t);
  const run = journal.startRun(runStart('live'));
  const sync = () => journal.db.pragma('synchronous', { simple: true });
  run.recordDecision({ time: T0, kind: 'signal', action: 'enter_long', outcome: 'entry', reason: 'x' });
  t.equal(sync(), 1, 'NORMAL for a decision');
  run.recordOrderIntent({ orderLinkId: 'd-1', side: 'buy', type: 'market', qty: '1', purpose: 'entry', reason: 'x', time: T0 });
  t.equal(sync(), 2, 'FULL for the order intent');
  run.recordEquity({ time: T0, equity: '1' });
  run.recordFill({ execId: 'f', orderId: 'o', orderLinkId: 'd-1', side: 'buy', price: '1', qty: '1', fee: '0', time: T0 });
  t.equal(sync(), 2, 'FULL for a fill');

  const bt = Journal.open(join(t.testdir({}), 'bt.sqlite'), { durability: 'normal' });
  t.teardown(() => bt.close());
  const btRun = bt.startRun(runStart('backtest'));
  btRun.recordOrderIntent({ orderLinkId: 'd-1', side: 'buy', type: 'market', qty: '1', purpose: 'entry', reason: 'x', time: T0 });
  t.equal(bt.db.pragma('synchronous', { simple: true }), 1, "durability 'normal' (backtests) never fsyncs per write");
  const n = bt.batch(() => {
    for (let i = 0; i < 100; i++) btRun.recordEquity({ time: T0 + i, equity: String(1000 + i) });
    return btRun.view.equity().length;
  });
  t.equal(n, 100, 'a batch is one transaction that sees its own writes');
});

t.test('a reader (status) sees what a running writer committed', async (t) => {
  const { journal, path } = openTmp(t);
  const run = journal.startRun(runStart('live'));
  const reader = Journal.open(path, { readonly: true });
  t.teardown(() => reader.close());
  const view = reader.view({ mode: 'live', bot: 'btc-ema' });
  t.same(view.workingOrders(), []);
  run.recordOrderIntent({ orderLinkId: 'w-1', side: 'sell', type: 'limit', qty: '2', price: '10', purpose: 'exit', reason: 'x', time: T0 });
  t.same(view.workingOrders().map((o) => [o.orderLinkId, o.status, o.purpose]), [['w-1', 'Intent', 'exit']]);
});

t.test('adopted exchange orders take their purpose from the origin; orders by link-id prefix', async (t) => {
  const { journal } = openTmp(t);
  const run = journal.startRun(runStart('live'));
  run.recordOrderIntent({ orderLinkId: 'bot1-e-1', side: 'buy', type: 'market', qty: '1', purpose: 'entry', reason: 'x', time: T0 });
  run.recordOrderIntent({ orderLinkId: 'manual-1', side: 'buy', type: 'market', qty: '1', purpose: 'entry', reason: 'x', time: T0 });
  const tp = run.recordOrderUpdate({
    orderLinkId: '', orderId: 'tp-7', status: 'Untriggered', side: 'sell', type: 'market', qty: '1', origin: 'takeProfit', updatedAt: T0,
  });
  t.equal(tp.purpose, 'take_profit');
  t.same(run.view.orders({ linkIdPrefix: 'bot1-' }).map((o) => o.orderLinkId), ['bot1-e-1']);
  t.equal(run.view.orders().length, 3);
  run.recordFill({ execId: 'a', orderId: 'o', orderLinkId: 'bot1-e-1', side: 'buy', price: '100', qty: '1', fee: '0', time: T0 });
  t.same(
    (({ side, qty, entryPrice }) => [side, qty.toFixed(), entryPrice?.toFixed()])(run.view.positionFromFills()),
    ['long', '1', '100'],
  );
});

t.test('bad input is refused with a clear JournalError (a UserError: no stack trace in the CLI)', async (t) => {
  const { journal } = openTmp(t);
  const run = journal.startRun(runStart('paper'));
  t.throws(() => run.recordDecision({ time: NaN, kind: 'k', action: 'a', outcome: 'o', reason: 'r' }), {
    name: 'JournalError',
    message: 'time must be UTC milliseconds (an integer), got NaN',
  });
  t.throws(() => run.recordEquity({ time: 1.5, equity: '1' }), /time must be UTC milliseconds/);
  t.throws(() => run.recordEquity({ time: 1, equity: 'Infinity' }), /equity must be a finite decimal number/);
  try {
    run.recordOrderUpdate({ orderLinkId: 'x', status: 'New', updatedAt: 1 });
  } catch (err) {
    t.type(err, UserError);
  }
  t.equal(run.view.equity().length, 0, 'nothing half-written');
});

t.test("a replay's equity, run-length coded: a snapshot held on later candles is one row; readers see every candle's", async (t) => {
  const { journal } = openTmp(t);
  const run = journal.startRun(runStart('backtest'));
  const MIN = 60_000;
  // Flat stretches, changes, a gap in the candles, a fill between candles, a repeat after a change back.
  type Snap = { time: number; equity: string; walletBalance?: string; available?: string; coin?: string };
  const snaps: Snap[] = [];
  let time = T0;
  const add = (n: number, equity: string, step = MIN, extra: Partial<Snap> = {}) => {
    for (let i = 0; i < n; i++) snaps.push({ time: (time += step), equity, ...extra });
  };
  add(500, '10000', MIN, { walletBalance: '10000', available: '10000' });
  add(1, '10000', MIN, { walletBalance: '10000', available: '9000' }); // only `available` moved
  add(3, '10001.5');
  add(200, '10001.5', 5 * MIN); // after a gap of missing candles the spacing changes: a new row
  add(1, '10001.5', 1_234); // a fill between candles
  add(50, '9990');
  add(1, '10001.5');
  add(1, '10001.5');
  for (const s of snaps) run.holdEquity(s.time, s.equity, s.walletBalance, s.available);
  t.equal(run.view.equity().length, snaps.length - 2, 'the last snapshot and its repeat are held, not written yet (the replay writes them at its next commit)');
  run.flushEquity();
  const rows = journal.db.prepare('SELECT count(*) FROM equity').pluck().get() as number;
  t.ok(rows <= 10, `${snaps.length} snapshots in ${rows} rows`);
  const shown = (e: { time: number; equity: Decimal; walletBalance: Decimal | null; available: Decimal | null; coin: string | null }) =>
    [e.time, e.equity.toFixed(), e.walletBalance?.toFixed() ?? null, e.available?.toFixed() ?? null, e.coin];
  const want = snaps.map((s) => [s.time, s.equity, s.walletBalance ?? null, s.available ?? null, s.coin ?? null]);
  t.same(run.view.equity().map(shown), want, 'expanded, the series is every snapshot held, in order');
  t.same(shown(run.view.lastEquity()!), want[want.length - 1], 'the last snapshot is the last repeat of the newest row');
  const since = snaps[250]!.time;
  t.same(run.view.equity({ since }).map(shown), want.slice(250), '`since` falls inside a coded row');
  t.same(run.view.equity({ limit: 7 }).map(shown), want.slice(-7), '`limit` keeps the newest snapshots');
  t.same(run.view.equity({ since, limit: 600 }).map(shown), want.slice(-(want.length - 250)).slice(-600));

  // A live or paper run writes a row per snapshot (a crash must not lose a held stretch); end() writes a held one.
  const live = journal.startRun(runStart('paper', 'other'));
  for (const s of snaps.slice(0, 20)) live.recordEquity(s);
  t.equal(live.view.equity().length, 20);
  t.equal(journal.db.prepare('SELECT count(*) FROM equity WHERE run_id = ?').pluck().get(live.id), 20);
  const held = journal.startRun(runStart('backtest', 'third'));
  for (const s of snaps.slice(0, 300)) held.holdEquity(s.time, s.equity, s.walletBalance, s.available);
  held.end({ time: T0, reason: 'done' });
  t.equal(held.view.equity().length, 300, 'ending the run writes what was held');
});

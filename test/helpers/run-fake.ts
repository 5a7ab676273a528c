// A bot running live (real BybitVenue, real BotRunner) against the loopback fake Bybit, with short
// timers so reconnects and retries take milliseconds. Candles are crafted with volume codes (see
// test/fixtures/run/volume-signals.mjs) and pushed one by one; `step` waits until the runner has
// processed the candle and everything it queued.
import type { Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Decimal } from 'decimal.js';
import type { Candle } from '../../engine/market/candle.ts';
import { BybitVenue, type BybitVenueOptions } from '../../engine/venue/bybit/index.ts';
import { BotRunner, type RunnerOptions } from '../../engine/live/runner.ts';
import type { RunRecorder } from '../../engine/live/types.ts';
import { openJournals, type JournalRecorders } from '../../engine/live/recorder.ts';
import { instantiateStrategy } from '../../engine/strategy/load.ts';
import type { Decision } from '../../engine/core/types.ts';
import type { Plan } from '../../engine/plan/plan.ts';
import type { NotificationEvent } from '../../engine/notify/index.ts';
import { FakeBybit, type FakeBybitOptions } from '../fake-bybit/index.ts';
import type { RecordedRequest } from '../fake-bybit/rest.ts';
import { MINUTE, currentMinute, until } from '../fake-bybit/harness.ts';
import { captureLog, planOf, type CapturedLog } from './run.ts';

export { until, MINUTE };
export const SPEC = 'test/fixtures/run/e2e.yaml';

export const SIG = { none: 1, long: 11, exitLong: 12, short: 13, exitShort: 14 } as const;

export interface LiveBot {
  fake: FakeBybit;
  venue: BybitVenue;
  runner: BotRunner;
  plan: Plan;
  log: CapturedLog;
  /** Start of the next candle `candle()` will make. */
  next: number;
  /** Notifications the runner sent (entries, exits, stop moves, protections, errors). */
  notes: NotificationEvent[];
  /** Errors the runner declared fatal (keys refused, an account it cannot trade). */
  fatal: Error[];
  /** Candle starts pushed (or added while sockets were down), in order. */
  pushed: number[];
  /** A candle at the next start: flat at `price` unless OHLC given; `code` is the volume signal. */
  candle(code: number, price: number, ohlc?: Partial<Pick<Candle, 'open' | 'high' | 'low'>>): Candle;
  /** Push a confirmed candle and wait until the runner has handled it. */
  step(code: number, price: number, ohlc?: Partial<Pick<Candle, 'open' | 'high' | 'low'>>): Promise<Candle>;
  waitProcessed(c: Candle): Promise<void>;
  texts(): string[];
  /** Stop this runner (as a crash would, leaving orders and positions) and start a fresh one. */
  restart(): Promise<void>;
  close(): Promise<void>;
  /** The bot's journal (with `journal: true`), read-only. */
  journal(): Database.Database;
  /**
   * What the protection watch saw: orders the bot sent while the exchange held a position without
   * a stop-loss (a reduce-only close is the fix; anything else is not), and candles after which the
   * exchange still held one.
   */
  unprotected: { writes: string[]; candles: number[] };
}

export interface LiveBotOptions {
  fake?: FakeBybitOptions;
  venue?: Partial<BybitVenueOptions>;
  price?: number;
  spec?: string;
  /** Set up the exchange before the bot starts (e.g. a position left from an earlier run). */
  before?: (fake: FakeBybit) => void;
  /**
   * How the venue places orders: 'rest' (default, as the older scenarios were written) or
   * 'websocket' (Bybit's WS Trade API with the REST fallback, as `botctl run --live` does), with
   * short trade-socket timers.
   */
  orderEntry?: 'websocket' | 'rest';
  /** Level of the captured log (default 'info'); 'debug' for checks on everything written. */
  logLevel?: 'debug' | 'info';
  /** Journal the run into a temporary SQLite file (as `botctl run` does). */
  journal?: boolean;
  /** More runner options (e.g. short exit retries, a short instrument-rules refresh). */
  runner?: Partial<Pick<RunnerOptions, 'exitRetry' | 'rulesRefreshMs' | 'stopFillWaitMs'>>;
  /** Stands between the runner and its journal (e.g. a disk that fills up mid-run); with `journal`. */
  recorder?: (r: RunRecorder) => RunRecorder;
}

/** Exit retries for tests: milliseconds, never a real wait. */
export const FAST_EXIT_RETRY = { firstMs: 20, maxMs: 80 };

const TRADE_SOCKET: Partial<BybitVenueOptions> = {
  orderEntry: 'websocket',
  ws: { pingIntervalMs: 300, pongTimeoutMs: 200, reconnectDelayMs: 100, readyTimeoutMs: 3000, tradeReplyTimeoutMs: 300, tradeReadyTimeoutMs: 2000 },
};

/** How each order/create attempt reached the fake, in order: 'WS' (trade socket) or 'POST' (REST). */
export function orderRoutes(bot: LiveBot): string[] {
  return bot.fake.requestsTo('/v5/order/create').map((r) => r.method);
}

export async function liveBot(o: LiveBotOptions = {}): Promise<LiveBot> {
  const plan = await planOf(o.spec ?? SPEC);
  const price = o.price ?? 50000;
  // Three history candles, the newest closed just before the fake's clock; the fake's clock sits
  // 70 s into the minute after the next candle, so that next candle counts as closed for the REST
  // backfill (the socket-drop scenario pushes it while the stream is down). Later crafted candles
  // are ahead of the clock, which the live stream does not mind.
  const first = currentMinute() - 12 * MINUTE;
  const history: Candle[] = [0, 1, 2].map((i) => ({ start: first + i * MINUTE, open: price, high: price, low: price, close: price, volume: 1 }));
  const fake = await FakeBybit.start({ interval: '1', candles: history, price, ...o.fake });
  fake.clockOffsetMs = first + 4 * MINUTE + 10_000 - Date.now();
  o.before?.(fake);
  const log = captureLog(o.logLevel ?? 'info');
  const notes: NotificationEvent[] = [];
  const fatal: Error[] = [];
  const venueOptions: BybitVenueOptions = {
    network: 'testnet', category: 'linear', symbol: 'BTCUSDT', interval: '1',
    key: fake.apiKey, secret: fake.apiSecret, restBaseUrl: fake.restUrl, wsBaseUrl: fake.wsBase,
    logger: log.logger, httpTimeoutMs: 400,
    retry: { attempts: 4, baseDelayMs: 10, rateLimitDelayMs: 20, maxDelayMs: 100, random: () => 0.5 },
    ws: { pingIntervalMs: 300, pongTimeoutMs: 200, reconnectDelayMs: 100, readyTimeoutMs: 3000 },
    ...(o.orderEntry === 'websocket' ? TRADE_SOCKET : {}),
    ...o.venue,
  };
  const dir = o.journal ? mkdtempSync(join(tmpdir(), 'botctl-live-')) : undefined;
  const runPlan: Plan = dir ? { ...plan, run: { ...plan.run, journal: join(dir, 'journal.sqlite') } } : plan;
  const journals: JournalRecorders[] = [];
  const dbs: Database.Database[] = [];
  const makeRunner = async (v: BybitVenue) => {
    let recorder;
    if (dir) {
      // One run per runner, as one per process: a restart starts a new run in the same file.
      const j = openJournals([runPlan], 'live', 'testnet');
      journals.push(j);
      recorder = o.recorder ? o.recorder(j.recorderFor(runPlan)) : j.recorderFor(runPlan);
    }
    const r = new BotRunner({
      plan: runPlan, strategy: await instantiateStrategy(plan), venue: v, log: log.logger, mode: 'live', notify: (e) => notes.push(e), onFatal: (e) => fatal.push(e),
      exitRetry: FAST_EXIT_RETRY, ...o.runner, ...(recorder ? { recorder } : {}),
    });
    await r.start();
    await r.idle();
    return r;
  };
  const unprotected = { writes: [] as string[], candles: [] as number[] };
  const naked = () => fake.position().size.gt(0) && fake.position().stopLoss.isZero();
  onRequest(fake, (r) => {
    // An order that is not a reduce-only close would be the bot doing something else first.
    const order = r.path === '/v5/order/create' || r.path === '/v5/order/amend';
    const fix = r.path === '/v5/order/create' && r.params.reduceOnly === true;
    if (order && !fix && naked()) unprotected.writes.push(`${r.path} ${JSON.stringify(r.params)}`);
  });
  const venue = new BybitVenue(venueOptions);
  const runner = await makeRunner(venue);
  const bot: LiveBot = {
    fake, venue, runner, plan, log, notes, fatal,
    next: first + 3 * MINUTE,
    pushed: [],
    candle(code, p, ohlc = {}) {
      const open = ohlc.open ?? p;
      const c: Candle = { start: bot.next, open, high: ohlc.high ?? Math.max(open, p), low: ohlc.low ?? Math.min(open, p), close: p, volume: code };
      bot.next += MINUTE;
      return c;
    },
    async step(code, p, ohlc) {
      const c = bot.candle(code, p, ohlc);
      bot.pushed.push(c.start);
      fake.pushCandle(c);
      await bot.waitProcessed(c);
      if (naked()) unprotected.candles.push(c.start);
      return c;
    },
    async waitProcessed(c) {
      await until(() => bot.runner.processed.includes(c.start), 4000, `candle ${new Date(c.start).toISOString()} processed`);
      await bot.runner.idle();
      // Fills pushed while the candle was handled queue a settle of their own: wait (briefly) until
      // the core and the exchange agree on whether a position is open. Scenarios that diverge on
      // purpose wait for their own conditions.
      const agree = () => bot.fake.position().size.gt(0) === (bot.runner.core.state.position !== null);
      await until(agree, 1000, 'core and exchange agree').catch(() => {});
      await new Promise((r) => setTimeout(r, 10));
      await bot.runner.idle();
    },
    texts: () => bot.runner.decisions.map((d: Decision) => d.text),
    async restart() {
      await bot.runner.stop();
      bot.venue = new BybitVenue(venueOptions);
      bot.runner = await makeRunner(bot.venue);
      bot.pushed = [];
    },
    async close() {
      await bot.runner.stop();
      await fake.close();
      for (const db of dbs) db.close();
      for (const j of journals) j.close('test over');
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
    journal() {
      if (!dir) throw new Error('liveBot({ journal: true }) to read the journal');
      const db = new Database(runPlan.run.journal, { readonly: true });
      dbs.push(db);
      return db;
    },
    unprotected,
  };
  return bot;
}

/**
 * What every scenario must keep true: one exchange order per orderLinkId however often it was
 * sent, no open position without a stop-loss, every candle processed exactly once and in order.
 */
export function assertInvariants(t: Test, bot: LiveBot, opts: { allowUnprotected?: boolean } = {}): void {
  const links = bot.fake.orderCreates().map((b) => String(b.orderLinkId));
  const orders = bot.fake.orders().filter((o) => o.orderLinkId !== '');
  for (const link of new Set(links)) {
    t.ok(orders.filter((o) => o.orderLinkId === link).length <= 1, `at most one exchange order for ${link}`);
  }
  t.equal(new Set(orders.map((o) => o.orderLinkId)).size, orders.length, 'no two exchange orders share an orderLinkId');
  const p = bot.fake.position();
  if (!opts.allowUnprotected && p.size.gt(0)) t.ok(p.stopLoss.gt(0), `the open ${p.side} ${p.size.toFixed()} has a stop-loss on the exchange`);
  if (!opts.allowUnprotected) {
    t.same(bot.unprotected.writes, [], 'while a position had no stop-loss the bot sent nothing but the fix');
    t.same(bot.unprotected.candles, [], 'no candle ended with a position and no stop-loss');
  }
  t.same(bot.runner.processed, bot.pushed, 'every candle processed once, in order');
}

export const dec = (x: string | number) => new Decimal(x);

/** The decision records the bot's journal holds, oldest first, as one text. */
export function journalDecisions(bot: LiveBot): string {
  return (bot.journal().prepare('SELECT text FROM decisions ORDER BY id').all() as Array<{ text: string }>).map((d) => d.text).join('\n');
}

/** Runs `hook` on each request the fake receives, as it is recorded: a test acts at the moment the bot sends something. */
export function onRequest(fake: FakeBybit, hook: (r: RecordedRequest) => void): void {
  const record = fake.requests.push.bind(fake.requests);
  fake.requests.push = (...items) => {
    for (const r of items) hook(r);
    return record(...items);
  };
}

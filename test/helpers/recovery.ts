// Crash and shutdown tests: the real `botctl run --live` in a child process against the fake Bybit,
// killed or signalled at chosen moments, restarted on the same fake and the same journal.
import type { Test } from 'tap';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Candle } from '../../engine/market/candle.ts';
import { FakeBybit } from '../fake-bybit/index.ts';
import { MINUTE, currentMinute, until } from '../fake-bybit/harness.ts';
import { botctl, type Cli } from './run-cli.ts';

export { until, MINUTE };
export const SIG = { none: 1, long: 11, exitLong: 12, short: 13, exitShort: 14 } as const;

export interface CrashRig {
  fake: FakeBybit;
  dir: string;
  spec: string;
  /** Start of the first candle after the history (the next one to push). */
  next: number;
  /** Every process started so far, newest last. */
  runs: Cli[];
  /** `fast`: BOTCTL_BYBIT_FAST_TIMERS=1 (HTTP timeout 500 ms); off by default so a hung call leaves time to kill. */
  start(opts?: { fast?: boolean; env?: NodeJS.ProcessEnv }): Promise<Cli>;
  /** Push a confirmed candle at `next` (flat at `price` unless OHLC given) and advance `next`. */
  push(code: number, price: number, ohlc?: Partial<Pick<Candle, 'open' | 'high' | 'low'>>): Candle;
  kill(run: Cli): Promise<void>;
  journal(): Database.Database;
}

/**
 * A fake with three closed history candles whose clock sits just after the first candle to push
 * (so a restart loads that candle as history and never sees it as new), and a temp directory with
 * the fixture spec and its strategy; the journal lands there. `edit` rewrites the spec text.
 */
export async function crashRig(t: Test, fixture: string, edit: (spec: string) => string = (s) => s): Promise<CrashRig> {
  const first = currentMinute() - 12 * MINUTE;
  const history: Candle[] = [0, 1, 2].map((i) => ({ start: first + i * MINUTE, open: 50000, high: 50000, low: 50000, close: 50000, volume: 1 }));
  const fake = await FakeBybit.start({ interval: '1', candles: history, price: 50000 });
  fake.clockOffsetMs = first + 4 * MINUTE + 10_000 - Date.now();
  const dir = t.testdir({});
  const spec = fixture.split('/').pop() as string;
  writeFileSync(join(dir, spec), edit(readFileSync(fixture, 'utf8')));
  copyFileSync('test/fixtures/run/volume-signals.mjs', join(dir, 'volume-signals.mjs'));
  const dbs: Database.Database[] = [];
  const rig: CrashRig = {
    fake, dir, spec, next: first + 3 * MINUTE, runs: [],
    async start(opts = {}) {
      const run = botctl(['run', spec, '--live'], {
        cwd: dir,
        env: {
          BOTCTL_BYBIT_REST_URL: fake.restUrl, BOTCTL_BYBIT_WS_URL: fake.wsBase,
          BYBIT_API_KEY: fake.apiKey, BYBIT_API_SECRET: fake.apiSecret,
          ...(opts.fast ? { BOTCTL_BYBIT_FAST_TIMERS: '1' } : {}),
          ...opts.env,
        },
      });
      rig.runs.push(run);
      await run.waitFor(/waiting for closed candles/, 15_000);
      await until(() => fake.subscribers('linear') > 0 && fake.subscribers('private') > 0, 5000, 'streams');
      return run;
    },
    push(code, price, ohlc = {}) {
      const c: Candle = { start: rig.next, open: ohlc.open ?? price, high: ohlc.high ?? price, low: ohlc.low ?? price, close: price, volume: code };
      c.high = Math.max(c.high, c.open, c.close);
      c.low = Math.min(c.low, c.open, c.close);
      fake.pushCandle(c);
      rig.next += MINUTE;
      return c;
    },
    async kill(run) {
      run.proc.kill('SIGKILL');
      await run.exit;
      // The dead process's sockets close on the fake's side too.
      await until(() => fake.subscribers('all') === 0, 5000, 'sockets of the killed process gone');
    },
    journal() {
      // Every fixture spec journals to ./journal/<name>-bot.sqlite.
      const db = new Database(join(dir, 'journal', `${spec.replace(/\.yaml$/, '')}-bot.sqlite`), { readonly: true });
      dbs.push(db);
      return db;
    },
  };
  t.teardown(async () => {
    for (const r of rig.runs) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL');
    for (const db of dbs) db.close();
    await fake.close();
  });
  return rig;
}

/** Order creates per orderLinkId on the fake: a duplicate entry shows up as a count above 1. */
export function createsPerLink(fake: FakeBybit): Map<string, number> {
  const m = new Map<string, number>();
  for (const c of fake.orderCreates()) m.set(String(c.orderLinkId), (m.get(String(c.orderLinkId)) ?? 0) + 1);
  return m;
}

/** The journal's story of one order: its events' statuses, oldest first. */
export function orderStory(db: Database.Database, link: string): string[] {
  return (db.prepare('SELECT e.status FROM order_events e JOIN orders o ON o.id = e.order_ref WHERE o.order_link_id = ? ORDER BY e.id').all(link) as Array<{ status: string }>)
    .map((r) => r.status);
}

export function recoveryRecords(db: Database.Database): Array<Record<string, unknown>> {
  return (db.prepare("SELECT state FROM states WHERE kind = 'recovery' ORDER BY id").all() as Array<{ state: string }>).map((r) => JSON.parse(r.state) as Record<string, unknown>);
}

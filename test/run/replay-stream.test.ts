// A replay streams its candle file instead of loading it: the whole file is checked first (a bad
// line at its end stops the replay before a single candle is decided), then read again a chunk at
// a time as the runner takes the candles, so memory does not grow with the file.
import t, { type Test } from 'tap';
import Database from 'better-sqlite3';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../engine/cli/main.ts';
import { CSV_HEADER } from '../../engine/market/csv.ts';
import { readCandleFile } from '../../engine/market/candle-file.ts';
import { bundledInstrument } from '../../engine/market/instruments.ts';
import type { Candle } from '../../engine/market/candle.ts';
import { CsvCandleSource } from '../../engine/venue/sim/csv-source.ts';

const BUNDLED = 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv';
const MARKET = { symbol: 'BTCUSDT', interval: '1' as const };
const RULES = bundledInstrument('BTCUSDT', 'linear');

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

/** `n` one-minute BTC candles in botctl's CSV (about 45 bytes a line: a 1 MB chunk holds ~23,000). */
function minuteCsv(file: string, n: number): void {
  const lines = [CSV_HEADER];
  let t0 = Date.UTC(2021, 0, 1);
  for (let i = 0; i < n; i++, t0 += 60_000) {
    const p = 30000 + (i % 500);
    lines.push(`${t0},${p}.5,${p + 3}.5,${p - 2}.5,${p + 1}.5,${(i % 97) + 0.125}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** A minute file of `n` candles in the test's folder, and a replay source that has checked it (pass one). */
async function checkedSource(t: Test, n: number): Promise<{ file: string; source: CsvCandleSource }> {
  const file = join(t.testdir(), 'BTCUSDT-1m.csv');
  minuteCsv(file, n);
  const source = new CsvCandleSource({ file, rules: RULES, market: MARKET });
  await source.start();
  return { file, source };
}

t.test('a bad line at the end of the file: refused before any candle is decided, nothing journaled', async (t) => {
  const dir = t.testdir();
  const spec = join(dir, 'btc-ema.yaml');
  writeFileSync(spec, readFileSync('bots/btc-ema.yaml', 'utf8'));
  const lines = readFileSync(BUNDLED, 'utf8').trimEnd().split('\n');
  const bad = [
    ['a letter in the last close', (l: string) => l.replace(/,([0-9.]+),([0-9.]+)$/, ',4x7.1,$2')],
    ['a missing column', (l: string) => l.split(',').slice(0, 4).join(',')],
    ['a candle out of order', () => (lines[10] as string)],
  ] as const;
  for (const [what, spoil] of bad) {
    const data = join(dir, `bad-${what.replaceAll(' ', '-')}.csv`);
    writeFileSync(data, `${[...lines.slice(0, -1), spoil(lines[lines.length - 1] as string)].join('\n')}\n`);
    const r = await cli(['run', spec, '--venue', 'sim', '--data', data]);
    t.equal(r.code, 1, `${what}: exit 1`);
    t.match(r.err, new RegExp(`${data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${lines.length}:\\d+: `), `${what}: the error names the file and its last line`);
    t.notMatch(r.err, /decision:|internal error|\n\s+at /, `${what}: no decision logged, no stack trace`);
    t.notMatch(r.out, /replayed/, `${what}: no replay summary`);
    const db = new Database(join(dir, 'journal', 'btc-ema.sqlite'), { readonly: true });
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    t.same([count('decisions'), count('equity'), count('orders'), count('fills')], [0, 0, 0, 0], `${what}: no decision, equity, order or fill in the journal`);
    db.close();
  }
});

t.test('the source streams: every checked candle once, in order, never more than a chunk and its window in memory', async (t) => {
  const n = 120_000; // about 5 MB: five chunks
  const { file, source } = await checkedSource(t, n);
  const expected: Candle[] = [];
  await readCandleFile({ file, market: MARKET }, (c) => void expected.push(c));

  t.equal(source.total, n, 'the first pass counted the file');
  t.equal(source.held, 0, 'and kept none of it');
  const history = await source.recentClosedCandles(200);
  t.same(history, expected.slice(0, 200), 'the history is the first candles of the file');
  const got: Candle[] = [];
  let most = 0;
  await source.subscribeCandles(async (c) => {
    got.push(c);
    most = Math.max(most, source.held);
    if (got.length % 1000 === 0) await new Promise<void>((r) => setImmediate(r)); // a runner that takes its time
  });
  await source.finished;
  t.equal(source.delivered, n - 200, 'every later candle delivered');
  t.ok(got.every((c, i) => c.start === expected[200 + i]?.start && c.close === expected[200 + i]?.close), 'the same candles as the checked read, in order');
  const perChunk = Math.ceil((1 << 20) / 45);
  t.ok(most <= perChunk + 2 * 1000, `at most a chunk (~${perChunk} candles) and the kept window in memory: ${most}`);
  t.ok(most < n / 4, `not the file (${n} candles)`);
  t.same(await source.recentClosedCandles(3), expected.slice(-3), 'history asked for later: the newest candles replayed');
  await source.close();
});

t.test('a file that changes between the check and the replay stops the replay with a located message', async (t) => {
  const { file, source } = await checkedSource(t, 60_000);
  truncateSync(file, Math.floor(readFileSync(file).length / 2)); // cut off, as if rewritten meanwhile
  await source.subscribeCandles(() => {});
  await t.rejects(source.finished, /BTCUSDT-1m\.csv changed while it was being replayed \(60000 candles when checked, \d+ now\)/);
  await source.close();
});

t.test('a replay stopped half-way ends its read of the file', async (t) => {
  const { source } = await checkedSource(t, 80_000);
  let seen = 0;
  const unsubscribe = await source.subscribeCandles(() => {
    if (++seen === 30_000) unsubscribe();
  });
  await source.finished;
  t.equal(source.delivered, 30_000, 'no candle after the stop');
  t.ok(source.held < 40_000, 'the rest of the file was not read into memory');
});

t.test("a replay's journal: equity for every candle, flat stretches coded as one row, read back whole", async (t) => {
  const dir = t.testdir();
  const spec = join(dir, 'btc-ema.yaml');
  writeFileSync(spec, readFileSync('bots/btc-ema.yaml', 'utf8'));
  const r = await cli(['run', spec, '--venue', 'sim', '--data', BUNDLED]);
  t.equal(r.code, 0, r.err.slice(-500));
  const final = /equity: 10000\.00 → ([0-9.]+)/.exec(r.out)?.[1];
  t.ok(final, 'the summary gives the final equity');
  const { Journal } = await import('../../engine/journal/index.ts');
  const j = Journal.open(join(dir, 'journal', 'btc-ema.sqlite'), { readonly: true });
  t.teardown(() => j.close());
  const v = j.view({ mode: 'backtest', bot: 'btc-ema' });
  const points = v.equity();
  const rows = j.db.prepare('SELECT count(*) FROM equity').pluck().get() as number;
  t.ok(rows * 3 < points.length, `${points.length} snapshots in ${rows} rows`);
  const HOUR = 3_600_000;
  const times = new Set(points.map((p) => p.time));
  const first = points[0]!.time;
  const last = points[points.length - 1]!.time;
  const missing: number[] = [];
  for (let time = first; time <= last; time += HOUR) if (!times.has(time)) missing.push(time);
  t.same(missing, [], 'a snapshot at every candle close from the first to the last');
  t.ok((last - first) / HOUR > 4000, 'over the whole file');
  t.ok(points.every((p, i) => i === 0 || p.time >= points[i - 1]!.time), 'in time order');
  t.equal(points[points.length - 1]!.equity.toFixed(2), final, 'the last one is the final equity');
  t.same(v.lastEquity(), points[points.length - 1], 'status reads the same last snapshot');
});

t.test("a replay's log, written a chunk at a time: every line, whole, before the error that ends the run", async (t) => {
  const dir = t.testdir();
  const spec = join(dir, 'flip.yaml');
  writeFileSync(spec, readFileSync('bots/btc-breakout-module.yaml', 'utf8').replace(/^name: .*$/m, 'name: flip').replace(/module: .*$/m, 'module: ./flip.mjs'));
  // Enters and exits in turn, then breaks on the 3,000th candle: the run ends with an error.
  writeFileSync(join(dir, 'flip.mjs'), `export default class Flip {
    warmupBars = 0; preloadBars = 0; n = 0;
    onCandle() {
      this.n++;
      if (this.n === 3000) throw new Error('flip broke on purpose');
      const k = this.n % 40;
      return k === 0 ? [{ action: 'enter_long' }] : k === 20 ? [{ action: 'exit_long' }] : [];
    }
  }\n`);
  const r = await cli(['run', spec, '--venue', 'sim', '--data', BUNDLED]);
  t.equal(r.code, 1);
  const lines = r.err.trimEnd().split('\n');
  const json = lines.map((l) => l.startsWith('{') && l.endsWith('}'));
  const firstPlain = json.indexOf(false);
  t.ok(firstPlain > 100, `${firstPlain} log lines first`);
  // Only what is logged after the error was printed (the run stopping) may follow it.
  t.same(lines.slice(firstPlain).filter((l, i) => json[firstPlain + i]).map((l) => JSON.parse(l).msg), ['stopping'], 'the gathered lines were written before the error');
  for (const l of lines.slice(0, firstPlain)) JSON.parse(l); // whole lines, never cut or interleaved
  const decisions = lines.slice(0, firstPlain).filter((l) => /"msg":"decision: .*(BUY signal entering long|EXIT LONG signal closing the long)/.test(l)).length;
  t.ok(decisions >= 100, `${decisions} entry and exit decisions logged before the error`);
  t.match(lines.slice(firstPlain).join('\n'), /flip broke on purpose/);
  t.match(lines.slice(0, firstPlain).join('\n'), /the strategy module failed; no further decisions/);
});

t.test('Ctrl-C while a long file is being checked ends the check between two chunks, nothing replayed', async (t) => {
  const file = join(t.testdir(), 'BTCUSDT-1m.csv');
  minuteCsv(file, 120_000); // about 5 MB: five chunks to check
  const { CsvCandleSource: Source, ReplayCheckAborted } = await import('../../engine/venue/sim/csv-source.ts');
  const ac = new AbortController();
  const source = new Source({ file, rules: RULES, market: MARKET, abort: ac.signal });
  const checking = source.start();
  setImmediate(() => ac.abort('SIGINT'));
  await t.rejects(checking, ReplayCheckAborted);
  t.equal(source.summary, undefined, 'the check did not run to the end');
  await t.rejects(new Source({ file, rules: RULES, market: MARKET, abort: ac.signal }).start(), /stopped while checking .*BTCUSDT-1m\.csv: nothing was replayed/, 'a signal already given stops it before it reads');
  const whole = new Source({ file, rules: RULES, market: MARKET, abort: new AbortController().signal });
  await whole.start();
  t.equal(whole.summary?.count, 120_000, 'without the signal the whole file is checked');
});

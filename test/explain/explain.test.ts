// botctl explain end to end through the CLI entry: which bars are shown, what they say, the CSV
// export, and clear errors with exit codes.
import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../engine/cli/main.ts';
import { compileRules } from '../../dsl/index.ts';
import { explainBar, parseUtcTime } from '../../dsl/explain.ts';
import { btcCandles } from '../dsl/helpers.ts';
import { loadBotSpec } from '../../engine/spec/load.ts';
import { runBacktest } from '../../engine/backtest/runner.ts';
import { instantiateStrategy } from '../../engine/strategy/load.ts';
import { bundledInstrument } from '../../engine/market/instruments.ts';

const DATA = fileURLToPath(new URL('../../bots/data/BTCUSDT-1h-2021-10_2022-03.csv', import.meta.url));
const ENTRY = 'crossover(ema(close, fast), ema(close, slow)) and rsi(close, 14) < 70';
const SPEC = `name: explain-test
market:
  network: testnet
  category: linear
  symbol: BTCUSDT
  interval: 60
strategy:
  params:
    fast: 9
    slow: 21
  long:
    entry: "${ENTRY}"
    exit: "crossunder(ema(close, fast), ema(close, slow))"
  strength: "rsi(close, 14) / 100"
risk:
  quantity: 0.01
run:
  mode: paper
`;

const dir = mkdtempSync(join(tmpdir(), 'botctl-explain-'));
const spec = join(dir, 'bot.yaml');
writeFileSync(spec, SPEC);

async function explain(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['explain', ...args], { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

t.test('default: the last 5 bars, each with its candle, conditions and values', async (t) => {
  const r = await explain(spec, '--data', DATA);
  t.equal(r.code, 0, r.err);
  const headers = r.out.split('\n').filter((l) => /^\d{4}-\d\d-\d\d \d\d:\d\d UTC {2}bar \d+/.test(l));
  t.strictSame(headers.map((l) => l.slice(0, 16)), ['2022-03-31 19:00', '2022-03-31 20:00', '2022-03-31 21:00', '2022-03-31 22:00', '2022-03-31 23:00']);
  t.match(r.out, /warm-up 21 bars; averages settle after 126 bars/);
  t.match(r.out, /close 45510\.34/, 'the last candle is shown');
  t.match(r.out, /ema\(close, fast\)\s+45910\.94488/, 'sub-expression values under their source text');
  t.match(r.out, /long entry\s+did not fire\s+crossover\(ema\(close, fast\)/);
});

t.test('--at shows the bar that fired, with its signal and strength', async (t) => {
  // Find a bar where the entry fires, independently of explain.
  const candles = btcCandles();
  const compiled = compileRules({ long_entry: ENTRY.replace(/fast/g, '9').replace(/slow/g, '21') }, new Map());
  if (!compiled.ok) throw new Error('compile');
  const s = compiled.rules.createStrategy();
  const i = candles.findIndex((c) => s.onCandle(c).length > 0);
  t.ok(i > 21);
  const c = candles[i]!;
  const r = await explain(spec, '--data', DATA, '--at', `${iso(c.start)}`);
  t.equal(r.code, 0, r.err);
  t.match(r.out, new RegExp(`${iso(c.start)} UTC {2}bar ${i} `));
  t.match(r.out, /long entry\s+FIRED/);
  t.match(r.out, /signals: enter_long strength 0\.\d+/);
  t.match(r.out, /crossover\(ema\(close, fast\), ema\(close, slow\)\)\s+true/);
  t.equal(r.out.match(/ UTC {2}bar /g)?.length, 1, 'one bar');
});

t.test('each bar shows the decision the core took, with the same equity path as the backtest', async (t) => {
  // The spec with a stop, a target and a long cooldown after exits: entries the rule fires get
  // skipped. The backtest (run here independently of explain) says which, and why.
  const cooled = join(dir, 'cooled.yaml');
  writeFileSync(cooled, SPEC.replace('  quantity: 0.01\n', '  quantity: 0.01\n  stop_loss: { percent: 2 }\n  take_profit: { risk_reward: 2 }\ncooldown:\n  after_exit: 40 bars\n'));
  const loaded = await loadBotSpec(cooled);
  if (!loaded.ok) throw new Error('spec');
  const bt = runBacktest(loaded.plan, await instantiateStrategy(loaded.plan), bundledInstrument('BTCUSDT', 'linear'), btcCandles());
  const skipped = bt.decisions.find((d) => d.kind === 'signal' && d.outcome === 'skipped' && d.reason.includes('cooldown after exit'));
  const entered = bt.decisions.find((d) => d.kind === 'signal' && d.outcome === 'entry');
  const closed = bt.decisions.find((d) => d.kind === 'exit');
  if (!skipped || !entered || !closed) throw new Error('the scenario needs a skipped entry, an entry and a stop/target exit');
  for (const d of [skipped, entered, closed]) {
    const r = await explain(cooled, '--data', DATA, '--at', iso(d.candle));
    t.equal(r.code, 0, r.err);
    t.match(r.out, `  decision: ${d.text.slice(17)}`, `${iso(d.candle)}: ${d.text}`);
  }
  t.match(skipped.text, /BUY signal \(strength 0\.\d+\) skipped: cooldown after exit, \d+ of 40 bars left$/);
  const quiet = await explain(cooled, '--data', DATA, '--at', '2021-10-01 12:00');
  t.match(quiet.out, /  decision: none$/m, 'a bar without a signal or an event says so');
  const muted = await explain(cooled, '--data', DATA, '--at', iso(btcCandles()[60]!.start));
  t.notMatch(muted.out, /  decision: [A-Z]/, 'no decision before the averages settle');
});

t.test('--at inside a candle picks that candle; --last N ends there', async (t) => {
  const r = await explain(spec, '--data', DATA, '--at', '2022-01-05T14:30Z', '--last', '3');
  t.equal(r.code, 0, r.err);
  const bars = [...r.out.matchAll(/^(\S+ \S+) UTC {2}bar (\d+)/gm)].map((m) => `${m[1]}#${m[2]}`);
  t.strictSame(bars, ['2022-01-05 12:00#2316', '2022-01-05 13:00#2317', '2022-01-05 14:00#2318']);
});

t.test('warm-up bars say why nothing can fire', async (t) => {
  const r = await explain(spec, '--data', DATA, '--at', '2021-10-01 03:00');
  t.equal(r.code, 0, r.err);
  t.match(r.out, /warming up: no signals before bar 21/);
  t.match(r.out, /long entry\s+did not fire \(na: not enough history\)/);
  t.match(r.out, /ema\(close, slow\)\s+na/);
});

t.test('--csv writes every bar: time plus one column per sub-expression and field', async (t) => {
  const file = join(dir, 'series.csv');
  const r = await explain(spec, '--data', DATA, '--csv', file, '--last', '1');
  t.equal(r.code, 0, r.err);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  t.equal(lines.length, 4369, 'header + 4368 bars');
  t.equal(lines[0], 'time,close,"ema(close, fast)","ema(close, slow)","crossover(ema(close, fast), ema(close, slow))","rsi(close, 14)","rsi(close, 14) < 70","crossover(ema(close, fast), ema(close, slow)) and rsi(close, 14) < 70","crossunder(ema(close, fast), ema(close, slow))","rsi(close, 14) / 100",long_entry,long_exit,strength');
  t.equal(lines[1], '2021-10-01T00:00:00.000Z,43694.48,,,,,,,,,,,', 'na is an empty cell');
  const last = lines[4368]!.split(',');
  t.equal(last[0], '2022-03-31T23:00:00.000Z');
  t.equal(last[1], '45510.34');
  t.equal(Number(last[2]).toFixed(5), '45910.94488');
  t.equal(last[4], 'false');
});

t.test('errors: clear message, exit 1 (or 2 for a wrong command line)', async (t) => {
  let r = await explain(spec, '--data', DATA, '--at', '2023-01-01');
  t.equal(r.code, 1);
  t.equal(r.err, 'error: --at 2023-01-01 00:00 UTC is outside the data: ' + DATA + ' covers 2021-10-01 00:00 UTC to 2022-03-31 23:00 UTC\n');
  r = await explain(spec, '--data', DATA, '--at', 'yesterday');
  t.equal(r.code, 2, 'a malformed --at is a wrong command line, as a malformed --from is');
  t.equal(r.err, `error: --at: 'yesterday' is not a UTC time; write it like 2022-01-05T14:00Z or "2022-01-05 14:00"\n`);
  r = await explain(spec, '--data', join(dir, 'missing.csv'));
  t.equal(r.code, 1);
  t.match(r.err, /cannot read candle file .*missing\.csv: no such file/);
  r = await explain(join(dir, 'missing.yaml'), '--data', DATA);
  t.equal(r.code, 1);
  t.match(r.err, /missing\.yaml: error: cannot read the spec: no such file/);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, SPEC.replace('rsi(close, 14) < 70', 'rsi(close 14) < 70'));
  r = await explain(bad, '--data', DATA);
  t.equal(r.code, 1);
  t.match(r.err, /bad\.yaml:12:\d+: error: expected ',' or '\)' after an argument of 'rsi\(' but found `14`/);
  r = await explain(spec, '--data', DATA, '--last', 'x');
  t.equal(r.code, 2);
  t.match(r.err, /--last must be a whole number of bars/);
  r = await explain(spec);
  t.equal(r.code, 2, '--data is required');
  r = await explain(spec, '--data', DATA, '--csv', join(dir, 'no-such-dir', 'x.csv'));
  t.equal(r.code, 1);
  t.match(r.err, /cannot write --csv .*x\.csv: its folder does not exist/);
});

t.test('UTC time forms', async (t) => {
  const at = Date.UTC(2022, 0, 5, 14, 0);
  for (const s of ['2022-01-05T14:00Z', '2022-01-05 14:00', '2022-01-05T14:00:00', '2022-01-05T14:00:00.000Z', '2022-01-05 14:00 UTC']) t.equal(parseUtcTime(s), at, s);
  t.equal(parseUtcTime('2022-01-05'), Date.UTC(2022, 0, 5));
  for (const s of ['2022-02-30', '2022-01-05 25:00', '14:00', '2022-01-05T14:00+02:00', '']) t.equal(parseUtcTime(s), undefined, s);
});

t.test('a condition folded to a constant shows as fired/true, not as the number of the same value', async (t) => {
  // `1 < 2` folds to true; the literal `1` is a number constant of the same value.
  const compiled = compileRules({ long_entry: '1 < 2', long_exit: 'close > open and 2 > 1 and 1 == 1' }, new Map());
  if (!compiled.ok || !compiled.rules.createTracer) throw new Error('compile');
  const tracer = compiled.rules.createTracer();
  t.strictSame(tracer.fields.map((f) => [f.field, f.type]), [['long_entry', 'bool'], ['long_exit', 'bool']]);
  const candle = btcCandles()[0]!;
  const text = explainBar(tracer, { candle, trace: tracer.step(candle) });
  t.match(text, /long entry\s+FIRED\s+1 < 2/);
});

t.test("the flagship's EMA crossover is listed under values, although it is also a whole exit rule", async (t) => {
  const flagship = fileURLToPath(new URL('../../bots/btc-ema.yaml', import.meta.url));
  const r = await explain(flagship, '--data', DATA, '--at', '2022-01-05 14:00');
  t.equal(r.code, 0, r.err);
  const values = r.out.slice(r.out.indexOf('  values:'));
  t.match(values, /\n {4}crossover\(ema\(close, fast\), ema\(close, slow\)\)\s+false\n/, 'the part of the long entry that failed');
  t.match(values, /\n {4}crossunder\(ema\(close, fast\), ema\(close, slow\)\)\s+false\n/);
  t.match(values, /\n {4}rsi\(close, 14\) < 70\s+true\n/);
});

// `botctl sweep` end to end through the CLI entry, on the bundled real data: the report, the
// --json file (every combination, the same bytes whatever the worker count, resumed or sharded),
// --write-spec, and what a trader sees for bad input.
import t from 'tap';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../engine/cli/main.ts';

const DATA = 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv';
const GRID = ['--param', 'fast=7,9,12', '--param', 'slow=26,40', '--param', 'risk.stop_loss.atr.multiple=1.5,2.5'];

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

// One sweep serves the report, the --json and the --write-spec checks: the same command a trader
// runs with all three outputs, so the written spec is checked against the very run it came from.
const shared = t.testdir();
let everyOutput: Promise<{ r: { code: number; out: string; err: string }; json: string; spec: string }> | undefined;
function sweepWithEveryOutput(): Promise<{ r: { code: number; out: string; err: string }; json: string; spec: string }> {
  everyOutput ??= (async () => {
    const json = join(shared, 'a.json');
    const spec = join(shared, 'best.yaml');
    const r = await run(['sweep', 'bots/btc-ema.yaml', '--data', DATA, ...GRID, '--min-trades', '20', '--top', '5', '--workers', '2', '--results', join(shared, 'a.jsonl'), '--json', json, '--write-spec', spec]);
    return { r, json, spec };
  })();
  return everyOutput;
}

t.test('a sweep prints the best combinations and writes every combination as JSON', async (t) => {
  const { r, json } = await sweepWithEveryOutput();
  t.equal(r.code, 0, r.err);
  t.match(r.out, /^btc-ema: 12 combinations of fast × slow × risk\.stop_loss\.atr\.multiple on 4,368 candles, 2021-10-01 00:00 → 2022-03-31 23:00 UTC\n/);
  t.match(r.out, /ranked by Sharpe ratio \(daily returns, annualised\) over the whole data: \d+ ranked/);
  t.match(r.out, /\n +# +fast +slow +atr\.multiple +trades +net % +max DD % +Sharpe\n +1 +\d+ +\d+ +[\d.]+ +\d+ /, 'the top table');
  t.match(r.out, /12 combinations in [\d.]+ s on 2 workers: [\d.]+ combinations\/s/);
  const j = JSON.parse(readFileSync(json, 'utf8'));
  t.equal(j.format, 'botctl-sweep/1');
  t.equal(j.combinations.length, 12, 'every combination');
  t.strictSame(j.combinations.map((c: { n: number }) => c.n), [...Array(12).keys()]);
  t.strictSame(Object.keys(j.combinations[0].params), ['fast', 'slow', 'risk.stop_loss.atr.multiple']);
  t.equal(j.summary.top.length, 5);
  t.equal(j.summary.best.n, j.summary.top[0].n);
  const best = j.combinations[j.summary.best.n];
  t.equal(best.score, j.summary.best.score, 'the best entry carries its score');
  t.ok(j.summary.top.every((e: { score: number }, i: number, a: { score: number }[]) => i === 0 || a[i - 1]!.score >= e.score), 'ranked best first');
});

t.test('--write-spec writes the best combination into a copy of the spec that validates, comments kept', async (t) => {
  const dir = t.testdir();
  const { r, json, spec: best } = await sweepWithEveryOutput();
  t.equal(r.code, 0, r.err);
  t.match(r.out, new RegExp(`wrote ${best.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} with fast = \\d+, slow = \\d+, risk\\.stop_loss\\.atr\\.multiple = [\\d.]+ \\(rank 1\\); it validates`));
  const text = readFileSync(best, 'utf8');
  t.match(text, /# EMA crossover with an RSI filter on the BTCUSDT perpetual/);
  const j = JSON.parse(readFileSync(json, 'utf8'));
  t.match(text, new RegExp(`\\n    fast: ${j.summary.best.params.fast}\\n`));
  t.equal((await run(['validate', best])).code, 0);
  const over = await run(['sweep', 'bots/btc-ema.yaml', '--data', DATA, ...GRID, '--write-spec', 'bots/btc-ema.yaml']);
  t.equal(over.code, 1, 'never over the spec it reads');
  // A strategy module is named relative to the spec: the copy names it from where it is written.
  const moduleBest = join(dir, 'module-best.yaml');
  const m = await run(['sweep', 'bots/btc-breakout-module.yaml', '--data', DATA, '--param', 'exit_channel=8', '--min-trades', '1', '--workers', '1', '--results', join(dir, 'm.jsonl'), '--write-spec', moduleBest]);
  t.equal(m.code, 0, m.err);
  t.match(readFileSync(moduleBest, 'utf8'), /\n {2}module: (\.\.\/)+bots\/strategies\/donchian-breakout\.ts\n/);
  t.equal((await run(['validate', moduleBest])).code, 0, 'and it validates');
});

t.test('bad input: a clear message and exit 1 (2 for the command line), never a stack trace', async (t) => {
  const cases: [string[], number, RegExp][] = [
    [['--param', 'fats=5..9'], 1, /--param fats=5\.\.9: unknown parameter `fats`; did you mean `fast`\?/],
    [['--param', 'risk.stop_loss.atr.multipel=1,2'], 1, /did you mean `risk\.stop_loss\.atr\.multiple`\?/],
    [['--param', 'fast=5..20:0'], 1, /the step of `5\.\.20:0` is 0, so the range never moves/],
    [['--param', 'slow=60..20'], 1, /the range `60\.\.20` produces no value/],
    [['--param', 'fast=1..200', '--param', 'slow=1..200', '--param', 'risk.stop_loss.atr.multiple=1..50'], 1, /the parameters make 2,000,000 combinations \(200 fast × 200 slow × 50 risk\.stop_loss\.atr\.multiple\); more than 1,000,000 need --random N/],
    [['--param', 'fast'], 2, /--param fast: write it as NAME=VALUES/],
    [['--param', 'fast=5', '--objective', 'profit'], 2, /--objective profit: choose one of net, sharpe, sortino, calmar, profit_factor, expectancy/],
    [['--param', 'fast=5', '--shard', '4/3'], 2, /--shard 4\/3: write i\/n with 1 ≤ i ≤ n/],
    [[], 1, /say what to sweep: --param NAME=VALUES/],
  ];
  for (const [args, code, message] of cases) {
    const r = await run(['sweep', 'bots/btc-ema.yaml', '--data', DATA, '--workers', '1', '--results', join(t.testdir(), 'r.jsonl'), ...args]);
    t.equal(r.code, code, args.join(' '));
    t.match(r.err, message);
    t.notMatch(r.err, /\n\s+at /, 'no stack trace');
  }
  const noData = await run(['sweep', 'bots/btc-ema.yaml', '--param', 'fast=5']);
  t.equal(noData.code, 2);
  t.match(noData.err, /say which candles to sweep over: --data FILE\.csv/);
});

t.test('too few trades to rank: the trader is told so, not handed a best of nothing', async (t) => {
  const dir = t.testdir();
  const r = await run(['sweep', 'bots/btc-ema.yaml', '--data', DATA, '--param', 'fast=9,12', '--min-trades', '500', '--workers', '1', '--results', join(dir, 'r.jsonl'), '--write-spec', join(dir, 'best.yaml')]);
  t.equal(r.code, 1);
  t.match(r.out.replace(/\s+/g, ' '), /warning: no combination made at least 500 trades \(the most was \d+\); figures from so few trades are luck/);
  t.match(r.err, /--write-spec: no combination was ranked, so there is no best to write/);
  t.notOk(existsSync(join(dir, 'best.yaml')));
});

t.test('a sweep file holds the parameters and options; its mistakes are located', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'btc.sweep.yaml');
  writeFileSync(file, '# beside the spec\nparams:\n  fast: 7..9\n  slow: [26, 40]\nobjective: net\nmin_trades: 5\ntop: 3\n');
  const r = await run(['sweep', 'bots/btc-ema.yaml', '--data', DATA, '--file', file, '--workers', '1', '--results', join(dir, 'r.jsonl')]);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /6 combinations of fast × slow/);
  t.match(r.out, /ranked by net profit/);
  writeFileSync(file, 'params:\n  fast: 7..9\n  slwo: [26, 40]\nobjectiv: net\n');
  const bad = await run(['sweep', 'bots/btc-ema.yaml', '--data', DATA, '--file', file]);
  t.equal(bad.code, 1);
  t.match(bad.err, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4:1: error: unknown key \`objectiv\` in the sweep file; did you mean \`objective\`\\?`));
  writeFileSync(file, 'params:\n  fast: 7..9\n  slwo: [26, 40]\n');
  const bad2 = await run(['sweep', 'bots/btc-ema.yaml', '--data', DATA, '--file', file, '--workers', '1', '--results', join(dir, 'r.jsonl')]);
  t.equal(bad2.code, 1);
  t.match(bad2.err, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:3: unknown parameter \`slwo\`; did you mean \`slow\`\\?`));
});

t.test('the example sweep file beside the flagship spec is valid and names its parameters', async (t) => {
  const { loadSweepFile } = await import('../../engine/sweep/sweep-file.ts');
  const { resolveParams } = await import('../../engine/sweep/params.ts');
  const { parseDocument } = await import('yaml');
  const f = await loadSweepFile('bots/btc-ema.sweep.yaml');
  const defs = resolveParams(f.params, parseDocument(readFileSync('bots/btc-ema.yaml', 'utf8')).toJS());
  t.strictSame(defs.map((d) => [d.name, d.values.length]), [['fast', 16], ['slow', 9], ['risk.stop_loss.atr.multiple', 4]]);
  t.strictSame(f.walkForward, { folds: 4, mode: 'anchored' });
  t.equal(f.minTrades, 30);
});

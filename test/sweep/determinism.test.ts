// The same sweep gives the same --json bytes however it is run: with one worker or two, as three
// shards merged back together, or interrupted and resumed. On the first 1,000 hourly candles of the
// bundled file: every combination trades (the bytes compared hold trades, figures and
// walk-forward folds), at a third of the work of the whole file.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../engine/cli/main.ts';

const dir = t.testdir();
const DATA = join(dir, 'BTCUSDT-1h-2021-10.csv');
writeFileSync(DATA, `${readFileSync('bots/data/BTCUSDT-1h-2021-10_2022-03.csv', 'utf8').split('\n').slice(0, 1001).join('\n')}\n`);
const GRID = ['--param', 'fast=7,9,12', '--param', 'slow=26,40', '--param', 'risk.stop_loss.atr.multiple=1.5,2.5', '--walk-forward', '2'];

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

const sweep = (workers: string, results: string, json: string, more: string[] = []): string[] =>
  ['sweep', 'bots/btc-ema.yaml', '--data', DATA, ...GRID, '--workers', workers, '--results', results, '--json', json, ...more];

// The sweep run whole on one worker: what every other way of running it must reproduce. Run once,
// by whichever test needs it first.
let whole: Promise<{ results: string; json: string }> | undefined;
function wholeOnOneWorker(): Promise<{ results: string; json: string }> {
  whole ??= (async () => {
    const results = join(dir, 'one.jsonl');
    const json = join(dir, 'one.json');
    const r = await run(sweep('1', results, json));
    if (r.code !== 0) throw new Error(r.err);
    return { results, json };
  })();
  return whole;
}

t.test('--json is byte-identical whatever the worker count, and for three shards merged', async (t) => {
  const one = (await wholeOnOneWorker()).json;
  const j = JSON.parse(readFileSync(one, 'utf8')) as { combinations: { figures?: { trades: number }; folds?: unknown[] }[] };
  t.equal(j.combinations.length, 12);
  t.ok(j.combinations.every((c) => (c.figures?.trades ?? 0) >= 5 && c.folds?.length === 2), 'every combination trades, in both walk-forward folds');
  const two = join(dir, 'two.json');
  t.equal((await run(sweep('2', join(dir, 'two.jsonl'), two))).code, 0);
  t.equal(readFileSync(two, 'utf8'), readFileSync(one, 'utf8'), '1 and 2 workers: same bytes');
  const parts = [1, 2, 3].map((i) => join(dir, `part${i}.json`));
  for (const [i, part] of parts.entries()) {
    const r = await run(sweep('1', join(dir, `part${i + 1}.jsonl`), part, ['--shard', `${i + 1}/3`]));
    t.equal(r.code, 0, r.err);
    t.match(r.out, new RegExp(`\\(shard ${i + 1}/3\\)`));
  }
  const merged = join(dir, 'merged.json');
  const m = await run(['sweep', 'merge', ...parts.reverse(), '--json', merged]);
  t.equal(m.code, 0, m.err);
  t.equal(readFileSync(merged, 'utf8'), readFileSync(one, 'utf8'), '3 shards merged: the same bytes as one run');
  const missing = await run(['sweep', 'merge', parts[0]!, parts[1]!, '--json', join(dir, 'x.json')]);
  t.equal(missing.code, 1);
  t.match(missing.err, /shard 1\/3 missing; give all 3 --json files/);
});

t.test('--resume carries on after the last complete line and ends with the same result', async (t) => {
  const full = await wholeOnOneWorker();
  // As if Ctrl-C came after five combinations, in the middle of writing the sixth.
  const results = join(dir, 'r.jsonl');
  const lines = readFileSync(full.results, 'utf8').split('\n');
  writeFileSync(results, `${lines.slice(0, 6).join('\n')}\n${lines[6]!.slice(0, 40)}`);
  const resumed = join(dir, 'resumed.json');
  const r = await run(sweep('1', results, resumed, ['--resume']));
  t.equal(r.code, 0, r.err);
  t.match(r.err, /resuming: 5 of 12 combinations already in/);
  t.equal(readFileSync(resumed, 'utf8'), readFileSync(full.json, 'utf8'));
  const other = await run(['sweep', 'bots/btc-ema.yaml', '--data', DATA, '--param', 'fast=7,8', '--results', results, '--resume']);
  t.equal(other.code, 1);
  t.match(other.err, /holds the results of a different sweep .*; run without --resume to start over/);
});

// The same sweep gives the same --json bytes however it is run: with one worker or two, as three
// shards merged back together, or interrupted and resumed.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
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

t.test('--json is byte-identical whatever the worker count, and for three shards merged', async (t) => {
  const dir = t.testdir();
  const one = join(dir, 'one.json');
  const two = join(dir, 'two.json');
  const args = (w: string, out: string, more: string[] = []) => ['sweep', 'bots/btc-ema.yaml', '--data', DATA, ...GRID, '--walk-forward', '2', '--workers', w, '--results', join(dir, `${w}-${more.join('')}.jsonl`.replace(/\//g, '_')), '--json', out, ...more];
  t.equal((await run(args('1', one))).code, 0);
  t.equal((await run(args('2', two))).code, 0);
  t.equal(readFileSync(two, 'utf8'), readFileSync(one, 'utf8'), '1 and 2 workers: same bytes');
  const parts = [1, 2, 3].map((i) => join(dir, `part${i}.json`));
  for (const [i, part] of parts.entries()) {
    const r = await run(args('1', part, ['--shard', `${i + 1}/3`]));
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
  const dir = t.testdir();
  const results = join(dir, 'r.jsonl');
  const full = join(dir, 'full.json');
  const resumed = join(dir, 'resumed.json');
  const base = ['sweep', 'bots/btc-ema.yaml', '--data', DATA, ...GRID, '--workers', '1', '--results', results];
  t.equal((await run([...base, '--json', full])).code, 0);
  // As if Ctrl-C came after five combinations, in the middle of writing the sixth.
  const lines = readFileSync(results, 'utf8').split('\n');
  writeFileSync(results, `${lines.slice(0, 6).join('\n')}\n${lines[6]!.slice(0, 40)}`);
  const r = await run([...base, '--resume', '--json', resumed]);
  t.equal(r.code, 0, r.err);
  t.match(r.err, /resuming: 5 of 12 combinations already in/);
  t.equal(readFileSync(resumed, 'utf8'), readFileSync(full, 'utf8'));
  const other = await run(['sweep', 'bots/btc-ema.yaml', '--data', DATA, '--param', 'fast=7,8', '--results', results, '--resume']);
  t.equal(other.code, 1);
  t.match(other.err, /holds the results of a different sweep .*; run without --resume to start over/);
});


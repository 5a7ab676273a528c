// A combination that kills its worker thread is reported with its values and counted as failed,
// never blamed on the next one; a strategy that throws fails its own combination only; one that
// ends the process in its constructor is refused by validate; the sweep goes on and finishes.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../engine/cli/main.ts';

t.test('a worker crash is reported with the combination that caused it, and the sweep continues', async (t) => {
  const dir = t.testdir();
  let out = '';
  let err = '';
  const code = await main([
    'sweep', 'test/fixtures/sweep/crashy.yaml', '--data', 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv',
    '--param', 'boom=0,1,2,3', '--param', 'length=10,11', '--workers', '1', '--min-trades', '0',
    '--results', join(dir, 'r.jsonl'), '--json', join(dir, 'out.json'),
  ], { out: (s) => { out += s; }, err: (s) => { err += s; } });
  t.equal(code, 0, err);
  const j = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
  t.equal(j.combinations.length, 8, 'every combination has a line');
  const by = (boom: string) => j.combinations.filter((c: { params: { boom: string } }) => c.params.boom === boom);
  t.ok(by('0').every((c: { status: string }) => c.status === 'ok'), 'the healthy ones ran');
  for (const c of by('1')) {
    t.equal(c.status, 'skipped', 'process.exit() in the constructor: validate refuses the spec');
    t.match(c.reason, /called process\.exit\(3\) in its constructor/);
  }
  for (const c of by('2')) {
    t.equal(c.status, 'failed');
    t.match(c.reason, /the strategy tripped on candle 100/);
  }
  for (const c of by('3')) {
    t.equal(c.status, 'failed', 'the combination whose callback ended the worker');
    t.match(c.reason, /the worker running it crashed: the strategy's callback threw after candle 100/);
  }
  t.equal(j.summary.failed.count, 4);
  t.equal(j.summary.skipped.count, 2);
  t.match(out, /failed 4:\n {4}#\d+ \(boom 2, length 10\): strategy module .*crashy\.ts on the candle of .*: onCandle threw: the strategy tripped on candle 100; the run was stopped\n {6}hint: it was thrown at .*crashy\.ts:\d+:\d+\n {4}#\d+ \(boom 2, length 11\): /, 'the report names failed combinations by their values, one a line');
  t.match(out, /not ranked \(2 × Sharpe undefined \(fewer than two days, or a flat equity curve\)\)\n/, 'the reason not to rank keeps its words');
});

t.test('a strategy run by a sweep worker cannot read the API keys', async (t) => {
  const dir = t.testdir();
  const saved = { key: process.env.BYBIT_API_KEY, secret: process.env.BYBIT_API_SECRET };
  process.env.BYBIT_API_KEY = 'k'.repeat(18);
  process.env.BYBIT_API_SECRET = 's'.repeat(36);
  t.teardown(() => {
    for (const [name, v] of [['BYBIT_API_KEY', saved.key], ['BYBIT_API_SECRET', saved.secret]] as const) {
      if (v === undefined) delete process.env[name];
      else process.env[name] = v;
    }
  });
  let err = '';
  const code = await main([
    'sweep', 'test/fixtures/sweep/crashy.yaml', '--data', 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv',
    '--param', 'boom=4', '--workers', '1', '--min-trades', '0', '--results', join(dir, 'r.jsonl'), '--json', join(dir, 'out.json'),
  ], { out: () => {}, err: (s) => { err += s; } });
  t.equal(code, 0, err);
  const j = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
  t.strictSame(j.combinations.map((c: { status: string; reason?: string }) => [c.status, c.reason]), [['ok', undefined]]);
});

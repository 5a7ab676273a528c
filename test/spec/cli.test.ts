// `botctl validate`: output, --json, exit codes 0/1/2. The first two cases spawn the installed
// command (the compiled build and its ahead-of-time validator, the exit code the shell sees); the
// rest run botctl's main in this process.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BOTCTL } from '../helpers/run-cli.ts';
import { runBotctl, type CliResult } from '../helpers/cli.ts';
import { validatorModuleSource, VALIDATOR_FILE } from '../../engine/spec/schema.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

function spawned(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BOTCTL, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const botctl = (...args: string[]): Promise<CliResult> => runBotctl(args, { cwd: root });

t.test('valid specs: exit 0 and a summary per file', async (t) => {
  const r = spawned('validate', 'bots/btc-breakout-module.yaml', 'bots/btc-ema.yaml');
  t.equal(r.code, 0, r.code === 0 ? 'exit 0' : r.out + r.err);
  t.match(r.out, /^bots\/btc-breakout-module\.yaml: valid\n  btc-breakout trades BTCUSDT perpetual \(linear, testnet\) on 1-hour candles, paper mode\./);
  t.match(r.out, /\nbots\/btc-ema\.yaml: valid\n  btc-ema trades BTCUSDT perpetual/);
});

t.test('an invalid spec: exit 1, compiler-style errors with excerpt, hint and a count line', async (t) => {
  const r = spawned('validate', 'test/fixtures/specs/unknown-keys.yaml');
  t.equal(r.code, 1);
  // No "no stop_loss" warning ahead of it: the misspelt `stop_los` is the cause, said first.
  t.equal(r.out, [
    'test/fixtures/specs/unknown-keys.yaml:11:3: error: unknown key `stop_los` in `risk`; did you mean `stop_loss`?',
    '      stop_los: { percent: 2 }',
    '      ^^^^^^^^',
    'test/fixtures/specs/unknown-keys.yaml:13:3: error: unknown key `after_exits` in `cooldown`; did you mean `after_exit`?',
    '      after_exits: 3 bars',
    '      ^^^^^^^^^^^',
    'test/fixtures/specs/unknown-keys.yaml:14:1: error: unknown key `protection` at the top level; did you mean `protections`?',
    '    protection:',
    '    ^^^^^^^^^^',
    '3 errors in test/fixtures/specs/unknown-keys.yaml',
    '',
  ].join('\n'));
});

t.test('one invalid file among valid ones still exits 1', async (t) => {
  const r = await botctl('validate', 'bots/btc-breakout-module.yaml', 'test/fixtures/specs/stop-zero.yaml');
  t.equal(r.code, 1);
  t.match(r.out, /bots\/btc-breakout-module\.yaml: valid/);
  t.match(r.out, /test\/fixtures\/specs\/stop-zero\.yaml:12:14: error: risk\.stop_loss\.percent must be greater than 0\n/);
});

t.test('a missing file: exit 1 and a plain message', async (t) => {
  const r = await botctl('validate', 'bots/nope.yaml');
  t.equal(r.code, 1);
  t.equal(r.out, 'bots/nope.yaml: error: cannot read the spec: no such file\n1 error in bots/nope.yaml\n');
  t.notMatch(r.out + r.err, /at .*\.ts:\d+/, 'no stack trace');
});

t.test('--json: machine-readable results', async (t) => {
  const r = await botctl('validate', '--json', 'bots/btc-breakout-module.yaml', 'test/fixtures/specs/sizing-two.yaml');
  t.equal(r.code, 1);
  const results = JSON.parse(r.out) as { file: string; valid: boolean; errors: { line: number; column: number; message: string; hint?: string }[]; summary: string | null }[];
  t.equal(results.length, 2);
  t.equal(results[0]?.file, 'bots/btc-breakout-module.yaml');
  t.equal(results[0]?.valid, true);
  t.strictSame(results[0]?.errors, []);
  t.match(results[0]?.summary, /^btc-breakout trades BTCUSDT/);
  t.equal(results[1]?.valid, false);
  t.equal(results[1]?.summary, null);
  t.match(results[1]?.errors, [{ line: 11, column: 3, message: '`risk` takes only one of `quantity`, `quote` or `risk_percent`, but has `quantity` and `risk_percent`', hint: 'keep one of them' }]);
});

t.test('usage errors exit 2', async (t) => {
  t.equal((await botctl('validate')).code, 2, 'no file');
  t.equal((await botctl('validate', '--nope', 'bots/btc-ema.yaml')).code, 2, 'unknown option');
});

t.test('validate --help explains the command', async (t) => {
  const r = await botctl('validate', '--help');
  t.equal(r.code, 0);
  t.match(r.out, /Usage: botctl validate \[options\] <file\.\.\.>/);
  t.match(r.out, /--json/);
  t.match(r.out, /Exit status: 0 if every file is valid, 1 if any is not/);
});

t.test('botctl validates with the code ajv generates from the current schema', async (t) => {
  // test/spec/corpus.test.ts checks that this code reports what ajv's run-time compile reports.
  t.equal(readFileSync(`${root}/dist/engine/spec/${VALIDATOR_FILE}`, 'utf8'), validatorModuleSource());
});

// The command line's contract with scripts: exit codes and quiet handling of closed pipes. The
// installed command is spawned where the process is what is checked (the exit code the shell sees,
// a closed pipe); the rest runs botctl's main in this process, which returns the same code.
import t from 'tap';
import { spawn } from 'node:child_process';
import { BOTCTL } from '../helpers/run-cli.ts';
import { runBotctl } from '../helpers/cli.ts';

function botctl(args: string[], opts: { closeAfterFirstChunk?: boolean } = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BOTCTL, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (opts.closeAfterFirstChunk) child.stdout.destroy();
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

t.test('--help lists every command and exits 0', async (t) => {
  const r = await botctl(['--help']);
  t.equal(r.code, 0);
  for (const c of ['validate', 'explain', 'backtest', 'run', 'status', 'trades', 'report', 'init']) t.match(r.out, new RegExp(`\\n  ${c} `), c);
});

t.test('every subcommand has --help', async (t) => {
  for (const c of ['validate', 'explain', 'backtest', 'run', 'status', 'trades', 'report', 'init']) {
    const r = await runBotctl([c, '--help']);
    t.equal(r.code, 0, `${c} --help exits 0`);
    t.match(r.out, new RegExp(`^Usage: botctl ${c}`), `${c} --help prints its usage`);
  }
});

t.test('usage errors exit 2 and say what is wrong', async (t) => {
  const none = await botctl([]);
  t.equal(none.code, 2, 'no command');
  const unknown = await runBotctl(['backtets']);
  t.equal(unknown.code, 2);
  t.match(unknown.err, /unknown command 'backtets'/);
  t.match(unknown.err, /Did you mean backtest\?/);
  const badOption = await runBotctl(['validate', '--frobnicate', 'x.yaml']);
  t.equal(badOption.code, 2);
  t.match(badOption.err, /unknown option '--frobnicate'/);
  t.notMatch(badOption.err, /\n\s+at /, 'no stack trace');
});

t.test('a reader that closes the pipe early does not get a stack trace', async (t) => {
  const r = await botctl(['run', '--help'], { closeAfterFirstChunk: true });
  t.equal(r.code, 0);
  t.notMatch(r.err, /EPIPE|\n\s+at /);
});

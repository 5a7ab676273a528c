// Ctrl-C during a sweep: the running combinations finish, everything finished is on disk in
// complete lines, the exit status says "interrupted", and --resume finishes the job.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { botctl } from '../helpers/run-cli.ts';

const ARGS = ['sweep', 'bots/btc-ema.yaml', '--data', 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv',
  '--param', 'fast=5..14', '--param', 'slow=26..36:2', '--param', 'risk.stop_loss.atr.multiple=1,2', '--workers', '1'];

t.test('Ctrl-C keeps the finished combinations; --resume carries on from them', async (t) => {
  const dir = t.testdir();
  const results = join(dir, 'r.jsonl');
  const cli = botctl([...ARGS, '--results', results]);
  // Interrupt once a few combinations are on disk.
  for (;;) {
    if (existsSync(results) && readFileSync(results, 'utf8').split('\n').length > 3) break;
    if (cli.proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  cli.proc.kill('SIGINT');
  const code = await cli.exit;
  t.equal(code, 130, cli.stderr());
  const m = /interrupted: (\d+) of 120 combinations done and kept in (.+); run the same command with --resume to carry on/.exec(cli.stderr());
  t.ok(m, cli.stderr());
  const lines = readFileSync(results, 'utf8').split('\n').filter((l) => l !== '');
  t.equal(lines.length - 1, Number(m?.[1]), 'the count said is the count on disk');
  t.ok(lines.slice(1).every((l, i) => JSON.parse(l).n === i), 'complete lines, in order');
  t.ok(Number(m?.[1]) < 120, 'stopped before the end');

  const json = join(dir, 'out.json');
  const resumed = botctl([...ARGS, '--results', results, '--resume', '--json', json]);
  t.equal(await resumed.exit, 0, resumed.stderr());
  t.match(resumed.stderr(), new RegExp(`resuming: ${m?.[1]} of 120 combinations already in`));
  const j = JSON.parse(readFileSync(json, 'utf8'));
  t.strictSame(j.combinations.map((c: { n: number }) => c.n), [...Array(120).keys()]);
});

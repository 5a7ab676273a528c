// botctl as a user runs it, on strategy modules that would end or hang the process: a module
// calling process.exit() while loading gets a message and exit 1 (not a silent end), and a timer
// a module leaves running does not keep validate, backtest or run alive.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { CANDLES, botctl, moduleSpec, refused, scratch } from './harness.ts';

const CLASS = 'export default class S { warmupBars = 0; preloadBars = 0; onCandle() { return []; } }';
// What is tested is the start and the end: 300 candles are plenty.
const csv = readFileSync(CANDLES, 'utf8').split('\n').slice(0, 301).join('\n') + '\n';
const dir = scratch({
  'candles.csv': csv,
  'exit-0.mjs': `process.exit(0);\n${CLASS}`,
  'exit.yaml': moduleSpec('./exit-0.mjs'),
  'timer.mjs': `setInterval(() => {}, 1000);\n${CLASS}`,
  'timer.yaml': moduleSpec('./timer.mjs', { name: 'timer', journal: './journal/timer.sqlite' }),
});

t.test('botctl itself is not ended by a module calling process.exit: it says why and exits 1', async (t) => {
  for (const cmd of [['validate', 'exit.yaml'], ['backtest', 'exit.yaml', '--data', 'candles.csv']]) {
    const a = await botctl(cmd, { cwd: dir });
    refused(t, a, { code: 1, case: cmd[0], says: /exit-0\.mjs called process\.exit\(0\) while being imported/ });
  }
});

t.test('a module that leaves a timer running does not keep botctl alive', async (t) => {
  for (const cmd of [['validate', 'timer.yaml'], ['backtest', 'timer.yaml', '--data', 'candles.csv'], ['run', 'timer.yaml', '--data', 'candles.csv']]) {
    const a = await botctl(cmd, { cwd: dir, limitMs: 60_000 });
    t.notOk(a.killed, `${cmd[0]} finished`);
    t.equal(a.code, 0, `${cmd[0]} exit 0: ${a.err.slice(0, 300)}`);
  }
});

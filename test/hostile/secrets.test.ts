// The API key, the secret and the notification URL never leave botctl as text: a strategy module that reads process.env and
// puts the values in an error (at import, in its constructor, in onCandle, as a signal's action or
// reason) gets its message printed with the values replaced by [REDACTED], by every command, on
// the diagnostic and the error paths, and the journal holds them nowhere.
import t from 'tap';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { CANDLES, botctl, botctlHere, moduleSpec, scratch, type Answer } from './harness.ts';

const KEY = 'HostileApiKey4242';
const SECRET = 'HostileApiSecretZq81xy';
// Replay and backtest send no notifications: the URL is only something to leak here.
const NOTIFY = 'http://127.0.0.1:9/bot123456:AAEhostileTokenValue1234567/sendMessage';
const ENV = { BYBIT_API_KEY: KEY, BYBIT_API_SECRET: SECRET, BOTCTL_NOTIFY_URL: NOTIFY };
const LEAK = '"key=" + process.env.BYBIT_API_KEY + " secret " + process.env.BYBIT_API_SECRET + " " + process.env.BOTCTL_NOTIFY_URL';

/** [name, module text]: each puts both values in what botctl reports about it. */
const MODULES: Array<[string, string]> = [
  // The probe loads modules without the keys; botctl's own import has them.
  ['import', `if (process.env.BYBIT_API_KEY) throw new Error(${LEAK});\nexport default class S { warmupBars = 0; preloadBars = 0; onCandle() { return []; } }`],
  ['constructor', `export default class S { warmupBars = 0; preloadBars = 0; constructor() { if (process.env.BYBIT_API_KEY) throw new Error(${LEAK}); } onCandle() { return []; } }`],
  ['onCandle Error', `export default class S { warmupBars = 0; preloadBars = 0; onCandle() { throw new Error(${LEAK}); } }`],
  ['onCandle text', `export default class S { warmupBars = 0; preloadBars = 0; onCandle() { throw ${LEAK}; } }`],
  ['onCandle action', `export default class S { warmupBars = 0; preloadBars = 0; onCandle() { return [{ action: ${LEAK}, reason: 'x' }]; } }`],
  ['onCandle reason', `export default class S { warmupBars = 0; preloadBars = 0; onCandle() { return [{ action: 'enter_long', reason: 7, strength: ${LEAK} }]; } }`],
];

const files: Record<string, string> = {};
MODULES.forEach(([, text], i) => {
  files[`m${i}.mjs`] = text;
  files[`m${i}.yaml`] = moduleSpec(`./m${i}.mjs`, { name: `leak${i}`, journal: `./journal/leak${i}.sqlite` });
});
const dir = scratch(files);

function journalBytes(i: number): string {
  const jdir = join(dir, 'journal');
  if (!existsSync(jdir)) return '';
  return readdirSync(jdir).filter((f) => f.startsWith(`leak${i}.`)).map((f) => readFileSync(join(jdir, f)).toString('latin1')).join('');
}

/** validate, backtest and run (a replay) of module `i`. */
const commands = (i: number): string[][] => [['validate', `m${i}.yaml`], ['backtest', `m${i}.yaml`, '--data', CANDLES], ['run', `m${i}.yaml`, '--data', CANDLES]];

/** Nothing botctl printed holds a value, and where it removed one it says so. */
function printsNoSecret(t: Test, a: Answer, name: string, cmd: string): void {
  const what = `${name} / ${cmd}`;
  const printed = a.out + a.err;
  t.notOk(a.killed, `${what}: finished`);
  // validate imports modules only where the keys are hidden: there, most of these load cleanly.
  if (cmd !== 'validate') t.equal(a.code, 1, `${what}: the misbehaving module fails the command`);
  t.notOk(printed.includes(KEY), `${what}: API key not printed`, { printed: printed.slice(0, 600) });
  t.notOk(printed.includes(SECRET), `${what}: API secret not printed`);
  t.notOk(printed.includes('AAEhostileToken'), `${what}: notification URL not printed`);
  if (cmd !== 'validate' && /throw|Error/.test(name)) t.match(printed, /\[REDACTED\]/, `${what}: says where a value was removed`);
}

function journalHoldsNoSecret(t: Test, i: number): void {
  const journal = journalBytes(i);
  t.notOk(journal.includes(KEY) || journal.includes(SECRET) || journal.includes('AAEhostileToken'), `${MODULES[i]![0]}: the journal holds none of the values`);
}

// botctl's main in this process: every module, every command. main redacts what it prints, so a
// leak shows in what it hands to its output.
t.test(`${MODULES.length} modules leaking the keys x validate, backtest, run: nothing printed or journaled`, async (t) => {
  for (const [i, [name]] of MODULES.entries()) {
    for (const cmd of commands(i)) printsNoSecret(t, await botctlHere(cmd, { cwd: dir, env: ENV }), name, cmd[0]!);
    journalHoldsNoSecret(t, i);
  }
});

// botctl as a process: what reaches its real standard output and error, on the error path of a
// module that fails at import (backtest) and the log and error paths of one that throws in onCandle (run).
t.test('botctl as a process prints none of the values on its standard output or error', async (t) => {
  for (const [i, command] of [[0, 1], [2, 2]] as const) {
    const cmd = commands(i)[command]!;
    printsNoSecret(t, await botctl(cmd, { cwd: dir, env: ENV, limitMs: 60_000 }), MODULES[i]![0], cmd[0]!);
    journalHoldsNoSecret(t, i);
  }
});

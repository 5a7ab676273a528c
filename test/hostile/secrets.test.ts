// The API key, the secret and the notification URL never leave botctl as text: a strategy module that reads process.env and
// puts the values in an error (at import, in its constructor, in onCandle, as a signal's action or
// reason) gets its message printed with the values replaced by [REDACTED], by every command, on
// the diagnostic and the error paths, and the journal holds them nowhere.
import t from 'tap';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CANDLES, botctl, moduleSpec, scratch } from './harness.ts';

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

t.test(`${MODULES.length} modules leaking the keys x validate, backtest, run: nothing printed or journaled`, async (t) => {
  for (const [i, [name]] of MODULES.entries()) {
    for (const cmd of [['validate', `m${i}.yaml`], ['backtest', `m${i}.yaml`, '--data', CANDLES], ['run', `m${i}.yaml`, '--data', CANDLES]]) {
      const a = await botctl(cmd, { cwd: dir, env: ENV, limitMs: 60_000 });
      const what = `${name} / ${cmd[0]}`;
      const printed = a.out + a.err;
      t.notOk(a.killed, `${what}: finished`);
      // validate imports modules only where the keys are hidden: there, most of these load cleanly.
      if (cmd[0] !== 'validate') t.equal(a.code, 1, `${what}: the misbehaving module fails the command`);
      t.notOk(printed.includes(KEY), `${what}: API key not printed`, { printed: printed.slice(0, 600) });
      t.notOk(printed.includes(SECRET), `${what}: API secret not printed`);
      t.notOk(printed.includes('AAEhostileToken'), `${what}: notification URL not printed`);
      if (cmd[0] !== 'validate' && /throw|Error/.test(name)) t.match(printed, /\[REDACTED\]/, `${what}: says where a value was removed`);
    }
    const journal = journalBytes(i);
    t.notOk(journal.includes(KEY) || journal.includes(SECRET) || journal.includes('AAEhostileToken'), `${name}: the journal holds none of the values`);
  }
});

// What a strategy module prints itself (console.log, console.error, process.stdout.write in
// onCandle or at import) leaves through botctl's own standard output and error, so it is redacted
// like every line botctl prints: a module that logs process.env during a backtest or a replay does
// not put the API key, the secret or the notification URL on the trader's terminal or in a CI log.
// A real process: the redaction sits on the process's streams, where the module's output goes.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { CANDLES, botctl, moduleSpec, scratch } from './harness.ts';

const KEY = 'PrintedApiKey7319';
const SECRET = 'PrintedApiSecretWq52ab';
const NOTIFY = 'http://127.0.0.1:9/bot654321:AAEprintedTokenValue98765/sendMessage';
const ENV = { BYBIT_API_KEY: KEY, BYBIT_API_SECRET: SECRET, BOTCTL_NOTIFY_URL: NOTIFY };

const MODULE = `
const env = () => JSON.stringify({ k: process.env.BYBIT_API_KEY, s: process.env.BYBIT_API_SECRET, n: process.env.BOTCTL_NOTIFY_URL });
console.log('at import', env());
let bars = 0;
export default class S {
  warmupBars = 0; preloadBars = 0;
  onCandle() {
    if (bars++ === 3) {
      console.log('onCandle log', process.env.BYBIT_API_KEY);
      console.error('onCandle error', process.env.BYBIT_API_SECRET, env());
      process.stdout.write('raw write ' + process.env.BYBIT_API_KEY + '\\n');
      process.stderr.write(Buffer.from('raw buffer ' + process.env.BYBIT_API_SECRET + '\\n'));
    }
    return [];
  }
}
`;

// The module talks on bar 4: 300 candles are plenty.
const csv = readFileSync(CANDLES, 'utf8').split('\n').slice(0, 301).join('\n') + '\n';
const dir = scratch({ 'talk.mjs': MODULE, 'talk.yaml': moduleSpec('./talk.mjs', { name: 'talk', journal: './journal/talk.sqlite' }), 'candles.csv': csv });

for (const cmd of [['backtest', 'talk.yaml', '--data', 'candles.csv'], ['run', 'talk.yaml', '--data', 'candles.csv']]) {
  t.test(`a module printing the keys in ${cmd[0]}: the values are redacted, the rest is printed`, async (t) => {
    const a = await botctl(cmd, { cwd: dir, env: ENV, limitMs: 60_000 });
    const printed = a.out + a.err;
    t.equal(a.code, 0, 'a module that only prints does not fail the command', { err: a.err.slice(0, 600) });
    t.notOk(printed.includes(KEY), 'API key not printed', { printed: printed.slice(0, 1200) });
    t.notOk(printed.includes(SECRET), 'API secret not printed');
    t.notOk(printed.includes('AAEprintedToken'), 'notification URL not printed');
    // The module's own lines still reach the trader, with the values replaced.
    t.match(a.out, /onCandle log \[REDACTED\]/, 'console.log in onCandle printed, redacted');
    t.match(a.out, /raw write \[REDACTED\]/, 'process.stdout.write printed, redacted');
    t.match(a.err, /onCandle error \[REDACTED\]/, 'console.error printed, redacted');
    t.match(a.err, /raw buffer \[REDACTED\]/, 'a Buffer written to stderr printed, redacted');
  });
}

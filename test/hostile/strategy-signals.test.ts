// A strategy module is the user's code: whatever it returns or throws from onCandle, the run stops
// with exit 1 naming the module, the candle and what was wrong. Nothing it returns is traded
// unless it is a well-formed signal; nothing is silently ignored.
import t from 'tap';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CANDLES, botctl, botctlHere, moduleSpec, refused, scratch } from './harness.ts';

// The 50th candle of the bundled data (2021-10-01 00:00 UTC + 49 h).
const BAR = 50;
const BAR_TIME = /on the candle of 2021-10-03 01:00 UTC/;

/** [what the module does on bar 50, what the error must say] */
const MISBEHAVIOURS: Array<[string, string, RegExp]> = [
  ['unknown action', `return [{ action: 'buy_everything', reason: 'x' }];`, /action "buy_everything".*not one of enter_long/],
  ['action typo with a dash', `return [{ action: 'enter-long', reason: 'x' }];`, /action "enter-long"[\s\S]*did you mean 'enter_long'/],
  ['action in capitals', `return [{ action: 'ENTER_LONG', reason: 'x' }];`, /action "ENTER_LONG"[\s\S]*did you mean 'enter_long'/],
  ['action a number', `return [{ action: 1, reason: 'x' }];`, /action 1 \(a number\)/],
  ['action missing', `return [{ reason: 'x' }];`, /signal 1 has action undefined/],
  ['a number', `return 42;`, /returned 42 \(a number\) instead of an array/],
  ['a string', `return 'enter_long';`, /returned "enter_long" \(text\) instead of an array/],
  ['null', `return null;`, /returned null instead of an array/],
  ['undefined', `return undefined;`, /returned undefined instead of an array/],
  ['an object', `return { action: 'enter_long' };`, /returned an object instead of an array/],
  ['numbers in an array', `return [1, 2];`, /signal 1 is 1 \(a number\), not an object/],
  ['strings in an array', `return ['enter_long'];`, /signal 1 is "enter_long" \(text\)/],
  ['a nested array', `return [[{ action: 'enter_long' }]];`, /signal 1 is a nested array/],
  ['a sparse array', `const a = []; a[1] = { action: 'enter_long', reason: 'x' }; return a;`, /signal 1 is missing/],
  ['null in the array', `return [{ action: 'exit_long', reason: 'x' }, null];`, /signal 2 is null/],
  ['an endless array', `return new Array(1e7).fill({ action: 'exit_long', reason: 'x' });`, /returned 10000000 signals/],
  ['a proxy claiming a huge length', `return new Proxy([], { get: (t, k) => (k === 'length' ? 2 ** 32 - 1 : Reflect.get(t, k)) });`, /returned 4294967295 signals/],
  ['a proxy that throws', `return new Proxy([{ action: 'enter_long' }], { get: (t, k) => { if (k === '0') throw new Error('trap'); return Reflect.get(t, k); } });`, /reading the signals onCandle returned threw: trap/],
  ['a getter that throws', `return [{ get action() { throw new Error('getter boom'); }, reason: 'x' }];`, /reading the signals onCandle returned threw: getter boom/],
  ['strength as text', `return [{ action: 'enter_long', reason: 'x', strength: '0.8' }];`, /strength "0.8" \(text\); it must be a finite number/],
  ['strength NaN', `return [{ action: 'enter_long', reason: 'x', strength: NaN }];`, /strength NaN \(a number\)/],
  ['confidence Infinity', `return [{ action: 'enter_long', reason: 'x', confidence: Infinity }];`, /confidence Infinity/],
  ['reason a number', `return [{ action: 'enter_long', reason: 42 }];`, /reason 42 \(a number\); a reason is text/],
  ['a Promise (async)', `return Promise.resolve([]);`, /returned a Promise[\s\S]*remove `async`/],
  ['a thenable', `return { then() {} };`, /returned a Promise/],
  ['calls process.exit', `process.exit(3);`, /onCandle called process\.exit\(3\)/],
  ['catches its refused process.exit and carries on', `try { process.exit(); } catch {} return [];`, /onCandle called process\.exit\(0\)/],
  ['throws an Error', `throw new Error('indicator exploded');`, /onCandle threw: indicator exploded/],
  ['throws a TypeError', `const x = null; return x.y;`, /onCandle threw: TypeError: Cannot read properties of null/],
  ['throws a string', `throw 'boom';`, /onCandle threw the text "boom"/],
  ['throws a number', `throw 42;`, /onCandle threw the number 42/],
  ['throws undefined', `throw undefined;`, /onCandle threw undefined/],
  ['throws an object', `throw { code: 1 };`, /onCandle threw an object \(not an Error\)/],
  ['throws an unreadable proxy', `throw new Proxy({}, { get() { throw new Error('no'); }, getPrototypeOf() { throw new Error('no'); } });`, /onCandle threw/],
];

/** One module that misbehaves on bar 50 as HOSTILE_CASE says (the environment is read per candle). */
function moduleText(): string {
  const cases = MISBEHAVIOURS.map(([, body], i) => `  ${i}: () => { ${body} },`).join('\n');
  return `const CASES = {
${cases}
};
export default class Misbehaving {
  warmupBars = 0;
  preloadBars = 0;
  bar = 0;
  onCandle(c) {
    if (++this.bar === ${BAR}) return CASES[process.env.HOSTILE_CASE]();
    return [];
  }
}
`;
}

// Every case stops at bar 50: 300 candles are plenty.
const csv = readFileSync(CANDLES, 'utf8').split('\n').slice(0, 301).join('\n') + '\n';
const dir = scratch({ 'm.mjs': moduleText(), 'm.yaml': moduleSpec('./m.mjs'), 'r.yaml': moduleSpec('./m.mjs', { name: 'replay', journal: './journal/r.sqlite' }), 'candles.csv': csv });
const data = join(dir, 'candles.csv');

t.test(`backtest: ${MISBEHAVIOURS.length} ways a module can misbehave in onCandle all stop the run with exit 1`, async (t) => {
  t.teardown(() => void delete process.env.HOSTILE_CASE);
  for (const [i, [name, , says]] of MISBEHAVIOURS.entries()) {
    process.env.HOSTILE_CASE = String(i);
    const a = await botctlHere(['backtest', join(dir, 'm.yaml'), '--data', data]);
    refused(t, a, { code: 1, case: name, says: [/strategy module \S*m\.mjs/, BAR_TIME, says, /the run was stopped/] });
    t.notMatch(a.out, /trades|equity/i, `${name}: no backtest result printed`);
  }
});

t.test('well-formed signals (with scores, without reason) still trade', async (t) => {
  const dir = scratch({
    'ok.mjs': `let bar = 0;
export default class Fine {
  warmupBars = 0; preloadBars = 0;
  onCandle(c) {
    bar++;
    if (bar % 40 === 10) return [{ action: 'enter_long', strength: 0.9, confidence: 1 }];
    if (bar % 40 === 30) return Object.freeze([{ action: 'exit_long', reason: 'done' }]);
    return [];
  }
}`,
    'ok.yaml': moduleSpec('./ok.mjs'),
  });
  const a = await botctlHere(['backtest', join(dir, 'ok.yaml'), '--data', CANDLES]);
  t.equal(a.code, 0, a.err);
  const trades = Number(/Trades\s+(\d+)/.exec(a.out)?.[1]);
  t.ok(trades > 50, `the module's signals were traded (${trades} trades)`);
});

// In this process, but for process.exit(): there, only a real botctl shows it is not ended.
t.test('replay (botctl run --data): the run stops at the bad candle, exit 1, the error journaled once', async (t) => {
  const cases = ['unknown action', 'a Promise (async)', 'throws a number', 'null', 'calls process.exit'];
  for (const name of cases) {
    const i = MISBEHAVIOURS.findIndex(([n]) => n === name);
    const says = MISBEHAVIOURS[i]![2];
    rmSync(join(dir, 'journal'), { recursive: true, force: true });
    const run = name === 'calls process.exit' ? botctl : botctlHere;
    const a = await run(['run', 'r.yaml', '--data', data], { cwd: dir, env: { HOSTILE_CASE: String(i) } });
    refused(t, a, { code: 1, case: name, says: [/strategy module \S*m\.mjs/, BAR_TIME, says] });
    const db = new Database(join(dir, 'journal', 'r.sqlite'), { readonly: true });
    const errors = db.prepare('SELECT message FROM errors').all() as Array<{ message: string }>;
    db.close();
    t.equal(errors.length, 1, `${name}: one error journaled, not one per remaining candle`);
    t.match(errors[0]?.message ?? '', says, `${name}: the journal says what was wrong`);
    t.match(a.out, new RegExp(`replayed ${BAR} candles`), `${name}: no candle after the bad one was processed`);
  }
});

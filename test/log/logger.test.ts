import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { bybitApiLogger, createLogger, Redactor, REDACTED } from '../../engine/log/index.ts';

const KEY = 'kEy7Xq2LmN9pR4sT';
const SECRET = 'sEcR3tVw8Yz1Ab5Cd7Ef9Gh2Jk4';
process.env.BYBIT_API_KEY = KEY;
process.env.BYBIT_API_SECRET = SECRET;

function terminal(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

function setup(t: Test) {
  const dir = t.testdir({});
  const file = join(dir, 'logs', 'bot.log');
  const term = terminal();
  const log = createLogger({ file, console: term.stream, level: 'debug' });
  const fileText = () => readFileSync(file, 'utf8');
  const assertClean = () => {
    for (const [name, text] of [['file', fileText()], ['terminal', term.text()]] as const) {
      t.notOk(text.includes(KEY), `${name} never contains the API key`);
      t.notOk(text.includes(SECRET), `${name} never contains the API secret`);
    }
  };
  return { log, fileText, term, assertClean };
}

t.test('secret field names are redacted at any depth, case-insensitively', async (t) => {
  const { log, fileText, term, assertClean } = setup(t);
  log.info('placing order', {
    orderLinkId: 'btc-ema-e-1',
    qty: '0.010',
    apiKey: KEY,
    request: {
      headers: { 'X-BAPI-API-KEY': KEY, 'x-bapi-sign': 'a1b2c3d4e5f6', 'X-BAPI-TIMESTAMP': '1700000000000' },
      auth: { Authorization: 'Bearer tok_abcdef', API_SECRET: SECRET, nested: [{ Signature: 'ffeeddcc' }] },
    },
  });
  log.flush();
  const line = JSON.parse(fileText().trim().split('\n')[0]!);
  t.equal(line.msg, 'placing order');
  t.equal(line.orderLinkId, 'btc-ema-e-1', 'ordinary fields survive');
  t.equal(line.qty, '0.010');
  t.equal(line.apiKey, REDACTED);
  t.equal(line.request.headers['X-BAPI-API-KEY'], REDACTED);
  t.equal(line.request.headers['x-bapi-sign'], REDACTED);
  t.equal(line.request.headers['X-BAPI-TIMESTAMP'], '1700000000000', 'a timestamp header is not a secret');
  t.equal(line.request.auth.Authorization, REDACTED);
  t.equal(line.request.auth.API_SECRET, REDACTED);
  t.equal(line.request.auth.nested[0].Signature, REDACTED);
  t.notOk(fileText().includes('a1b2c3d4e5f6'), 'signature value gone from the file');
  t.notOk(term.text().includes('a1b2c3d4e5f6'), 'signature value gone from the terminal');
  t.notOk(fileText().includes('tok_abcdef'));
  assertClean();
});

t.test('the env key and secret are scrubbed from messages, values, bindings and arrays', async (t) => {
  const { log, fileText, term, assertClean } = setup(t);
  log.warn(`retrying with key ${KEY}`, { note: `secret is ${SECRET}!`, list: ['x', `pre${KEY}post`] });
  const child = log.child({ session: `s-${KEY}` });
  child.info('child line', { deep: { a: { b: { c: `${SECRET}` } } } });
  log.flush();
  t.match(fileText(), /retrying with key \[REDACTED\]/);
  t.match(fileText(), /pre\[REDACTED\]post/);
  t.match(term.text(), /retrying with key \[REDACTED\]/);
  t.match(term.text(), /child line/);
  assertClean();
});

t.test('errors: message, stack, cause and library properties are redacted', async (t) => {
  const { log, fileText, term, assertClean } = setup(t);
  // Bybit's 10004 text quotes the signed string, which starts with the timestamp and the key.
  const err = new Error(`error sign! origin_string[1700000000000${KEY}5000category=linear]`, {
    cause: new Error(`inner ${SECRET}`),
  }) as Error & { requestOptions?: unknown; body?: unknown };
  err.requestOptions = { key: KEY, secret: SECRET, recv_window: 5000 };
  err.body = { retCode: 10004, retMsg: `Error sign, origin_string[${KEY}]` };
  log.error('order rejected', err);
  log.error('with fields', { err, orderLinkId: 'l-1' });
  log.flush();
  const lines = fileText().trim().split('\n').map((l) => JSON.parse(l));
  t.equal(lines.length, 2);
  t.match(lines[0].err.message, /origin_string\[1700000000000\[REDACTED\]5000/);
  t.match(lines[0].err.stack, /^Error: error sign!/, 'the stack is kept');
  t.notOk(lines[0].err.stack.includes(KEY), 'but redacted');
  t.equal(lines[0].err.requestOptions.key, REDACTED);
  t.equal(lines[0].err.requestOptions.recv_window, 5000);
  t.match(lines[0].err.cause.message, /inner \[REDACTED\]/);
  t.equal(lines[1].orderLinkId, 'l-1');
  t.match(term.text(), /ERROR order rejected .*err="Error: error sign!/);
  assertClean();
});

t.test('signatures in URLs and inline text are redacted even when not the env values', async (t) => {
  const { log, fileText, term, assertClean } = setup(t);
  const url = `https://api.bybit.com/v5/order/realtime?category=linear&api_key=${KEY}&timestamp=1700000000000&sign=9f8e7d6c5b4a&symbol=BTCUSDT`;
  log.debug('GET', { url });
  log.info(`request failed: ${url}`);
  log.info('headers {"X-BAPI-SIGN":"0a1b2c3d4e5f","X-BAPI-API-KEY":"otherkey99"} and signature=zz9988');
  log.info('telegram', { endpoint: 'https://api.telegram.org/bot123456789:AAEabcdefghijklmnopqrstuvwxyz12345/sendMessage' });
  log.flush();
  for (const text of [fileText(), term.text()]) {
    t.notOk(text.includes('9f8e7d6c5b4a'));
    t.notOk(text.includes('0a1b2c3d4e5f'));
    t.notOk(text.includes('otherkey99'));
    t.notOk(text.includes('zz9988'));
    t.notOk(text.includes('AAEabcdefghijklmnopqrstuvwxyz12345'), 'telegram bot token');
    t.match(text, /symbol=BTCUSDT/, 'the rest of the URL stays readable');
  }
  assertClean();
});

t.test('terminal output: one readable line per record, levels filtered', async (t) => {
  const dir = t.testdir({});
  const term = terminal();
  const log = createLogger({ file: join(dir, 'a.log'), console: term.stream, level: 'info', colour: false });
  log.debug('hidden detail');
  log.info('order filled', { side: 'Buy', qty: '0.01', note: 'two\nlines' });
  log.error('venue down', new Error('ECONNRESET\n  at somewhere'));
  log.flush();
  const lines = term.text().split('\n').filter((l) => l !== '');
  t.equal(lines.length, 2, 'debug suppressed at level info, each record one line');
  t.match(lines[0], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} INFO  order filled side=Buy qty=0\.01 note="two\\nlines"$/);
  t.match(lines[1], /ERROR venue down err="Error: ECONNRESET\\n  at somewhere"/);
  t.notOk(readFileSync(join(dir, 'a.log'), 'utf8').includes('hidden detail'));
  const fileLines = readFileSync(join(dir, 'a.log'), 'utf8').trim().split('\n');
  t.equal(JSON.parse(fileLines[0]!).level, 'info');
});

t.test('Redactor: idempotent, ignores too-short secrets, handles cycles', async (t) => {
  const r = new Redactor({ secrets: ['abc', 'longsecretvalue'], env: {} });
  t.equal(r.redactString('abc longsecretvalue'), `abc ${REDACTED}`, 'a 3-char secret would redact ordinary words');
  const once = r.redactString('sign=deadbeef&x=1');
  t.equal(once, `sign=${REDACTED}&x=1`);
  t.equal(r.redactString(once), once, 'redacting twice changes nothing');
  t.equal(r.redactString('design: fine, signal: enter_long'), 'design: fine, signal: enter_long', 'no false positives on words containing "sign"');
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  t.same(r.redact(cyclic), { a: 1, self: '[Circular]' });
  const onlyEnv = new Redactor({ env: { BYBIT_API_KEY: 'ENVKEY123456' } });
  t.equal(onlyEnv.redactString('x ENVKEY123456 y'), `x ${REDACTED} y`);
  t.equal(onlyEnv.redactString(`x ${encodeURIComponent('ENVKEY123456')} y`), `x ${REDACTED} y`);
});

t.test('websocket auth frames and close()', async (t) => {
  const { log, fileText, term, assertClean } = setup(t);
  const frame = { op: 'auth', args: ['someOtherKey', 1662350400000, 'f0e1d2c3b4a59687'] };
  log.debug('ws send', { frame });
  log.debug(`ws send ${JSON.stringify(frame)}`);
  log.close();
  log.info('after close is dropped, not thrown');
  for (const text of [fileText(), term.text()]) {
    t.notOk(text.includes('f0e1d2c3b4a59687'), 'auth signature gone');
    t.notOk(text.includes('someOtherKey'), 'auth key gone');
  }
  t.notOk(fileText().includes('after close'));
  t.equal(fileText().trim().split('\n').length, 2);
  assertClean();
});

t.test('terminal and file levels are set separately; json on the terminal when asked', async (t) => {
  const dir = t.testdir({});
  const term = terminal();
  const log = createLogger({ file: join(dir, 'a.log'), console: term.stream, level: 'debug', consoleLevel: 'warn', consoleFormat: 'json' });
  log.debug('detail for the file');
  log.warn('for both', { apiSecret: SECRET });
  log.flush();
  const file = readFileSync(join(dir, 'a.log'), 'utf8').trim().split('\n');
  t.equal(file.length, 2, 'the file gets debug and up');
  const termLines = term.text().trim().split('\n');
  t.equal(termLines.length, 1, 'the terminal gets warn and up');
  t.equal(JSON.parse(termLines[0]!).msg, 'for both');
  t.notOk(term.text().includes(SECRET));
});

t.test('bybit-api logging goes through redaction', async (t) => {
  const { log, fileText, assertClean } = setup(t);
  const lib = bybitApiLogger(log);
  lib.error('Failed to authenticate', { wsKey: 'v5Private', args: [KEY, 1700000000000, 'abcdef0123456789'], op: 'auth' });
  lib.error(new Error(`ws closed, key ${KEY}`), { category: 'bybit-ws' });
  lib.info('Websocket connected', { wsKey: 'v5Private' });
  log.flush();
  const lines = fileText().trim().split('\n').map((l) => JSON.parse(l));
  t.equal(lines.length, 3, 'debug level: info lines arrive as debug');
  t.same([lines[0].level, lines[0].component, lines[0].msg], ['warn', 'bybit-api', 'Failed to authenticate']);
  t.equal(lines[0].context.args, REDACTED);
  t.match(lines[1].err.message, /ws closed, key \[REDACTED\]/);
  t.equal(lines[2].level, 'debug');
  t.notOk(fileText().includes('abcdef0123456789'));
  assertClean();
});

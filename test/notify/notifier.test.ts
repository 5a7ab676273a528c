import t, { type Test } from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Decimal } from 'decimal.js';
import { createLogger, Redactor } from '../../engine/log/index.ts';
import { createNotifier, type NotificationEvent, type NotifierOptions } from '../../engine/notify/index.ts';

const SECRET = 'SeCrEtApIkEy998877';

interface Received {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A webhook on 127.0.0.1 whose behaviour each test sets. */
async function webhook(t: Test, handler: (req: IncomingMessage, res: ServerResponse, n: number) => void) {
  const received: Received[] = [];
  const trace: string[] = [];
  const server = createServer((req, res) => {
    trace.push('server received');
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body });
      handler(req, res, received.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  return { base: `http://127.0.0.1:${port}`, received, trace };
}

function logCapture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _e, cb) {
      text += String(chunk);
      cb();
    },
  });
  const logger = createLogger({ console: stream, colour: false, redactor: new Redactor({ secrets: [SECRET], env: {} }) });
  return { logger, text: () => text };
}

const entry: NotificationEvent = {
  kind: 'entry', bot: 'btc-ema', symbol: 'BTCUSDT', mode: 'paper', time: Date.UTC(2026, 10, 24, 9, 0),
  side: 'long', qty: new Decimal('0.010'), price: new Decimal('43250.5'), stopLoss: '42385', takeProfit: new Decimal('44980'),
  reason: 'EMA 9 crossed above EMA 21',
};

// Generous timeouts where the webhook answers (a loaded CI machine is slow); short retry delays.
const fast: NotifierOptions = { timeoutMs: 5000, retries: 2, retryDelayMs: 10 };

t.test('json webhook: one POST with the event fields, decimals exact', async (t) => {
  const hook = await webhook(t, (_req, res) => res.end('ok'));
  const { logger, text } = logCapture();
  const n = createNotifier({ url: `${hook.base}/hook`, format: 'json' }, { ...fast, logger });
  n.notify(entry);
  const stats = await n.flush(5000);
  t.same(stats, { sent: 1, failed: 0, dropped: 0, pending: 0 });
  t.equal(hook.received.length, 1);
  t.equal(hook.received[0]!.url, '/hook');
  t.equal(hook.received[0]!.headers['content-type'], 'application/json');
  const body = JSON.parse(hook.received[0]!.body);
  t.equal(body.event, 'entry');
  t.equal(body.qty, '0.01');
  t.equal(body.price, '43250.5');
  t.equal(body.takeProfit, '44980');
  t.equal(body.timeIso, '2026-11-24T09:00:00.000Z');
  t.match(body.text, /LONG entry · btc-ema \(paper\)\nBTCUSDT 0\.01 @ 43250\.5\nStop 42385 · Target 44980\nEMA 9 crossed above EMA 21/);
  t.equal(text(), '', 'nothing to warn about');
});

t.test('telegram: sendMessage body with chat_id, HTML text and parse_mode', async (t) => {
  const hook = await webhook(t, (_req, res) => res.end('{"ok":true}'));
  const n = createNotifier({ url: `${hook.base}/bot123456:AAEtokentokentokentoken12/sendMessage`, format: 'telegram', chatId: '-100777' }, fast);
  n.notify({ kind: 'exit', bot: 'b<1>', symbol: 'BTCUSDT', mode: 'live', time: 0, side: 'short', qty: '1', price: '90', pnl: new Decimal('-3.5'), reason: 'stop_loss' });
  await n.flush(5000);
  const body = JSON.parse(hook.received[0]!.body);
  t.equal(body.chat_id, '-100777');
  t.equal(body.parse_mode, 'HTML');
  t.equal(body.text, '<b>❌ SHORT exit · b&lt;1&gt; (LIVE)</b>\nBTCUSDT 1 @ 90\nP&amp;L -3.5\nReason: stop_loss\n<i>1970-01-01 00:00 UTC</i>');
});

t.test('HTTP 500: bounded retries, then a redacted warning; 500 then 200 succeeds', async (t) => {
  const hook = await webhook(t, (_req, res) => {
    res.statusCode = 500;
    res.end(`internal error near ${SECRET}`);
  });
  const { logger, text } = logCapture();
  const n = createNotifier({ url: `${hook.base}/hook`, format: 'json' }, { ...fast, logger });
  n.notify({ ...entry, kind: 'error', message: `venue said: bad key ${SECRET}` } as NotificationEvent);
  const stats = await n.flush(5000);
  t.equal(hook.received.length, 3, '1 attempt + 2 retries');
  t.same(stats, { sent: 0, failed: 1, dropped: 0, pending: 0 });
  t.match(text(), /WARN  notification not delivered webhook=http:\/\/127\.0\.0\.1:\d+ event=error attempts=3 error="HTTP 500: internal error near \[REDACTED\]"/);
  t.notOk(text().includes(SECRET), 'the warning is redacted');
  t.notOk(hook.received.some((r) => r.body.includes(SECRET)), 'the secret never leaves in a notification either');

  const flaky = await webhook(t, (_req, res, n) => {
    res.statusCode = n === 1 ? 503 : 200;
    res.end();
  });
  const n2 = createNotifier({ url: `${flaky.base}/x`, format: 'json' }, fast);
  n2.notify(entry);
  t.same(await n2.flush(5000), { sent: 1, failed: 0, dropped: 0, pending: 0 });
  t.equal(flaky.received.length, 2);
});

t.test('HTTP 400 is not retried (the config is wrong, not the moment)', async (t) => {
  const hook = await webhook(t, (_req, res) => {
    res.statusCode = 400;
    res.end('{"ok":false,"description":"Bad Request: chat not found"}');
  });
  const { logger, text } = logCapture();
  const n = createNotifier({ url: `${hook.base}/bot1/sendMessage`, format: 'telegram', chatId: '1' }, { ...fast, logger });
  n.notify(entry);
  t.same(await n.flush(5000), { sent: 0, failed: 1, dropped: 0, pending: 0 });
  t.equal(hook.received.length, 1);
  t.match(text(), /attempts=1 error="HTTP 400: .*chat not found/);
});

t.test('a hanging webhook: the caller never waits; each attempt times out; flush is bounded', async (t) => {
  const hook = await webhook(t, () => {
    /* never answers */
  });
  const { logger, text } = logCapture();
  const n = createNotifier({ url: `${hook.base}/slow`, format: 'json' }, { timeoutMs: 400, retries: 1, retryDelayMs: 10, logger });
  const result = n.notify(entry);
  hook.trace.push('notify returned');
  t.equal(result, undefined, 'notify returns nothing to await');
  t.same(hook.trace, ['notify returned'], 'the request has not even been sent when notify returns');
  const stats = await n.flush(5000);
  t.same(stats, { sent: 0, failed: 1, dropped: 0, pending: 0 });
  t.same(hook.trace, ['notify returned', 'server received', 'server received'], 'two attempts, both after notify returned');
  t.match(text(), /notification not delivered .*attempts=2 error="no answer within 400 ms"/);

  // Shutdown with a message stuck in flight: flush gives up at its deadline and abandons it.
  const n2 = createNotifier({ url: `${hook.base}/slow`, format: 'json' }, { timeoutMs: 60_000, retries: 0, logger });
  n2.notify(entry);
  n2.notify(entry);
  const s2 = await n2.flush(150);
  t.same(s2, { sent: 0, failed: 0, dropped: 2, pending: 0 }, 'in-flight and queued messages are abandoned');
  t.match(text(), /notifications not sent before shutdown .*count=2/);
});

t.test('connection refused: failed after retries, warned, never thrown', async (t) => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const { logger, text } = logCapture();
  const n = createNotifier({ url: `http://127.0.0.1:${port}/hook`, format: 'json' }, { ...fast, logger });
  t.doesNotThrow(() => n.notify(entry));
  t.same(await n.flush(5000), { sent: 0, failed: 1, dropped: 0, pending: 0 });
  t.match(text(), /attempts=3 error=".*ECONNREFUSED/);
});

t.test('the queue is bounded: the oldest waiting messages are dropped', async (t) => {
  const release: (() => void)[] = [];
  const hook = await webhook(t, (_req, res) => release.push(() => res.end()));
  const { logger, text } = logCapture();
  const n = createNotifier({ url: `${hook.base}/q`, format: 'json' }, { timeoutMs: 5000, maxQueue: 3, retries: 0, logger });
  for (let i = 0; i < 10; i++) n.notify({ ...entry, reason: `m${i}` });
  t.equal(n.stats().dropped, 7, '10 queued into a queue of 3');
  // Let the server answer everything it gets.
  const timer = setInterval(() => release.splice(0).forEach((r) => r()), 5);
  t.teardown(() => clearInterval(timer));
  const stats = await n.flush(5000);
  t.same(stats, { sent: 3, failed: 0, dropped: 7, pending: 0 });
  t.same(hook.received.map((r) => JSON.parse(r.body).reason), ['m7', 'm8', 'm9'], 'the newest three were kept, in order');
  t.match(text(), /notification queue full/);
});

t.test('no webhook configured: a notifier that does nothing', async (t) => {
  const n = createNotifier(undefined);
  t.equal(n.enabled, false);
  n.notify(entry);
  t.same(await n.flush(10), { sent: 0, failed: 0, dropped: 0, pending: 0 });
});

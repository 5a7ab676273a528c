import t from 'tap';
import { Decimal } from 'decimal.js';
import { UserError } from '../../engine/cli/exit.ts';
import { formatTelegramHtml, formatText, jsonBody, notifyConfigFromEnv, parseNotifyConfig, type NotificationEvent } from '../../engine/notify/index.ts';

const base = { bot: 'btc-ema', symbol: 'BTCUSDT', mode: 'live' as const, time: Date.UTC(2026, 10, 24, 13, 5) };

t.test('each event kind reads as a few short lines', async (t) => {
  const cases: [NotificationEvent, string][] = [
    [
      { ...base, kind: 'entry', side: 'short', qty: '0.5', price: new Decimal('2000.25'), stopLoss: '2100', reason: 'RSI above 70' },
      '🔻 SHORT entry · btc-ema (LIVE)\nBTCUSDT 0.5 @ 2000.25\nStop 2100\nRSI above 70\n2026-11-24 13:05 UTC',
    ],
    [
      { ...base, kind: 'exit', side: 'long', qty: '0.01', price: '44000', pnl: new Decimal('12.3456'), reason: 'take_profit' },
      '✅ LONG exit · btc-ema (LIVE)\nBTCUSDT 0.01 @ 44000\nP&L +12.3456\nReason: take_profit\n2026-11-24 13:05 UTC',
    ],
    [
      { ...base, kind: 'stop_changed', side: 'long', previousStopLoss: '42000', stopLoss: new Decimal('42500'), reason: 'trailing' },
      '🛡 Stop moved · btc-ema (LIVE)\nBTCUSDT long\nStop 42000 → 42500\ntrailing\n2026-11-24 13:05 UTC',
    ],
    [
      { ...base, mode: 'paper', kind: 'protection', protection: 'max_daily_loss', message: 'lost 3.1 % today (limit 3 %)', until: Date.UTC(2026, 10, 25) },
      '⏸ Entries paused · btc-ema (paper)\nmax_daily_loss: lost 3.1 % today (limit 3 %)\nUntil 2026-11-25 00:00 UTC\n2026-11-24 13:05 UTC',
    ],
    [
      { ...base, kind: 'error', source: 'venue', message: 'order rejected: 110007 ab not enough for new order' },
      '⚠️ Error · btc-ema (LIVE)\nvenue: order rejected: 110007 ab not enough for new order\n2026-11-24 13:05 UTC',
    ],
  ];
  for (const [event, text] of cases) t.equal(formatText(event), text, event.kind);
});

t.test('telegram HTML is escaped and bounded to 4096 characters', async (t) => {
  const e: NotificationEvent = { ...base, kind: 'error', message: '<script>&' + 'x'.repeat(5000) };
  const html = formatTelegramHtml(e);
  t.ok(html.length <= 4096);
  t.notOk(html.includes('<script>'));
  t.match(html, /&lt;script&gt;&amp;/);
  t.equal(formatTelegramHtml({ ...e, message: 'a < b' }), '<b>⚠️ Error · btc-ema (LIVE)</b>\na &lt; b\n<i>2026-11-24 13:05 UTC</i>');
});

t.test('json body: decimals as exact strings, optional fields omitted', async (t) => {
  const body = jsonBody({ ...base, kind: 'exit', side: 'long', qty: new Decimal('1e-8'), price: '1', reason: 'signal' });
  t.equal(body.qty, '0.00000001', 'never exponent notation');
  t.notOk('pnl' in body);
  t.equal(body.event, 'exit');
  t.equal(body.time, base.time);
});

t.test('config: format inferred, chat id required for telegram, clear errors without the URL', async (t) => {
  t.same(parseNotifyConfig({ url: 'https://example.com/hook' }), { url: 'https://example.com/hook', format: 'json' });
  t.same(parseNotifyConfig({ url: 'https://api.telegram.org/bot1:abc/sendMessage', chatId: ' 42 ' }), {
    url: 'https://api.telegram.org/bot1:abc/sendMessage', format: 'telegram', chatId: '42',
  });
  t.throws(() => parseNotifyConfig({ url: 'https://api.telegram.org/bot1:SECRETTOKEN/sendMessage' }, 'BOTCTL_NOTIFY_URL'), {
    message: 'BOTCTL_NOTIFY_URL: the telegram format needs a chat id (set BOTCTL_NOTIFY_CHAT_ID, e.g. 123456789 or @mychannel)',
  });
  t.throws(() => parseNotifyConfig({ url: 'ftp://x/y' }), UserError);
  try {
    parseNotifyConfig({ url: 'not a url SECRETTOKEN' });
    t.fail('an invalid URL must be refused');
  } catch (err) {
    t.type(err, UserError);
    t.notOk((err as Error).message.includes('SECRETTOKEN'), 'the error does not repeat the URL');
  }
  t.throws(() => parseNotifyConfig({ url: 'https://x/y', format: 'slack' }), /format must be "json" or "telegram", got "slack"/);
  t.equal(notifyConfigFromEnv({}), undefined);
  t.same(notifyConfigFromEnv({ BOTCTL_NOTIFY_URL: 'https://h/x', BOTCTL_NOTIFY_FORMAT: 'telegram', BOTCTL_NOTIFY_CHAT_ID: '@chan' }), {
    url: 'https://h/x', format: 'telegram', chatId: '@chan',
  });
});

// Issue 9 item 1 through the real `botctl run --live` process: the account already holds a position
// whose planned stop-loss the price is past. Bybit refuses the trading-stop; botctl closes the
// position at market at start-up, says so on the recovered: line and in a decision, journals the
// close and notifies the owner's webhook.
import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crashRig, createsPerLink, orderStory, recoveryRecords, until } from '../helpers/recovery.ts';

t.test('a position found with its stop already crossed is closed at market at start-up', async (t) => {
  const hooks: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += String(c)));
    req.on('end', () => {
      hooks.push(body);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const rig = await crashRig(t, 'test/fixtures/run/e2e.yaml');
  const { fake } = rig;
  fake.exchange.createOrder({ side: 'Buy', orderType: 'Market', qty: '0.02', orderLinkId: 'by-hand' });
  fake.setPrice(49400); // the plan's stop for a long at 50000 is 49500
  const run = await rig.start({ fast: true, env: { BOTCTL_NOTIFY_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` } });
  await run.waitFor(/recovered:/);
  t.match(run.stderr(), /recovered: long 0\.02 BTCUSDT @ 50000 adopted; stop-loss 49500 refused: the price is already past it; closed at market/);
  await until(() => fake.position().size.isZero(), 5000, 'the position closed');
  t.match(run.stderr(), /has no stop-loss: Bybit refused stop-loss 49500 because the price is already past it \(Bybit: 10001 StopLoss:/, 'the decision in plain words');
  await until(() => hooks.some((h) => /refused stop-loss 49500/.test(h)), 5000, 'the webhook told');
  run.proc.kill('SIGINT');
  t.equal(await run.exit, 0, run.stderr());
  for (const [link, n] of createsPerLink(fake)) t.equal(n, 1, `one order/create for ${link}`);
  const close = fake.orderCreates().find((c) => c.reduceOnly === true)!;
  t.match(close, { side: 'Sell', qty: '0.02' });
  const db = rig.journal();
  t.same(orderStory(db, String(close.orderLinkId)).filter((s) => s !== 'New'), ['Intent', 'Filled'], 'the close: intent first, then filled');
  const decisions = (db.prepare('SELECT text FROM decisions ORDER BY id').all() as Array<{ text: string }>).map((d) => d.text).join('\n');
  t.match(decisions, /adopted the long 0\.02 at 50000 already open on the exchange, no stop-loss/);
  t.match(decisions, /Bybit refused stop-loss 49500 because the price is already past it/);
  t.match(decisions, /long position closed by stop-loss at 49400/);
  t.match(recoveryRecords(db)[0], { position: { side: 'long', known: false, failed: /closed at market/ } });
});

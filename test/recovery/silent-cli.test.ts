// The account stream connected but silent, through the real `botctl run --live`: a stop-out nobody
// pushed is found by the read after the next candle, booked as the stop-loss, journaled, and the
// stream reconnected; the following exit signal sends nothing.
import t from 'tap';
import { SIG, crashRig, until } from '../helpers/recovery.ts';
import { botctl } from '../helpers/run-cli.ts';

t.test('botctl run --live: stopped out while the account stream is silent', async (t) => {
  const rig = await crashRig(t, 'test/fixtures/run/e2e.yaml');
  const { fake } = rig;
  const run = await rig.start({ fast: true });
  rig.push(SIG.long, 50000);
  await until(() => fake.position().size.gt(0), 5000, 'entered');
  await run.waitFor(/entry order placed/);
  const connects = fake.connectCount('private');
  fake.silenceSockets('private');
  fake.setPrice(49400);
  t.ok(fake.position().size.isZero(), 'Bybit stopped it out; no push went out');
  rig.push(SIG.none, 49400);
  await run.waitFor(/long position closed by stop-loss at 49400/);
  await until(() => fake.connectCount('private') > connects, 5000, 'the silent stream reconnected');
  t.match(run.stderr(), /the account stream never said so: reconnecting it/);
  rig.push(SIG.exitLong, 49400);
  // "Nothing to do" exit signals are summarised in the log; the journal has each.
  const exitSignalSeen = () => {
    const db = rig.journal();
    try {
      return (db.prepare('SELECT text FROM decisions').all() as Array<{ text: string }>).some((d) => /EXIT LONG signal .*nothing to do: no long position/.test(d.text));
    } finally {
      db.close();
    }
  };
  await until(exitSignalSeen, 5000, 'the exit signal finds no position');
  t.equal(fake.orderCreates().length, 1, 'only the entry was ever sent');
  run.proc.kill('SIGINT');
  t.equal(await run.exit, 0, run.stderr());

  const db = rig.journal();
  const fills = db.prepare('SELECT order_link_id AS link, origin FROM fills ORDER BY time, id').all() as Array<{ link: string; origin: string | null }>;
  t.equal(fills.length, 2, 'the entry and the stop-out, which the stream never reported');
  t.match(fills[1], { link: '', origin: 'stopLoss' });
  const tr = botctl(['trades', 'e2e.yaml', '--json'], { cwd: rig.dir });
  t.equal(await tr.exit, 0, tr.stderr());
  t.match(JSON.parse(tr.stdout()).trades[0], { exitPrice: '49400', exitReason: 'stop_loss' });
});

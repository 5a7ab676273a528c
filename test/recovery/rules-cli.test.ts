// Instrument rules changed while botctl was down, through the real `botctl run --live`: the
// journaled stop-loss and take-profit (rounded to the old tick grid) are put on the new grid
// before they are sent, so the restart protects the position instead of being refused.
import t from 'tap';
import { Decimal } from 'decimal.js';
import { SIG, crashRig, until } from '../helpers/recovery.ts';

t.test('botctl run --live: tick size changed while away; the journaled stops are re-rounded', async (t) => {
  const rig = await crashRig(t, 'test/fixtures/run/e2e.yaml');
  const { fake } = rig;
  const first = await rig.start({ fast: true });
  rig.push(SIG.long, 50000.3);
  await until(() => fake.position().size.gt(0), 5000, 'entered');
  t.equal(fake.position().stopLoss.toFixed(), '49500.3', 'stop on the 0.1 grid');
  const db0 = rig.journal();
  const lastState = () => (db0.prepare(`SELECT state FROM states WHERE kind = 'core' ORDER BY id DESC LIMIT 1`).get() as { state: string } | undefined)?.state ?? '';
  await until(() => /position\\?":\{/.test(lastState()), 5000, 'the position in the journal');
  await rig.kill(first);
  // While away: the position loses its stops (removed by hand) and Bybit moves BTCUSDT to a 1.0 tick.
  fake.exchange.position.stopLoss = new Decimal(0);
  fake.exchange.position.takeProfit = new Decimal(0);
  fake.setInstrument({ tickSize: '1' });

  const second = await rig.start({ fast: true });
  await second.waitFor(/recovered:/);
  t.match(second.stderr(), /recovered: long 0\.01 BTCUSDT @ 50000\.3 resumed, stop-loss 49501 and take-profit 51000 were missing → set/);
  t.equal(fake.position().stopLoss.toFixed(), '49501', 'protected, on the new grid');
  t.equal(fake.position().takeProfit.toFixed(), '51000');
  t.notOk(fake.requestsTo('/v5/position/trading-stop').some((r) => r.retCode !== 0), 'never refused');
  second.proc.kill('SIGINT');
  t.equal(await second.exit, 0, second.stderr());
  t.equal(fake.position().size.toFixed(), '0.01', 'kept under its stops (on_shutdown: keep_position)');
});

// Fills while away, through the real `botctl run --live`: a position held over a week and closed by
// its take-profit while botctl was down is recorded at its real exit price (Bybit's execution history
// read in 7-day windows), the funding paid meanwhile is booked as funding, and `botctl trades` and
// `botctl report` show both.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIG, crashRig, until } from '../helpers/recovery.ts';
import { botctl } from '../helpers/run-cli.ts';

const DAY = 86_400_000;

t.test('held 8 days, closed by its target while botctl was down, funding paid daily: exit and funding booked', async (t) => {
  const rig = await crashRig(t, 'test/fixtures/run/e2e.yaml');
  const { fake } = rig;
  const first = await rig.start({ fast: true });
  rig.push(SIG.long, 50000);
  await until(() => fake.position().size.gt(0), 5000, 'entered');
  const db0 = rig.journal();
  await until(() => (db0.prepare('SELECT count(*) AS n FROM fills').get() as { n: number }).n === 1, 5000, 'the entry fill journaled');
  const lastState = () => (db0.prepare(`SELECT state FROM states WHERE kind = 'core' ORDER BY id DESC LIMIT 1`).get() as { state: string } | undefined)?.state ?? '';
  await until(() => /position\\?":\{/.test(lastState()), 5000, 'the position in the journaled core state');
  await rig.kill(first);

  // Eight days pass with botctl down: funding every day (longs pay 0.01 %), then the target fills.
  for (let day = 1; day <= 7; day++) {
    fake.clockOffsetMs += DAY;
    fake.fund('0.0001');
  }
  fake.clockOffsetMs += DAY;
  fake.setPrice(51000);
  t.ok(fake.position().size.isZero(), 'the take-profit closed it on the exchange');
  // Bybit's history goes on meanwhile: the restart warms up on the candles before its own now.
  const minute = 60_000;
  const now = Math.floor(fake.now() / minute) * minute;
  fake.addCandles([3, 2, 1].map((k) => ({ start: now - k * minute, open: 51000, high: 51000, low: 51000, close: 51000, volume: 1 })));

  const second = await rig.start({ fast: true });
  await second.waitFor(/recovered:/);
  t.match(second.stderr(), /recovered: the long 0\.01 was closed while the bot was away \(recorded from the fill history\)/);
  t.match(second.stderr(), /8 missed fills journaled/, 'the target\'s fill and seven funding payments');
  t.match(second.stderr(), /long position closed by take-profit at 51000/);
  second.proc.kill('SIGINT');
  t.equal(await second.exit, 0, second.stderr());

  const reqs = fake.requestsTo('/v5/execution/list');
  t.ok(reqs.every((r) => Number(r.params.endTime) - Number(r.params.startTime) <= 7 * DAY), 'every history request within 7 days');

  const tr = botctl(['trades', 'e2e.yaml', '--json'], { cwd: rig.dir });
  t.equal(await tr.exit, 0, tr.stderr());
  const j = JSON.parse(tr.stdout());
  // 0.01 × (51000 − 50000) = 10; fees 0.275 + 0.2805; funding 7 × 0.01 × 50000 × 0.0001 = 0.35 paid.
  t.match(j.trades[0], { exitPrice: '51000', exitReason: 'take_profit', funding: '-0.35', netPnl: '9.0945' });
  t.equal(j.total.funding, '-0.35');
  const table = botctl(['trades', 'e2e.yaml'], { cwd: rig.dir });
  t.equal(await table.exit, 0);
  t.match(table.stdout(), /funding/);
  // The table shows USDT in cents (0.5555 → 0.56, 9.0945 → 9.09); --json above stays exact.
  t.match(table.stdout(), /51000 +0\.56 +-0\.35 +\+9\.09 +take_profit/);

  const rep = botctl(['report', 'e2e.yaml', '--out', 'r.html'], { cwd: rig.dir });
  t.equal(await rep.exit, 0, rep.stderr());
  const html = readFileSync(join(rig.dir, 'r.html'), 'utf8');
  t.match(html, /Funding +-0\.35 USDT \(paid on closed trades; in the P&#38;L above\)/);
});

// Executions while the bot was away, through the real client: Bybit's execution/list answers at
// most 7 days per request and pages with a cursor, so a long absence is read window by window and
// page by page; each execution says what it was (a trade, a stop's close, a funding payment).
import t from 'tap';
import { d, setup } from '../fake-bybit/harness.ts';

const DAY = 86_400_000;

t.test('20 days of executions, 130 in one week: all found, every request within Bybit\'s 7-day rule', async (t) => {
  const s = await setup({ fake: { price: 50000 }, start: false });
  t.teardown(s.close);
  const ex = s.fake.exchange;
  // Executions 20, 12 and 3 days ago (the fake's clock moved back, then forward to now).
  const at = (daysAgo: number, f: () => void) => {
    s.fake.clockOffsetMs = -daysAgo * DAY;
    f();
  };
  at(20, () => ex.createOrder({ side: 'Buy', orderType: 'Market', qty: '0.01', orderLinkId: 'old-entry' }));
  at(12, () => ex.fund(d('0.0001')));
  for (let i = 0; i < 65; i++) {
    at(3, () => ex.createOrder({ side: 'Buy', orderType: 'Market', qty: '0.001', orderLinkId: `busy-b${i}` }));
    at(3, () => ex.createOrder({ side: 'Sell', orderType: 'Market', qty: '0.001', orderLinkId: `busy-s${i}`, reduceOnly: true }));
  }
  s.fake.clockOffsetMs = 0;
  await s.venue.start();
  const before = s.fake.requestsTo('/v5/execution/list').length;
  const fills = await s.venue.fills(Date.now() - 21 * DAY);
  t.equal(fills.length, 1 + 1 + 130, 'every execution, however old');
  t.ok(fills.every((f, i) => i === 0 || f.time >= fills[i - 1]!.time), 'oldest first');
  t.equal(fills[0]!.orderLinkId, 'old-entry');
  t.equal(fills[1]!.kind, 'funding', 'the funding payment says what it is');
  t.equal(fills[1]!.fee.toFixed(), '0.05');
  t.ok(fills.slice(2).every((f) => f.kind === 'trade'));
  const reqs = s.fake.requestsTo('/v5/execution/list').slice(before);
  t.ok(reqs.length >= 4, `${reqs.length} requests: windows and pages`);
  for (const r of reqs) {
    const span = Number(r.params.endTime) - Number(r.params.startTime);
    t.ok(r.params.startTime !== undefined && r.params.endTime !== undefined && span <= 7 * DAY, `window of ${(span / DAY).toFixed(2)} days`);
    t.equal(r.retCode, 0);
  }
  t.ok(reqs.some((r) => typeof r.params.cursor === 'string' && r.params.cursor !== ''), 'a busy week is paged with the cursor');
});

t.test('the fake keeps Bybit\'s rule: only startTime gives the 7 days after it; a wider window is refused', async (t) => {
  const s = await setup({ fake: { price: 50000 } });
  t.teardown(s.close);
  const rest = s.venue['rest'];
  const now = Date.now();
  const wide = await rest.getExecutionList({ category: 'linear', symbol: 'BTCUSDT', startTime: now - 9 * DAY, endTime: now });
  t.equal(wide.retCode, 10001, 'more than 7 days: refused');
  const ok = await rest.getExecutionList({ category: 'linear', symbol: 'BTCUSDT', startTime: now - 7 * DAY, endTime: now });
  t.equal(ok.retCode, 0);
});

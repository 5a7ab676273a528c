// Rebuilding an exit the stream missed from the exchange's fill history.
import t from 'tap';
import { Decimal } from 'decimal.js';
import { exitFromFills } from '../../engine/live/recover.ts';
import type { PositionState } from '../../engine/core/state.ts';
import type { Fill } from '../../engine/venue/venue.ts';

const d = (x: string | number) => new Decimal(x);
const long: PositionState = {
  side: 'long', qty: d('0.02'), entryPrice: d(50000), entryTime: 1000, entryBar: 1, entryFee: d(0),
  stopLoss: d(49500), takeProfit: d(51000), initialRisk: d(500), trailActive: false, stopKind: 'stop_loss',
};
const fill = (side: 'buy' | 'sell', price: string, qty: string, time: number): Fill => ({
  execId: `e${time}`, orderId: 'o', orderLinkId: '', side, price: d(price), qty: d(qty), fee: d('0.1'), feeCurrency: 'USDT', isMaker: false, time,
});

t.test('volume-weighted closing fills after the entry; the nearer level names the reason', async (t) => {
  const fills = [fill('buy', '50000', '0.02', 1000), fill('sell', '49500', '0.01', 2000), fill('sell', '49480.3', '0.01', 2500)];
  const x = exitFromFills(long, fills, d('0.1'), 49000, 9999);
  t.equal(x.price.toFixed(), '49490.2', '(49500 + 49480.3) / 2 = 49490.15, to the tick');
  t.equal(x.fee.toFixed(), '0.2');
  t.equal(x.time, 2500);
  t.equal(x.reason, 'stop_loss');
  t.equal(x.fills, 2, 'the entry fill is not counted');
  t.equal(exitFromFills({ ...long, stopKind: 'trailing_stop' }, fills, d('0.1'), 0, 0).reason, 'trailing_stop');
  t.equal(exitFromFills(long, [fill('sell', '51000', '0.02', 3000)], d('0.1'), 0, 0).reason, 'take_profit');
});

t.test('no fills listed: the last close stands in, at the time of discovery', async (t) => {
  const x = exitFromFills(long, [], d('0.1'), 49400, 7777);
  t.same([x.price.toFixed(), x.time, x.reason, x.fills], ['49400', 7777, 'stop_loss', 0]);
});

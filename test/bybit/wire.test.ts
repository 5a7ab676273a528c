// Wire-format details that would silently corrupt orders or candles if wrong.
import t from 'tap';
import { Decimal } from 'decimal.js';
import { nextStart } from '../../engine/venue/bybit/candles.ts';
import { orderCreateBody } from '../../engine/venue/bybit/orders.ts';
import { MalformedError, parseKlinePush, parseKlineRow, parseOrder, parsePosition } from '../../engine/venue/bybit/parse.ts';
import { isOpenStatus } from '../../engine/venue/venue.ts';

t.test('order bodies print decimals in full, never in exponent form', async (t) => {
  const body = orderCreateBody(
    { orderLinkId: 'x-1', side: 'sell', type: 'limit', qty: new Decimal('0.0000001'), price: new Decimal('123456789.12') },
    'spot',
    'BTCUSDT',
  );
  t.equal(body.qty, '0.0000001');
  t.equal(body.price, '123456789.12');
  t.equal(body.timeInForce, 'GTC');
  t.notOk('positionIdx' in body, 'spot has no positionIdx');
  t.throws(() => orderCreateBody({ orderLinkId: 'x', side: 'buy', type: 'market', qty: new Decimal(1), reduceOnly: true, stopLoss: new Decimal(1) }, 'linear', 'BTCUSDT'), {
    name: 'OrderRejectedError',
  });
  t.throws(() => orderCreateBody({ orderLinkId: 'a'.repeat(37), side: 'buy', type: 'market', qty: new Decimal(1) }, 'linear', 'BTCUSDT'), {
    name: 'OrderRejectedError',
  });
});

t.test('order states map onto the venue state machine', async (t) => {
  const base = {
    orderId: 'o1', orderLinkId: 'l1', side: 'Sell', orderType: 'Limit', price: '50000.5', qty: '0.5', cumExecQty: '0.2',
    avgPrice: '50000.5', cumExecFee: '0.01', createType: 'CreateByUser', rejectReason: 'EC_NoError', cancelType: 'CancelByUser',
    stopLoss: '0.00', takeProfit: '', reduceOnly: false, createdTime: '1700000000000', updatedTime: '1700000000100',
  };
  const o = parseOrder({ ...base, orderStatus: 'PartiallyFilledCanceled' });
  t.equal(o.status, 'Cancelled', 'spot partial-cancel is Cancelled with fills kept');
  t.equal(o.filledQty.toString(), '0.2');
  t.equal(o.price?.toString(), '50000.5');
  t.equal(o.side, 'sell');
  t.equal(o.stopLoss, undefined, '"0.00" means no stop');
  t.equal(o.reason, 'CancelByUser');
  t.equal(parseOrder({ ...base, orderStatus: 'Filled', createType: 'CreateByTakeProfit' }).origin, 'takeProfit');
  // A position's stop-loss order may carry createType CreateByUser; its stopOrderType says what it is.
  t.equal(parseOrder({ ...base, orderStatus: 'Untriggered', createType: 'CreateByUser', stopOrderType: 'StopLoss' }).origin, 'stopLoss');
  t.equal(parseOrder({ ...base, orderStatus: 'Triggered', createType: 'CreateByUser', stopOrderType: 'UNKNOWN' }).origin, 'user');
  t.ok(isOpenStatus(parseOrder({ ...base, orderStatus: 'Triggered' }).status), 'Triggered is not the end of an order');
  t.throws(() => parseOrder({ ...base, orderStatus: 'Exploded' }), MalformedError);
  t.throws(() => parseOrder({ ...base, orderStatus: 'New', qty: 0.5 }), MalformedError, 'numbers must be strings');
});

t.test('positions: REST avgPrice and WS entryPrice; flat rows', async (t) => {
  const rest = parsePosition({ symbol: 'BTCUSDT', side: 'Sell', size: '0.010', avgPrice: '27464.5', stopLoss: '28000', takeProfit: '0', trailingStop: '0.00', leverage: '10', updatedTime: '1' });
  t.equal(rest.side, 'short');
  t.equal(rest.avgPrice.toString(), '27464.5');
  t.equal(rest.stopLoss?.toString(), '28000');
  t.equal(rest.takeProfit, undefined);
  const ws = parsePosition({ symbol: 'BTCUSDT', side: 'Buy', size: '1', entryPrice: '100.1', updatedTime: '2' });
  t.equal(ws.avgPrice.toString(), '100.1');
  t.equal(parsePosition({ symbol: 'BTCUSDT', side: '', size: '0', avgPrice: '0', updatedTime: '3' }).side, 'flat');
});

t.test('klines: REST rows and WS pushes; inconsistent candles are rejected', async (t) => {
  t.same(parseKlineRow(['1670608800000', '17071', '17073', '17027', '17055.5', '268611', '15.7']), {
    start: 1670608800000, open: 17071, high: 17073, low: 17027, close: 17055.5, volume: 268611,
  });
  const push = parseKlinePush({ start: 1672324800000, end: 1672325099999, interval: '5', open: '16649.5', close: '16677', high: '16677', low: '16608', volume: '2.081', turnover: '1', confirm: true, timestamp: 1 });
  t.equal(push.confirm, true);
  t.equal(push.candle.close, 16677);
  t.throws(() => parseKlinePush({ start: 1, interval: '5', open: '10', close: '10', high: '9', low: '8', volume: '1', confirm: true }), MalformedError);
  t.throws(() => parseKlinePush({ start: '1', interval: '5', open: '10', close: '10', high: '10', low: '10', volume: '1', confirm: true }), MalformedError);
  t.throws(() => parseKlineRow(['x', '1', '1', '1', '1', '1']), MalformedError);
});

t.test('candle starts step by calendar month for M, by fixed length otherwise', async (t) => {
  t.equal(nextStart(Date.UTC(2024, 0, 1), 'M'), Date.UTC(2024, 1, 1));
  t.equal(nextStart(Date.UTC(2024, 1, 1), 'M'), Date.UTC(2024, 2, 1), 'leap February');
  t.equal(nextStart(Date.UTC(2024, 11, 1), 'M'), Date.UTC(2025, 0, 1));
  t.equal(nextStart(Date.UTC(2024, 0, 1), '60'), Date.UTC(2024, 0, 1, 1));
  t.equal(nextStart(Date.UTC(2024, 0, 1), 'W'), Date.UTC(2024, 0, 8));
});

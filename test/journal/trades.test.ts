import t from 'tap';
import { Decimal } from 'decimal.js';
import { buildTrades, summariseTrades, utcDayStart, type TradeFill } from '../../engine/journal/index.ts';

let n = 0;
function fill(side: 'buy' | 'sell', qty: string, price: string, fee = '0', time = ++n * 1000): TradeFill {
  return { execId: `e${n}`, time, side, qty: new Decimal(qty), price: new Decimal(price), fee: new Decimal(fee) };
}

t.test('a long round trip: P&L, fees, average prices, exact decimals', async (t) => {
  const { trades, realised } = buildTrades([
    fill('buy', '0.010', '43000.1', '0.23650055'),
    fill('buy', '0.010', '43100.3', '0.23705165'),
    fill('sell', '0.020', '44000.7', '0.4840077'),
  ]);
  t.equal(trades.length, 1);
  const tr = trades[0]!;
  t.equal(tr.side, 'long');
  t.equal(tr.qty.toFixed(), '0.02');
  t.equal(tr.entryPrice.toFixed(), '43050.2');
  t.equal(tr.exitPrice?.toFixed(), '44000.7');
  // (44000.7*0.02) - (43000.1*0.01 + 43100.3*0.01) = 880.014 - 861.004 = 19.01
  t.equal(tr.grossPnl.toFixed(), '19.01');
  t.equal(tr.fees.toFixed(), '0.9575599');
  t.equal(tr.netPnl.toFixed(), '18.0524401');
  t.equal(realised.length, 1);
  t.equal(realised[0]!.pnl.toFixed(), '18.0524401', 'realised P&L of the closing fill = the trade net P&L');
  t.equal(tr.execIds.length, 3);
  t.not(tr.exitTime, null);
});

t.test('partial exits realise entry fees pro rata; the sum equals the whole trade', async (t) => {
  const { trades, realised } = buildTrades([
    fill('sell', '3', '100', '0.3'), // short 3 @ 100
    fill('buy', '1', '90', '0.09'), // cover 1: gross 10, fees 0.09 + 0.1
    fill('buy', '2', '110', '0.22'), // cover 2: gross -20, fees 0.22 + 0.2
  ]);
  t.equal(trades.length, 1);
  const tr = trades[0]!;
  t.equal(tr.side, 'short');
  t.equal(realised[0]!.pnl.toFixed(), '9.81');
  t.equal(realised[1]!.pnl.toFixed(), '-20.42');
  t.equal(tr.netPnl.toFixed(), '-10.61');
  t.equal(tr.grossPnl.toFixed(), '-10');
  t.equal(tr.fees.toFixed(), '0.61');
  t.equal(tr.exitPrice?.toFixed(), new Decimal(310).div(3).toFixed());
});

t.test('a fill that crosses flat closes one trade and opens the next, splitting its fee', async (t) => {
  const { trades } = buildTrades([fill('buy', '1', '100', '0.1'), fill('sell', '3', '120', '0.36')]);
  t.equal(trades.length, 2);
  t.equal(trades[0]!.side, 'long');
  t.equal(trades[0]!.netPnl.toFixed(), '19.78'); // 20 - 0.1 - 0.12
  t.equal(trades[1]!.side, 'short');
  t.equal(trades[1]!.qty.toFixed(), '2');
  t.equal(trades[1]!.exitTime, null, 'the new short is still open');
  t.equal(trades[1]!.fees.toFixed(), '0.24');
  t.equal(trades[1]!.netPnl.toFixed(), '0', 'nothing realised on an open trade');
});

t.test('an open trade after closed ones; utcDayStart', async (t) => {
  const { trades } = buildTrades([fill('buy', '1', '10'), fill('sell', '1', '11'), fill('buy', '2', '12')]);
  t.equal(trades.length, 2);
  t.equal(trades[1]!.exitTime, null);
  t.equal(trades[1]!.entryQty.toFixed(), '2');
  t.equal(utcDayStart(Date.UTC(2026, 0, 2, 23, 59, 59, 999)), Date.UTC(2026, 0, 2));
  t.equal(utcDayStart(Date.UTC(2026, 0, 3)), Date.UTC(2026, 0, 3));
});

t.test('the position left open: size and average entry of what is still open', async (t) => {
  const flat = buildTrades([fill('buy', '1', '100'), fill('sell', '1', '101')]);
  t.equal(flat.position.side, 'flat');
  t.equal(flat.position.entryPrice, null);
  const { position } = buildTrades([fill('buy', '2', '100'), fill('sell', '1', '110'), fill('buy', '1', '130')]);
  t.equal(position.side, 'long');
  t.equal(position.qty.toFixed(), '2');
  t.equal(position.entryPrice?.toFixed(), '115', '1 left at 100 plus 1 added at 130');
});

t.test('summary over closed trades', async (t) => {
  const { trades } = buildTrades([
    fill('buy', '1', '100', '0.1'), fill('sell', '1', '110', '0.1'), // +9.8
    fill('sell', '1', '100', '0.1'), fill('buy', '1', '105', '0.1'), // -5.2
    fill('buy', '1', '100'), // open
  ]);
  const s = summariseTrades(trades);
  t.equal(s.count, 2);
  t.equal(s.wins, 1);
  t.equal(s.losses, 1);
  t.equal(s.netPnl.toFixed(), '4.6');
  t.equal(s.fees.toFixed(), '0.4');
  t.equal(s.grossPnl.toFixed(), '5');
  t.equal(s.best?.toFixed(), '9.8');
  t.equal(s.worst?.toFixed(), '-5.2');
  t.same(summariseTrades([]).best, null);
});

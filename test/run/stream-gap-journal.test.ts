// The journal is what `botctl trades`, `status` and the report read, so it must hold every fill even
// when the account stream did not deliver it: a funding payment Bybit charged while the stream was
// down is read from the execution history when the stream is back, and an order whose end came over
// REST has its fills read from the history too. The trade then carries its funding in its P&L.
import t from 'tap';
import { Decimal } from 'decimal.js';
import { buildTrades, type TradeFill } from '../../engine/journal/trades.ts';
import { SIG, assertInvariants, liveBot, until } from '../helpers/run-fake.ts';

interface FillRow { exec_id: string; time: number; side: 'buy' | 'sell'; qty: string; price: string; fee: string; kind: string | null }

t.test('funding and the exit fill while the account stream is down: both journaled, the trade carries the funding', async (t) => {
  const bot = await liveBot({ journal: true });
  t.teardown(bot.close);
  await bot.step(SIG.long, 50000);
  bot.fake.refuseConnections = true;
  bot.fake.dropSockets('private');
  await until(() => /"stream":"account","msg":"stream connection lost/.test(bot.log.text()), 3000, 'the account stream is down');
  const funding = bot.fake.exchange.fund(new Decimal('0.0001'));
  t.ok(funding, 'Bybit charged the long funding');
  await bot.step(SIG.exitLong, 50100);
  await until(() => bot.fake.position().size.isZero(), 3000, 'closed on the exchange');
  bot.fake.refuseConnections = false;
  await until(() => /account stream back: position and wallet re-read/.test(bot.log.text()), 5000, 'the stream is back');
  await until(() => bot.runner.core.state.position === null, 3000, 'the core flat');
  await bot.runner.idle();

  const rows = bot.journal().prepare('SELECT exec_id, time, side, qty, price, fee, kind FROM fills ORDER BY time, id').all() as FillRow[];
  const ids = new Set(rows.map((r) => r.exec_id));
  const missing = bot.fake.executions().filter((e) => !ids.has(e.execId)).map((e) => `${e.execType ?? 'Trade'} ${e.side} ${e.execQty.toFixed()}`);
  t.same(missing, [], 'every execution Bybit made is in the journal, funding included');
  const fills: TradeFill[] = rows.map((r) => ({
    execId: r.exec_id, time: r.time, side: r.side, qty: new Decimal(r.qty), price: new Decimal(r.price), fee: new Decimal(r.fee),
    ...(r.kind === 'funding' ? { kind: 'funding' as const } : {}),
  }));
  const { trades, position } = buildTrades(fills);
  t.equal(position.side, 'flat');
  t.equal(trades.length, 1, 'one trade; the funding is no trade of its own');
  const trade = trades[0]!;
  t.equal(trade.funding.toFixed(), funding!.execFee.neg().toFixed(), `the trade's funding is what Bybit charged (${funding!.execFee.toFixed()} paid)`);
  t.ok(trade.netPnl.lt(trade.grossPnl.sub(trade.fees)), 'and it is in the net P&L');
  assertInvariants(t, bot);
});

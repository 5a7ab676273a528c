// How `botctl trades` prints: a table with a total line for people, CSV and JSON with exact
// decimals for spreadsheets and scripts.
import type { Decimal } from 'decimal.js';
import { csvLine, formatTable, type Column } from './table.ts';
import { fmtUtc, isoUtc } from './time.ts';
import { quoteCoin, totals, type TradeHistory, type TradeRow } from './trades.ts';
import { moneyDecimals } from '../spec/summary.ts';

export type TradesFormat = 'table' | 'csv' | 'json';

export interface TradesContext {
  bot: string;
  mode: string;
  symbol: string;
  journal: string;
  since: number | null;
}

/** Money for the table in the quote coin's decimals (as the report shows it), a sign on gains; --csv and --json stay exact. */
function money(d: Decimal, quote: string, signed = true): string {
  const s = d.toFixed(moneyDecimals(quote));
  return signed && d.gt(0) && s !== '0' ? `+${s}` : s;
}

export function renderTrades(h: TradeHistory, format: TradesFormat, ctx: TradesContext): string {
  if (format === 'csv') return tradesCsv(h.closed);
  if (format === 'json') return `${JSON.stringify(tradesJson(h, ctx), null, 2)}\n`;
  return tradesTable(h, ctx);
}

// funding last, so scripts reading the earlier columns by position keep working.
const CSV_COLUMNS = ['entry_time', 'entry_price', 'exit_time', 'exit_price', 'side', 'qty', 'fees', 'gross_pnl', 'net_pnl', 'exit_reason', 'funding'];

function tradesCsv(rows: readonly TradeRow[]): string {
  let out = csvLine(CSV_COLUMNS);
  for (const r of rows) {
    out += csvLine([
      isoUtc(r.entryTime)!, r.entryPrice.toFixed(), isoUtc(r.exitTime) ?? '', r.exitPrice?.toFixed() ?? '',
      r.side, r.qty.toFixed(), r.fees.toFixed(), r.grossPnl.toFixed(), r.netPnl.toFixed(), r.exitReason, r.funding.toFixed(),
    ]);
  }
  return out;
}

export function tradeJson(r: TradeRow): Record<string, unknown> {
  return {
    side: r.side,
    qty: r.qty.toFixed(),
    entryTime: isoUtc(r.entryTime),
    entryPrice: r.entryPrice.toFixed(),
    exitTime: isoUtc(r.exitTime),
    exitPrice: r.exitPrice?.toFixed() ?? null,
    stopLoss: r.stopLoss?.toFixed() ?? null,
    takeProfit: r.takeProfit?.toFixed() ?? null,
    grossPnl: r.grossPnl.toFixed(),
    fees: r.fees.toFixed(),
    funding: r.funding.toFixed(),
    netPnl: r.netPnl.toFixed(),
    exitReason: r.exitReason || null,
    exitNote: r.exitNote,
  };
}

function tradesJson(h: TradeHistory, ctx: TradesContext): Record<string, unknown> {
  const t = totals(h.closed);
  return {
    bot: ctx.bot,
    mode: ctx.mode,
    symbol: ctx.symbol,
    since: isoUtc(ctx.since),
    trades: h.closed.map(tradeJson),
    total: { count: t.count, wins: t.wins, losses: t.losses, grossPnl: t.grossPnl.toFixed(), fees: t.fees.toFixed(), funding: t.funding.toFixed(), netPnl: t.netPnl.toFixed() },
    open: h.open ? tradeJson(h.open) : null,
  };
}

function tradesTable(h: TradeHistory, ctx: TradesContext): string {
  const quote = quoteCoin(ctx.symbol);
  const head = `${ctx.bot} (${ctx.mode}, ${ctx.symbol}), trades${ctx.since !== null ? ` closed since ${fmtUtc(ctx.since)} UTC` : ''}; times UTC, money in ${quote}\n`;
  const openLine = h.open
    ? `open: ${h.open.side} ${h.open.qty.toFixed()} since ${fmtUtc(h.open.entryTime)} at ${h.open.entryPrice.toFixed()} (see botctl status)\n`
    : '';
  if (h.closed.length === 0) return `${head}no closed trades${ctx.since !== null ? ' in that period' : ' yet'}\n${openLine}`;
  // The funding column appears when a trade paid or received funding (perpetuals held over a funding time).
  const funded = h.closed.some((r) => !r.funding.isZero());
  const columns: Column[] = [
    { header: '#', align: 'right' }, { header: 'side' }, { header: 'qty', align: 'right' },
    { header: 'entry time' }, { header: 'entry', align: 'right' }, { header: 'exit time' }, { header: 'exit', align: 'right' },
    { header: 'fees', align: 'right' }, ...(funded ? [{ header: 'funding', align: 'right' } as Column] : []), { header: 'net P&L', align: 'right' }, { header: 'exit reason' },
  ];
  const rows: (string[] | null)[] = h.closed.map((r, i) => [
    String(i + 1), r.side, r.qty.toFixed(), fmtUtc(r.entryTime), r.entryPrice.toFixed(),
    r.exitTime === null ? '' : fmtUtc(r.exitTime), r.exitPrice?.toFixed() ?? '', money(r.fees, quote, false), ...(funded ? [money(r.funding, quote)] : []), money(r.netPnl, quote), r.exitReason,
  ]);
  const t = totals(h.closed);
  rows.push(null, ['', 'total', '', `${t.count} trade${t.count === 1 ? '' : 's'}`, '', `${t.wins} won, ${t.losses} lost`, '', money(t.fees, quote, false), ...(funded ? [money(t.funding, quote)] : []), money(t.netPnl, quote), '']);
  return `${head}${formatTable(columns, rows)}${openLine}`;
}

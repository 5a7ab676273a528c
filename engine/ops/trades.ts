// Round trips as the trader reads them: the journal's trades (built from fills) joined with the
// orders behind them, for the exit reason (stop-loss, take-profit, signal...) and the stop and
// target the entry was sent with.
import { Decimal } from 'decimal.js';
import type { FillRecord, JournalOrder, JournalView, Trade } from '../journal/index.ts';

export interface TradeRow {
  side: 'long' | 'short';
  qty: Decimal;
  entryTime: number;
  entryPrice: Decimal;
  /** Null for the open trade. */
  exitTime: number | null;
  exitPrice: Decimal | null;
  grossPnl: Decimal;
  fees: Decimal;
  /** Funding paid (negative) or received (positive) while open; included in netPnl. */
  funding: Decimal;
  netPnl: Decimal;
  /** stop_loss, take_profit, trailing_stop, liquidation, adl, signal, reverse, external, ... ('' while open). */
  exitReason: string;
  /** The exit order's own reason text, when it says more than the exit reason. */
  exitNote: string | null;
  stopLoss: Decimal | null;
  takeProfit: Decimal | null;
}

export interface TradeHistory {
  closed: TradeRow[];
  open: TradeRow | null;
}

const KNOWN_REASONS = new Set(['signal', 'stop_loss', 'take_profit', 'trailing_stop', 'reverse', 'end_of_data', 'liquidation', 'adl', 'shutdown', 'manual']);
/** The exchange's own closes found only as fills (the bot was away): their order's origin says what they were. */
const ORIGIN_REASON: Record<string, string> = { stopLoss: 'stop_loss', takeProfit: 'take_profit', trailingStop: 'trailing_stop', liquidation: 'liquidation', adl: 'adl' };
const PURPOSE_REASON: Record<string, string> = { stop_loss: 'stop_loss', take_profit: 'take_profit', trailing_stop: 'trailing_stop', liquidation: 'liquidation', adl: 'adl', entry: 'reverse', external: 'external' };

/** Closed trades with an exit at or after `since` (oldest first), and the open trade. */
export function tradeHistory(view: JournalView, opts: { since?: number } = {}): TradeHistory {
  const fills = view.fills();
  const byExec = new Map<string, FillRecord>(fills.map((f) => [f.execId, f]));
  const byLink = new Map<string, JournalOrder>();
  const byId = new Map<string, JournalOrder>();
  for (const o of view.orders()) {
    byLink.set(o.orderLinkId, o);
    if (o.orderId) byId.set(o.orderId, o);
  }
  // Orders the exchange created itself (a triggered stop) have no link id: match by exchange id.
  const orderOf = (f: FillRecord | undefined): JournalOrder | undefined =>
    f && ((f.orderLinkId ? byLink.get(f.orderLinkId) : undefined) ?? byId.get(f.orderId) ?? byLink.get(`exchange:${f.orderId}`));

  const since = opts.since ?? Number.MIN_SAFE_INTEGER;
  const closed: TradeRow[] = [];
  let open: TradeRow | null = null;
  for (const t of view.ledger().trades) {
    const row = toRow(t, byExec, orderOf);
    if (t.exitTime === null) open = row;
    else if (t.exitTime >= since) closed.push(row);
  }
  return { closed, open };
}

function toRow(t: Trade, byExec: Map<string, FillRecord>, orderOf: (f: FillRecord | undefined) => JournalOrder | undefined): TradeRow {
  const entryOrder = orderOf(byExec.get(t.execIds[0] ?? ''));
  let exitReason = '';
  let exitNote: string | null = null;
  if (t.exitTime !== null) {
    const exitFill = byExec.get(t.execIds[t.execIds.length - 1] ?? '');
    const exitOrder = orderOf(exitFill);
    // A liquidation or auto-deleveraging execution says what it was, journaled order or not.
    if (exitFill?.kind === 'liquidation' || exitFill?.kind === 'adl') exitReason = exitFill.kind;
    else if (!exitOrder) exitReason = (exitFill?.origin && ORIGIN_REASON[exitFill.origin]) || 'unknown';
    else {
      const reason = exitOrder.reason?.trim() ?? '';
      exitReason = PURPOSE_REASON[exitOrder.purpose] ?? (KNOWN_REASONS.has(reason) ? reason : exitOrder.purpose);
      if (reason && reason !== exitReason) exitNote = reason;
    }
    const adl = t.execIds.map((id) => byExec.get(id)).filter((f) => f !== exitFill && f?.kind === 'adl');
    if (adl.length > 0) {
      const qty = adl.reduce((a, f) => a.add(f!.qty), new Decimal(0));
      exitNote = [exitNote, `${qty.toFixed()} closed earlier by auto-deleveraging`].filter(Boolean).join('; ');
    }
  }
  return {
    side: t.side,
    qty: t.qty,
    entryTime: t.entryTime,
    entryPrice: t.entryPrice,
    exitTime: t.exitTime,
    exitPrice: t.exitPrice,
    grossPnl: t.grossPnl,
    fees: t.fees,
    funding: t.funding,
    netPnl: t.netPnl,
    exitReason,
    exitNote,
    stopLoss: entryOrder?.stopLoss ?? null,
    takeProfit: entryOrder?.takeProfit ?? null,
  };
}

export interface TradeTotals {
  count: number;
  wins: number;
  losses: number;
  grossPnl: Decimal;
  fees: Decimal;
  funding: Decimal;
  netPnl: Decimal;
}

export function totals(rows: readonly TradeRow[]): TradeTotals {
  let grossPnl = new Decimal(0);
  let fees = new Decimal(0);
  let funding = new Decimal(0);
  let netPnl = new Decimal(0);
  let wins = 0;
  let losses = 0;
  for (const r of rows) {
    grossPnl = grossPnl.add(r.grossPnl);
    fees = fees.add(r.fees);
    funding = funding.add(r.funding);
    netPnl = netPnl.add(r.netPnl);
    if (r.netPnl.gt(0)) wins++;
    else if (r.netPnl.lt(0)) losses++;
  }
  return { count: rows.length, wins, losses, grossPnl, fees, funding, netPnl };
}

/** The quote coin of a symbol, for labelling money: the spec summary's, so every output names it alike. */
export { quoteCoin } from '../spec/summary.ts';

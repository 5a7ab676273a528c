// Row shapes as SQLite returns them, and their conversion to the public records.
import { dec, optDec } from './codec.ts';
import type {
  DecisionRecord,
  EquityRecord,
  FillKind,
  FillRecord,
  JournalOrder,
  JournalOrderStatus,
  OrderEventRecord,
  OrderSide,
  OrderType,
  PositionRecord,
  PositionSide,
  RunMode,
  RunRecord,
} from './types.ts';
import type { Category, Network } from '../plan/plan.ts';
import type { Interval } from '../market/candle.ts';

export interface RunRow {
  id: number;
  mode: string;
  bot: string;
  symbol: string;
  category: string;
  interval: string;
  network: string;
  spec_file: string | null;
  spec_text: string;
  spec_hash: string;
  botctl_version: string | null;
  pid: number | null;
  started_at: number;
  ended_at: number | null;
  end_reason: string | null;
}

export function runFromRow(r: RunRow): RunRecord {
  return {
    id: r.id,
    mode: r.mode as RunMode,
    bot: r.bot,
    symbol: r.symbol,
    category: r.category as Category,
    interval: r.interval as Interval,
    network: r.network as Network,
    specFile: r.spec_file,
    specText: r.spec_text,
    specHash: r.spec_hash,
    botctlVersion: r.botctl_version,
    pid: r.pid,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    endReason: r.end_reason,
  };
}

export interface OrderRow {
  id: number;
  scope: string;
  run_id: number;
  order_link_id: string;
  order_id: string | null;
  side: string;
  type: string;
  purpose: string;
  qty: string;
  price: string | null;
  reduce_only: number;
  stop_loss: string | null;
  take_profit: string | null;
  status: string;
  filled_qty: string;
  avg_fill_price: string | null;
  fee: string;
  reason: string | null;
  created_at: number;
  updated_at: number;
}

export function orderFromRow(r: OrderRow): JournalOrder {
  return {
    orderLinkId: r.order_link_id,
    orderId: r.order_id,
    runId: r.run_id,
    side: r.side as OrderSide,
    type: r.type as OrderType,
    purpose: r.purpose,
    qty: dec(r.qty),
    price: optDec(r.price),
    reduceOnly: r.reduce_only === 1,
    stopLoss: optDec(r.stop_loss),
    takeProfit: optDec(r.take_profit),
    status: r.status as JournalOrderStatus,
    filledQty: dec(r.filled_qty),
    avgFillPrice: optDec(r.avg_fill_price),
    fee: dec(r.fee),
    reason: r.reason,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface OrderEventRow {
  run_id: number;
  time: number;
  order_link_id: string;
  order_id: string | null;
  status: string;
  qty: string | null;
  price: string | null;
  filled_qty: string | null;
  reason: string | null;
  applied: number;
}

export function orderEventFromRow(r: OrderEventRow): OrderEventRecord {
  return {
    runId: r.run_id,
    time: r.time,
    orderLinkId: r.order_link_id,
    orderId: r.order_id,
    status: r.status as JournalOrderStatus,
    qty: optDec(r.qty),
    price: optDec(r.price),
    filledQty: optDec(r.filled_qty),
    reason: r.reason,
    applied: r.applied === 1,
  };
}

export interface FillRow {
  kind?: string;
  origin?: string | null;
  exec_id: string;
  run_id: number;
  time: number;
  order_id: string;
  order_link_id: string;
  side: string;
  price: string;
  qty: string;
  fee: string;
  fee_currency: string | null;
  is_maker: number | null;
}

export function fillFromRow(r: FillRow): FillRecord {
  return {
    execId: r.exec_id,
    runId: r.run_id,
    time: r.time,
    orderId: r.order_id,
    orderLinkId: r.order_link_id,
    side: r.side as OrderSide,
    price: dec(r.price),
    qty: dec(r.qty),
    fee: dec(r.fee),
    feeCurrency: r.fee_currency,
    isMaker: r.is_maker === null ? null : r.is_maker === 1,
    kind: (r.kind ?? 'trade') as FillKind,
    origin: r.origin ?? null,
  };
}

export interface PositionRow {
  run_id: number;
  time: number;
  side: string;
  qty: string;
  entry_price: string | null;
  stop_loss: string | null;
  take_profit: string | null;
  trailing_stop: string | null;
  trailing_activation: string | null;
  unrealised_pnl: string | null;
}

export function positionFromRow(r: PositionRow): PositionRecord {
  return {
    runId: r.run_id,
    time: r.time,
    side: r.side as PositionSide,
    qty: dec(r.qty),
    entryPrice: optDec(r.entry_price),
    stopLoss: optDec(r.stop_loss),
    takeProfit: optDec(r.take_profit),
    trailingStop: optDec(r.trailing_stop),
    trailingActivation: optDec(r.trailing_activation),
    unrealisedPnl: optDec(r.unrealised_pnl),
  };
}

export interface DecisionRow {
  id: number;
  run_id: number;
  time: number;
  candle: number | null;
  kind: string;
  action: string;
  outcome: string;
  reason: string;
  text: string | null;
  strength: number | null;
  confidence: number | null;
}

export function decisionFromRow(r: DecisionRow): DecisionRecord {
  return {
    id: r.id,
    runId: r.run_id,
    time: r.time,
    candle: r.candle,
    kind: r.kind,
    action: r.action,
    outcome: r.outcome,
    reason: r.reason,
    text: r.text,
    strength: r.strength,
    confidence: r.confidence,
  };
}

export interface EquityRow {
  run_id: number;
  time: number;
  equity: string;
  wallet_balance: string | null;
  available: string | null;
  coin: string | null;
  /** Schema v4: the same snapshot again on this many later candles, `every` ms apart. */
  repeats?: number;
  every?: number | null;
}

export function equityFromRow(r: EquityRow): EquityRecord {
  return {
    runId: r.run_id,
    time: r.time,
    equity: dec(r.equity),
    walletBalance: optDec(r.wallet_balance),
    available: optDec(r.available),
    coin: r.coin,
  };
}

/** When the row's snapshot last held: its time, or that of its last repeat. */
export function equityRowEnd(r: EquityRow): number {
  return r.repeats && r.every ? r.time + r.repeats * r.every : r.time;
}

/** The snapshots one row stands for, oldest first: itself, then each repeat (the same values, later times). */
export function equityFromRowExpanded(r: EquityRow): EquityRecord[] {
  const first = equityFromRow(r);
  const out = [first];
  const every = r.every ?? 0;
  for (let i = 1; every > 0 && i <= (r.repeats ?? 0); i++) out.push({ ...first, time: r.time + i * every });
  return out;
}

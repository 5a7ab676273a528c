// What goes into a journal and what comes back out. Inputs take Decimal (or the exchange's decimal
// string) and are stored as exact TEXT; outputs are Decimal. Every input has an event time `time`
// (UTC ms: the candle close in a backtest, the exchange's timestamp live).
import type { Decimal } from 'decimal.js';
import { UserError } from '../cli/exit.ts';
import type { OrderSide, OrderType, OrderStatus } from '../venue/venue.ts';
import type { Category, Network } from '../plan/plan.ts';
import type { Interval } from '../market/candle.ts';

export type { OrderSide, OrderType } from '../venue/venue.ts';

export type RunMode = 'paper' | 'live' | 'backtest';
export const RUN_MODES: readonly RunMode[] = ['paper', 'live', 'backtest'];

/** A decimal as the engine holds it (Decimal) or as the exchange sent it ("0.010"). */
export type DecimalInput = Decimal | string;

/**
 * A journal problem the user can act on (a file from a newer botctl, a file that is not a
 * journal) or a misuse by the caller. A UserError, so the CLI prints the message without a stack.
 */
export class JournalError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'JournalError';
  }
}

// ---------- runs ----------

export interface RunStart {
  mode: RunMode;
  bot: string;
  symbol: string;
  category: Category;
  interval: Interval;
  network: Network;
  /** The spec exactly as read; kept so a run can be explained later even if the file changed. */
  specText: string;
  /** SHA-256 (hex) of the spec bytes; computed from specText when absent. */
  specHash?: string;
  specFile?: string;
  botctlVersion?: string;
  time: number;
}

export interface RunRecord {
  id: number;
  mode: RunMode;
  bot: string;
  symbol: string;
  category: Category;
  interval: Interval;
  network: Network;
  specFile: string | null;
  specText: string;
  specHash: string;
  botctlVersion: string | null;
  /** Process id of the botctl that wrote the run; with `endedAt` null it tells running from crashed. */
  pid: number | null;
  startedAt: number;
  endedAt: number | null;
  endReason: string | null;
}

// ---------- decisions ----------

/** Structurally the decision core's Decision, so it can be passed as is. */
export interface DecisionInput {
  time: number;
  /** Start of the candle the decision belongs to. */
  candle?: number;
  kind: string;
  action: string;
  outcome: string;
  reason: string;
  /** The line as a trader reads it. */
  text?: string;
  strength?: number;
  confidence?: number;
}

export interface DecisionRecord {
  id: number;
  runId: number;
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

// ---------- orders ----------

/** Our own status for an order written down but not yet acknowledged by the exchange. */
export type JournalOrderStatus = 'Intent' | OrderStatus | 'PartiallyFilledCanceled';

/** Final statuses: an order in one of these never changes again. */
export const TERMINAL_ORDER_STATUSES: readonly JournalOrderStatus[] = [
  'Filled',
  'Cancelled',
  'Rejected',
  'Deactivated',
  'PartiallyFilledCanceled',
];
export function isTerminalOrderStatus(status: string): boolean {
  return (TERMINAL_ORDER_STATUSES as readonly string[]).includes(status);
}

/** What an order is for; free text beyond these, so the core can add its own. */
export type OrderPurpose = 'entry' | 'exit' | 'stop_loss' | 'take_profit' | 'trailing_stop' | 'external' | (string & {});

/**
 * Written before the order is sent (structurally a venue OrderRequest plus when and why).
 * Durable when recordOrderIntent returns.
 */
export interface OrderIntent {
  orderLinkId: string;
  side: OrderSide;
  type: OrderType;
  qty: DecimalInput;
  price?: DecimalInput;
  reduceOnly?: boolean;
  stopLoss?: DecimalInput;
  takeProfit?: DecimalInput;
  purpose: OrderPurpose;
  reason: string;
  time: number;
}

/**
 * One state change reported by the exchange (structurally a venue OrderState; extra fields are
 * ignored). Orders the exchange created itself have an empty orderLinkId and are keyed by orderId.
 */
export interface OrderUpdate {
  orderLinkId: string;
  orderId?: string;
  status: JournalOrderStatus;
  /** Event time of this change. */
  updatedAt: number;
  qty?: DecimalInput;
  price?: DecimalInput;
  filledQty?: DecimalInput;
  avgFillPrice?: DecimalInput;
  fee?: DecimalInput;
  stopLoss?: DecimalInput;
  takeProfit?: DecimalInput;
  reason?: string;
  /** Needed only to journal an order the journal has never seen (adopted or exchange-created). */
  side?: OrderSide;
  /** The venue's `origin`: an adopted 'stopLoss' order is journaled with purpose 'stop_loss', etc. */
  origin?: string;
  type?: OrderType;
  reduceOnly?: boolean;
}

export interface JournalOrder {
  orderLinkId: string;
  orderId: string | null;
  runId: number;
  side: OrderSide;
  type: OrderType;
  purpose: string;
  qty: Decimal;
  price: Decimal | null;
  reduceOnly: boolean;
  stopLoss: Decimal | null;
  takeProfit: Decimal | null;
  status: JournalOrderStatus;
  filledQty: Decimal;
  avgFillPrice: Decimal | null;
  fee: Decimal;
  /** Why it was placed; replaced by the exchange's reason when it cancels or rejects it. */
  reason: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface OrderEventRecord {
  runId: number;
  time: number;
  orderLinkId: string;
  orderId: string | null;
  status: JournalOrderStatus;
  qty: Decimal | null;
  price: Decimal | null;
  filledQty: Decimal | null;
  reason: string | null;
  /** False when the event arrived after the order was already final and did not change it. */
  applied: boolean;
}

// ---------- fills ----------

/** Structurally a venue Fill. `fee` in the quote coin (negative = rebate). */
/**
 * What an execution was (the venue's FillKind): 'trade', 'liquidation', 'adl' (auto-deleveraging),
 * 'funding' (a funding payment: `fee` paid, negative when received; not a trade), 'other'.
 */
export type FillKind = 'trade' | 'liquidation' | 'adl' | 'funding' | 'other';

export interface FillInput {
  execId: string;
  orderId: string;
  orderLinkId: string;
  side: OrderSide;
  price: DecimalInput;
  qty: DecimalInput;
  fee: DecimalInput;
  feeCurrency?: string;
  isMaker?: boolean;
  time: number;
  /** Absent: 'trade'. */
  kind?: FillKind;
  /** What created the filled order, as the exchange says: 'user', 'stopLoss', 'takeProfit', 'trailingStop', 'liquidation', 'adl'. */
  origin?: string;
}

export interface FillRecord {
  execId: string;
  runId: number;
  orderId: string;
  orderLinkId: string;
  side: OrderSide;
  price: Decimal;
  qty: Decimal;
  fee: Decimal;
  feeCurrency: string | null;
  isMaker: boolean | null;
  time: number;
  kind: FillKind;
  origin: string | null;
}

// ---------- positions, equity, errors, state ----------

export type PositionSide = 'long' | 'short' | 'flat';

export interface PositionSnapshot {
  time: number;
  side: PositionSide;
  qty: DecimalInput;
  entryPrice?: DecimalInput;
  stopLoss?: DecimalInput;
  takeProfit?: DecimalInput;
  /** Trailing distance in price units. */
  trailingStop?: DecimalInput;
  /** Price at which trailing starts. */
  trailingActivation?: DecimalInput;
  unrealisedPnl?: DecimalInput;
}

export interface PositionRecord {
  runId: number;
  time: number;
  side: PositionSide;
  qty: Decimal;
  entryPrice: Decimal | null;
  stopLoss: Decimal | null;
  takeProfit: Decimal | null;
  trailingStop: Decimal | null;
  trailingActivation: Decimal | null;
  unrealisedPnl: Decimal | null;
}

export interface EquitySnapshot {
  time: number;
  equity: DecimalInput;
  walletBalance?: DecimalInput;
  available?: DecimalInput;
  coin?: string;
}

export interface EquityRecord {
  runId: number;
  time: number;
  equity: Decimal;
  walletBalance: Decimal | null;
  available: Decimal | null;
  coin: string | null;
}

export interface ErrorInput {
  time: number;
  /** Where it happened: 'venue', 'strategy', 'core', 'notify', ... */
  source: string;
  message: string;
  /** An Error or any data; stored as redacted JSON. */
  details?: unknown;
}

export interface ErrorRecord {
  runId: number;
  time: number;
  source: string;
  message: string;
  details: unknown;
}

/** An opaque snapshot (cooldowns, protections) the core saves so a restart can restore it. */
export interface StateRecord<T = unknown> {
  runId: number;
  time: number;
  kind: string;
  state: T;
}

// ---------- trades ----------

/** A round trip: from the fill that opened a position to the fill that brought it back to flat. */
export interface Trade {
  side: 'long' | 'short';
  entryTime: number;
  /** Null while the position is still open. */
  exitTime: number | null;
  /** Largest size the position reached. */
  qty: Decimal;
  entryQty: Decimal;
  exitQty: Decimal;
  /** Volume-weighted average prices. */
  entryPrice: Decimal;
  exitPrice: Decimal | null;
  /** Price P&L of the closed part, before fees. */
  grossPnl: Decimal;
  /** Fees of all entry and exit fills so far. */
  fees: Decimal;
  /** Funding paid (negative) or received (positive) while the position was open. */
  funding: Decimal;
  /** grossPnl minus the fees of the closed part (entry fees are realised with the exit), plus funding. */
  netPnl: Decimal;
  execIds: string[];
}

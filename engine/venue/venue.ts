// The one boundary behind which all exchange I/O lives. The live runner drives the decision core
// and talks only to a Venue; the Bybit adapter and the paper-trading simulator both implement it,
// so the core never knows which one it is trading against.
//
// Money is Decimal end to end (prices, quantities, fees, balances). Every event carries the
// exchange's timestamp so the journal can order what happened even when streams arrive late.
import type { Decimal } from 'decimal.js';
import type { Candle } from '../market/candle.ts';
import type { InstrumentRules } from '../market/instrument.ts';

export type OrderSide = 'buy' | 'sell';
export type OrderType = 'market' | 'limit';

/**
 * Bybit's order state machine, which the simulator mimics:
 *   New → PartiallyFilled → Filled
 *   New | PartiallyFilled → Cancelled (a cancelled order may carry fills: see `filledQty`)
 *   Rejected (never live); Untriggered → Triggered → New → … (conditional orders, a position's
 *   stop-loss and take-profit among them: same orderId throughout, `Filled` often in a later frame);
 *   Untriggered → Deactivated (conditional cancelled before it triggered).
 * Open: New, PartiallyFilled, Untriggered, Triggered (Bybit lists it as closed, but it is only the
 * instant between Untriggered and New: the order has not ended). Everything else is final.
 */
export type OrderStatus =
  | 'New'
  | 'PartiallyFilled'
  | 'Filled'
  | 'Cancelled'
  | 'Rejected'
  | 'Untriggered'
  | 'Triggered'
  | 'Deactivated';

export const OPEN_ORDER_STATUSES: readonly OrderStatus[] = ['New', 'PartiallyFilled', 'Untriggered', 'Triggered'];

export function isOpenStatus(status: OrderStatus): boolean {
  return OPEN_ORDER_STATUSES.includes(status);
}

/**
 * A new order. `orderLinkId` is chosen by the caller and must be deterministic (derived from the
 * decision that produced the order, e.g. bot name + candle time + action), so a retry or a restart
 * re-sends the same id and the exchange refuses a second copy. ≤ 36 chars of [A-Za-z0-9_-].
 */
export interface OrderRequest {
  orderLinkId: string;
  side: OrderSide;
  type: OrderType;
  /** Base-coin quantity, already rounded to the instrument's qtyStep. */
  qty: Decimal;
  /** Required for limit orders, already rounded to tickSize. */
  price?: Decimal;
  /** Only reduce (close) a position. Cannot carry stopLoss/takeProfit. */
  reduceOnly?: boolean;
  /**
   * With reduceOnly: close the whole position, whatever its size (`qty` is what the caller believes
   * it is, for the journal). Bybit: qty "0" with closeOnTrigger, which a quantity step cannot refuse.
   */
  closePosition?: boolean;
  /** Attached to the resulting position (whole-position, "Full" mode), triggered on last price. */
  stopLoss?: Decimal;
  takeProfit?: Decimal;
  /** Limit orders only; default GTC. PostOnly is cancelled instead of taking liquidity. */
  timeInForce?: 'GTC' | 'IOC' | 'PostOnly';
}

/** Change a live order. Absent fields stay as they are. */
export interface AmendRequest {
  orderLinkId: string;
  qty?: Decimal;
  price?: Decimal;
  stopLoss?: Decimal;
  takeProfit?: Decimal;
}

/** The venue's view of one order at `updatedAt`. */
export interface OrderState {
  orderLinkId: string;
  /** The exchange's own id (opaque). */
  orderId: string;
  side: OrderSide;
  type: OrderType;
  status: OrderStatus;
  qty: Decimal;
  /** Limit price; undefined for market orders. */
  price?: Decimal;
  filledQty: Decimal;
  /** Volume-weighted fill price; undefined until something filled. */
  avgFillPrice?: Decimal;
  /** Cumulative fees paid in the quote coin (negative = rebate). */
  fee: Decimal;
  reduceOnly: boolean;
  stopLoss?: Decimal;
  takeProfit?: Decimal;
  /** Why the exchange cancelled or rejected it, in the exchange's words (e.g. EC_PostOnlyWillTakeLiquidity). */
  reason?: string;
  /**
   * What created it: the bot ('user'), an exchange-side stop ('stopLoss' | 'takeProfit' |
   * 'trailingStop'), Bybit's liquidation engine ('liquidation') or auto-deleveraging ('adl').
   */
  origin: 'user' | 'stopLoss' | 'takeProfit' | 'trailingStop' | 'liquidation' | 'adl' | 'other';
  createdAt: number;
  updatedAt: number;
}

/**
 * What an execution was: a fill of an order ('trade'), Bybit closing the position itself
 * ('liquidation': a takeover at the bankruptcy price, 'adl': auto-deleveraging, often partial), a
 * funding payment ('funding': no order; `qty` the position size, `price` the mark price, `fee` what
 * was paid, negative when received) or something else (delivery, settlement).
 */
export type FillKind = 'trade' | 'liquidation' | 'adl' | 'funding' | 'other';

/** One execution (a partial or full fill) of an order, or a funding payment (see `kind`). */
export interface Fill {
  /** Unique per execution; use it to de-duplicate stream and REST copies of the same fill. */
  execId: string;
  orderId: string;
  /** Empty for orders the exchange created itself (stop-loss / take-profit closes). */
  orderLinkId: string;
  side: OrderSide;
  price: Decimal;
  qty: Decimal;
  fee: Decimal;
  feeCurrency: string;
  isMaker: boolean;
  time: number;
  /** Absent: 'trade'. */
  kind?: FillKind;
  /** What created the order filled, when the execution says (Bybit's createType): see OrderState.origin. */
  origin?: OrderState['origin'];
}

export type PositionSide = 'long' | 'short' | 'flat';

export interface PositionState {
  side: PositionSide;
  /** Always ≥ 0; 0 when flat. */
  size: Decimal;
  /** Average entry price; 0 when flat or unknown (spot balances have no entry price). */
  avgPrice: Decimal;
  /** Exchange-side protective orders attached to the position; undefined = none. */
  stopLoss?: Decimal;
  takeProfit?: Decimal;
  /** Trailing distance in price units; undefined = none. */
  trailingStop?: Decimal;
  leverage?: Decimal;
  unrealisedPnl?: Decimal;
  updatedAt: number;
}

/**
 * Protective stops on the open position. `undefined` leaves a field unchanged; `null` removes it.
 * Trailing stop is a price distance; `trailingActivation` the price at which trailing starts.
 */
export interface TradingStopRequest {
  stopLoss?: Decimal | null;
  takeProfit?: Decimal | null;
  trailingStop?: Decimal | null;
  trailingActivation?: Decimal;
}

export interface Equity {
  /** Quote coin the numbers are in (USDT). */
  coin: string;
  /** Wallet balance plus unrealised P&L. */
  equity: Decimal;
  walletBalance: Decimal;
  /** What new orders can use as margin/cost. */
  available: Decimal;
  time: number;
}

export type VenueEvent =
  | { kind: 'order'; time: number; order: OrderState }
  | { kind: 'fill'; time: number; fill: Fill }
  | { kind: 'position'; time: number; position: PositionState }
  | { kind: 'wallet'; time: number; equity: Equity }
  /**
   * A stream lost its connection ('down') or came back ('up'). After 'up' on the account stream
   * the runner should reconcile over REST (openOrders, orderStatus, position): pushes sent while
   * the socket was down are gone.
   */
  | { kind: 'connection'; time: number; stream: 'market' | 'account'; state: 'down' | 'up' };

export type Unsubscribe = () => void;

export interface Venue {
  /**
   * Connect: sync the clock, load the instrument rules, set leverage when configured, and open the
   * account stream when keys are present. Call once before anything else.
   */
  start(): Promise<void>;

  /**
   * Precision and minimums for the traded symbol (loaded by start()); `refresh` reads them from the
   * exchange again (they can change while a bot runs).
   */
  instrument(opts?: { refresh?: boolean }): Promise<InstrumentRules>;

  /**
   * Closed candles whose start time lies in [fromMs, toMs], oldest first, no duplicates, never
   * the still-open candle.
   */
  closedCandles(fromMs: number, toMs: number): Promise<Candle[]>;

  /** The newest `count` closed candles, oldest first (history bootstrap before going live). */
  recentClosedCandles(count: number): Promise<Candle[]>;

  /**
   * Deliver each closed candle once, in order. After a reconnect the gap is filled from history,
   * so no candle is skipped or delivered twice. The handler is awaited: the next candle waits
   * until it returns. `afterStart`: start time of the newest candle the caller already has (from
   * recentClosedCandles); every later closed candle is delivered, including any that closed
   * before the subscription was in place. Omitted: only candles closing from now on.
   */
  subscribeCandles(onClosedCandle: (candle: Candle) => void | Promise<void>, afterStart?: number): Promise<Unsubscribe>;

  /**
   * Place an order, idempotently: a retry with the same orderLinkId never creates a second order;
   * if the exchange already has it, its current state is returned. Resolves once the exchange has
   * accepted the order (fills arrive as events, or via orderStatus).
   * Throws InsufficientBalanceError, OrderRejectedError, VenueAuthError, VenueUnavailableError,
   * OrderStateUnknownError (the exchange may or may not have it: reconcile with orderStatus).
   */
  placeOrder(req: OrderRequest): Promise<OrderState>;

  /**
   * Change price/qty/stops of a live order. Resolves with the order's state afterwards; if it was
   * already final (filled in the meantime) that state is returned unchanged.
   */
  amendOrder(req: AmendRequest): Promise<OrderState>;

  /**
   * Cancel by orderLinkId. Resolves with the order's final state, which may be Filled if the fill
   * won the race. Throws OrderNotFoundError if the exchange never had it.
   */
  cancelOrder(orderLinkId: string): Promise<OrderState>;

  /** Cancel every open order on the symbol; resolves with the orderLinkIds cancelled. */
  cancelAllOrders(): Promise<string[]>;

  /** Open orders on the symbol, straight from the exchange (reconciliation). */
  openOrders(): Promise<OrderState[]>;

  /** Current state of one order, open or recently closed; undefined if the exchange doesn't know it. */
  orderStatus(orderLinkId: string): Promise<OrderState | undefined>;

  /**
   * Executions on the symbol since `sinceMs`, oldest first (reconciliation after a reconnect or a
   * restart), however long ago: trades, liquidations, ADL and funding payments (`kind`).
   */
  fills(sinceMs: number): Promise<Fill[]>;

  /** The position on the symbol, straight from the exchange. */
  position(): Promise<PositionState>;

  /** Set/replace/remove the position's exchange-side stop-loss, take-profit and trailing stop. */
  setTradingStop(req: TradingStopRequest): Promise<void>;

  /** Set leverage on the symbol (linear); setting the current value again is a success. */
  setLeverage(leverage: Decimal): Promise<void>;

  equity(): Promise<Equity>;

  /**
   * The account stream looks silent (the exchange shows a change it never pushed): drop it and
   * open it again. Optional: venues without a stream ignore it.
   */
  reconnectAccountStream?(why: string): void;

  /** Order, fill, position, wallet and connection events, as they arrive. */
  onEvent(listener: (event: VenueEvent) => void): Unsubscribe;

  /** Close every connection and timer. Idempotent. */
  close(): Promise<void>;
}

// The vocabulary between the decision core and whatever executes its intents (the simulated
// exchange in backtests, a Bybit venue in paper/live trading). Everything here is plain data, so
// it can be journaled and replayed.
import type { Decimal } from 'decimal.js';
import type { SignalAction } from '../strategy/strategy.ts';
import type { Side } from './precision.ts';

export type { Side } from './precision.ts';

/** Why a position was closed. 'liquidation' and 'adl' (auto-deleveraging): Bybit closed it itself (live only). */
export type ExitReason = 'signal' | 'stop_loss' | 'take_profit' | 'trailing_stop' | 'reverse' | 'end_of_data' | 'liquidation' | 'adl';

export type EntryOrder = { type: 'market' } | { type: 'limit'; price: Decimal };

/** What the core asks the venue to do. Prices and quantities are already exchange-rounded. */
export type Intent =
  | {
      kind: 'enter';
      side: Side;
      qty: Decimal;
      order: EntryOrder;
      /** Price the sizing assumed (signal candle's close, or the limit price). */
      refPrice: Decimal;
      stopLoss: Decimal | null;
      takeProfit: Decimal | null;
      /** Whether the venue holds the stop-loss/take-profit (plan.exits.placement 'exchange'). */
      onExchange: boolean;
    }
  | { kind: 'exit'; side: Side; reason: ExitReason }
  | { kind: 'move_stop'; side: Side; stopLoss: Decimal; reason: ExitReason }
  | { kind: 'cancel_entry'; reason: string };

/** What the venue reports back. `price` is the actual fill price, `fee` in quote coin. */
export interface Fill {
  time: number;
  kind: 'entry' | 'exit';
  side: Side;
  qty: Decimal;
  price: Decimal;
  fee: Decimal;
  liquidity: 'maker' | 'taker';
  /** Entries: 'signal'. Exits: what closed the position. */
  reason: ExitReason;
  /**
   * Start of the candle during which it happened, for the decision records. A venue that cannot
   * tell leaves it out; the core then takes the candle that contains `time`.
   */
  candle?: number;
}

export type DecisionKind = 'signal' | 'exit' | 'protection' | 'order';
export type DecisionOutcome = 'entry' | 'exit' | 'skipped' | 'none' | 'filled' | 'paused' | 'cancelled' | 'rejected' | 'amended';

/**
 * One record per signal, per stop/target exit and per protection or order event, with its reason
 * in plain words. `time` is when the decision was taken (a candle's close, or a fill's time);
 * `candle` is the start of the candle it belongs to.
 */
export interface Decision {
  time: number;
  candle: number;
  kind: DecisionKind;
  /** 'exchange': the live runner's notes about the exchange itself (an IP ban, changed instrument rules). */
  action: SignalAction | ExitReason | 'entry' | 'max_daily_loss' | 'max_drawdown' | 'halt_below_equity' | 'max_trades_per_day' | 'resume' | 'limit_timeout' | 'exchange';
  outcome: DecisionOutcome;
  /** The engine's words: "skipped: cooldown after loss, 2 of 3 bars left". */
  reason: string;
  /** The strategy's own words for a signal, e.g. "EMA 9 crossed above EMA 21". */
  signalReason?: string;
  /** The whole line as a trader reads it, e.g. "2020-03-12 09:00 BUY signal (strength 0.8) skipped: ...". */
  text: string;
  strength?: number;
  confidence?: number;
}

/** The venue's account as the core sees it: a float for per-bar checks, Decimal for sizing. */
export interface AccountView {
  /** Equity at the last close as float64, for per-bar drawdown checks (no Decimal per bar). */
  equityApprox(): number;
  /** Exact equity (balance + unrealised P&L at the last close). */
  equity(): Decimal;
  /** Quote balance free to spend (spot: cash; linear: equity). */
  available(): Decimal;
}

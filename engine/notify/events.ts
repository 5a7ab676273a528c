// What a bot tells its owner about: entries, exits, stop changes, protections tripping, errors.
import type { Decimal } from 'decimal.js';

export type NotifyDecimal = Decimal | string;

export interface NotificationBase {
  bot: string;
  symbol: string;
  mode: 'paper' | 'live' | 'backtest';
  /** Event time, UTC ms. */
  time: number;
}

export interface EntryNotification extends NotificationBase {
  kind: 'entry';
  side: 'long' | 'short';
  qty: NotifyDecimal;
  price: NotifyDecimal;
  stopLoss?: NotifyDecimal;
  takeProfit?: NotifyDecimal;
  reason: string;
}

export interface ExitNotification extends NotificationBase {
  kind: 'exit';
  side: 'long' | 'short';
  qty: NotifyDecimal;
  price: NotifyDecimal;
  /** Net realised P&L of the trade in the quote coin, when known. */
  pnl?: NotifyDecimal;
  /** e.g. 'signal', 'stop_loss', 'take_profit', 'trailing_stop'. */
  reason: string;
}

export interface StopChangedNotification extends NotificationBase {
  kind: 'stop_changed';
  side: 'long' | 'short';
  stopLoss?: NotifyDecimal;
  previousStopLoss?: NotifyDecimal;
  takeProfit?: NotifyDecimal;
  reason?: string;
}

export interface ProtectionNotification extends NotificationBase {
  kind: 'protection';
  /** e.g. 'max_daily_loss', 'max_drawdown', 'max_trades_per_day'. */
  protection: string;
  message: string;
  /** When entries resume, if known. */
  until?: number;
}

export interface ErrorNotification extends NotificationBase {
  kind: 'error';
  message: string;
  source?: string;
}

export type NotificationEvent =
  | EntryNotification
  | ExitNotification
  | StopChangedNotification
  | ProtectionNotification
  | ErrorNotification;

export type NotificationKind = NotificationEvent['kind'];

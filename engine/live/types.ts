// The runner's contracts: what it needs (a candle feed, optional journal and notifications) and
// what it reports (status). Kept apart from runner.ts so callers read them without the machinery.
import type { Decimal } from 'decimal.js';
import type { Plan } from '../plan/plan.ts';
import type { Candle } from '../market/candle.ts';
import type { Strategy } from '../strategy/strategy.ts';
import type { Decision } from '../core/types.ts';
import type { Logger } from '../log/index.ts';
import type { NotificationEvent } from '../notify/index.ts';
import type { JournalRecovery, RecoverySummary } from './reconcile-report.ts';
import type { Fill, OrderRequest, OrderState, PositionState, Unsubscribe, Venue } from '../venue/venue.ts';

/** Where closed candles come from; by default the venue itself. Several bots may share one feed. */
export interface CandleFeed {
  recentClosedCandles(count: number): Promise<Candle[]>;
  subscribeCandles(onClosedCandle: (candle: Candle) => void | Promise<void>, afterStart?: number): Promise<Unsubscribe>;
}

/** Optional durable record of what the runner did (the journal, behind a small seam). */
export interface RunRecorder {
  decision(d: Decision): void;
  error?(message: string, time: number): void;
  /** Written before the order is sent, so a crash right after sending still knows about it. */
  orderIntent?(req: OrderRequest, purpose: string, reason: string, time: number): void;
  orderUpdate?(o: OrderState): void;
  /** An order whose placement went unanswered turned out never to have reached the exchange. */
  neverPlaced?(orderLinkId: string, reason: string, time: number): void;
  fill?(f: Fill): void;
  /**
   * After each candle: the core's state (serializeState text, made when the recorder keeps it) and
   * the account, for `botctl status` and a restart. Called on every candle of a replay, so it
   * takes its values as arguments rather than in an object made for it.
   */
  candle?(time: number, coreState: () => string, equity: Decimal, walletBalance: Decimal, available: Decimal): void;
  position?(p: PositionState): void;
  /** Crash recovery: the core state (serializeState text) the bot's previous run saved last. */
  savedCoreState?(): string | undefined;
  /** Crash recovery: the journal's unfinished orders, brought up to date at startup. */
  recovery?(): JournalRecovery;
  /** Crash recovery: what the restart found and did (kept as a 'recovery' state record). */
  recovered?(summary: RecoverySummary, time: number): void;
  /** Time of the latest `botctl resume` request in the journal, if any (read before each candle). */
  resumeRequest?(): number | undefined;
}

export interface RunnerOptions {
  plan: Plan;
  strategy: Strategy;
  venue: Venue;
  candles?: CandleFeed;
  log: Logger;
  /** Every decision after warm-up, as it is made. */
  onDecision?: (d: Decision) => void;
  recorder?: RunRecorder;
  /** Wall clock for records made between candles (default Date.now). */
  now?: () => number;
  /** 'live' checks the exchange over REST where a simulator would not need it. */
  mode: 'paper' | 'live' | 'replay';
  /** The exchange refused the keys mid-run: nothing more can be traded. */
  onFatal?: (e: Error) => void;
  /** How often the instrument's rules are read again without a reason (default an hour; tests shorten it). */
  rulesRefreshMs?: number;
  /** Entries, exits, stop moves, protections and errors for the owner (engine/notify); never blocks. */
  notify?: (e: NotificationEvent) => void;
  /**
   * A close that did not go through is tried again after `firstMs`, doubling up to `maxMs`, until
   * the position is flat (default 1 s up to 30 s).
   */
  exitRetry?: { firstMs: number; maxMs: number };
  /** How long a triggered exchange stop's Filled frame is waited for before the exit is read from the fill history (default 5 s; tests shorten it). */
  stopFillWaitMs?: number;
}

export interface RunnerStatus {
  bot: string;
  symbol: string;
  mode: RunnerOptions['mode'];
  candles: number;
  lastCandle: number | null;
  nextCloseAt: number | null;
  position: { side: 'long' | 'short' | 'flat'; size: Decimal; avgPrice: Decimal; stopLoss?: Decimal; takeProfit?: Decimal };
  equity: Decimal;
  unrealised: Decimal;
  realisedToday: Decimal;
  decisions: number;
  duplicatesSkipped: number;
  errors: number;
  /** Streams whose connection is down (reconnecting), with when they dropped. */
  streamsDown: { stream: 'market' | 'account'; since: number }[];
}

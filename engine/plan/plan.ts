// The plan: a validated bot spec turned into the exact, typed settings the engine executes.
// The spec loader (engine/spec) builds it; the decision core, the simulated exchange and the
// Bybit venue read it. Money, sizes and percentages are Decimal; bar counts are integers.
//
// Percentages are stored as percent numbers as the trader wrote them (1.5 means 1.5 %), never as
// fractions, so a value can be printed back exactly as written.
import type { Decimal } from 'decimal.js';
import type { Interval } from '../market/candle.ts';
import type { RuleExpressions } from '../../dsl/index.ts';

export type Network = 'mainnet' | 'testnet' | 'demo';
export type Category = 'linear' | 'spot';

/** A length of time, counted in closed bars of the bot's interval or in wall-clock time. */
export type Span = { unit: 'bars'; bars: number } | { unit: 'ms'; ms: number };

export interface MarketPlan {
  network: Network;
  category: Category;
  symbol: string;
  interval: Interval;
}

export type StrategyPlan =
  | {
      kind: 'rules';
      expressions: RuleExpressions;
      params: Readonly<Record<string, number | boolean>>;
    }
  | {
      kind: 'module';
      /** Absolute path of the `.ts`/`.js` module (the spec gives it relative to the spec file). */
      path: string;
      params: Readonly<Record<string, number | string | boolean>>;
    };

/** Which sides the bot may trade. Spot is long only. */
export interface DirectionsPlan {
  long: boolean;
  short: boolean;
}

/** Entry signals below these are recorded as skipped. */
export interface EntryGatePlan {
  minStrength?: number;
  minConfidence?: number;
}

export type EntryOrderPlan =
  | { type: 'market' }
  | {
      type: 'limit';
      /** Limit price this many percent better than the signal candle's close. */
      offsetPercent: Decimal;
      /** Cancel (or re-price, with `onTimeout: 'amend'`) if not filled within this. */
      timeout: Span;
      onTimeout: 'cancel' | 'amend';
    };

export type Sizing =
  /** A fixed base-coin quantity per entry (e.g. 0.01 BTC). */
  | { kind: 'quantity'; quantity: Decimal }
  /** A fixed quote-coin order value per entry (e.g. 500 USDT). */
  | { kind: 'quote'; amount: Decimal }
  /** Quantity such that hitting the stop-loss loses this percent of equity. Needs a stop-loss. */
  | { kind: 'risk_percent'; percent: Decimal };

export interface RiskPlan {
  sizing: Sizing;
  /** Cap on the position size in base coin. */
  maxPositionQty?: Decimal;
  /** Cap on the position value in quote coin at the signal close (or limit price). */
  maxPositionQuote?: Decimal;
  /** Linear: leverage set on the exchange and used to cap notional (equity × leverage). Spot: 1. */
  leverage: Decimal;
}

/** How far from the signal close (or the limit price) a stop sits, or how far behind the best close a trailing stop. */
export type Distance =
  | { kind: 'percent'; percent: Decimal }
  | { kind: 'atr'; length: number; multiple: Decimal };

/** Take-profit distance: like a stop distance, or a multiple of the stop distance (2R). */
export type TargetDistance = Distance | { kind: 'risk_reward'; multiple: Decimal };

export interface TrailingStopPlan {
  distance: Distance;
  /** Start trailing only once price has moved this far in favour; immediately if absent. */
  activation?: TargetDistance;
}

export interface ExitsPlan {
  stopLoss?: Distance;
  takeProfit?: TargetDistance;
  trailingStop?: TrailingStopPlan;
  /**
   * 'exchange' (default): stop-loss and take-profit are attached to the position on the exchange,
   * so they work even while botctl is down. 'bot': botctl watches closed candles and exits itself.
   */
  placement: 'exchange' | 'bot';
}

export interface CooldownPlan {
  afterEntry?: Span;
  afterExit?: Span;
  /** Applies instead of `afterExit` when the closed trade lost money, if longer. */
  afterLoss?: Span;
  /** Stretch cooldowns when the market is wild: multiplier = clamp(ATR(short)/ATR(long), 1, maxMultiplier). */
  volatility?: { atrLength: number; baselineLength: number; maxMultiplier: Decimal };
  /** Stretch cooldowns when the bot has been busy: + `extra` per trade in `window` beyond `freeTrades`. */
  activity?: { window: Span; freeTrades: number; extra: Span };
}

export interface ProtectionsPlan {
  /** Pause entries for the rest of the UTC day once the day's realised loss reaches this percent of the day's starting equity. */
  maxDailyLossPercent?: Decimal;
  /**
   * Pause entries once equity falls this percent below its all-time peak. The pause lasts until the
   * trader runs `botctl resume` (the drawdown is then measured from the equity at that moment)...
   */
  maxDrawdownPercent?: Decimal;
  /** ...or, with a cool-off, lifts by itself after this long and measures the next drawdown from there. */
  drawdownCoolOff?: Span;
  /** Hard floor: once equity closes below this, entries stop until `botctl resume`, cool-off or not. */
  haltBelowEquity?: Decimal;
  /** Pause entries for the rest of the UTC day after this many entries that day. */
  maxTradesPerDay?: number;
}

export interface RunPlan {
  mode: 'paper' | 'live';
  /** Absolute path of the journal database. */
  journal: string;
  /** On shutdown: keep the position under its exchange-side stops, or close it at market. */
  onShutdown: 'keep_position' | 'close_position';
}

/** Fill model for backtests and paper trading. */
export interface SimulationPlan {
  initialEquity: Decimal;
  /** Fee rates in percent of order value (Bybit defaults: taker 0.055, maker 0.02 for linear). */
  takerFeePercent: Decimal;
  makerFeePercent: Decimal;
  /** Market orders fill this percent worse than the next bar's open. */
  slippagePercent: Decimal;
}

export interface Plan {
  name: string;
  /** Absolute path of the spec file and the SHA-256 of its bytes, recorded in journals and reports. */
  specFile: string;
  specHash: string;
  market: MarketPlan;
  strategy: StrategyPlan;
  directions: DirectionsPlan;
  entryGate: EntryGatePlan;
  entryOrder: EntryOrderPlan;
  risk: RiskPlan;
  exits: ExitsPlan;
  cooldown: CooldownPlan;
  protections: ProtectionsPlan;
  run: RunPlan;
  simulation: SimulationPlan;
}

// The one interface the engine runs. Rules written in the expression language compile to it and
// `.ts` strategy modules implement it, so the engine never knows which kind it is driving.
import type { Candle, Interval } from '../market/candle.ts';

/** What a strategy can ask for on a closed candle. Entries open a position, exits close it. */
export type SignalAction = 'enter_long' | 'exit_long' | 'enter_short' | 'exit_short';

export interface Signal {
  action: SignalAction;
  /** Optional 0..1 (by convention) score; the spec's `min_strength` gates entries on it. */
  strength?: number;
  /** Optional 0..1 (by convention) score; the spec's `min_confidence` gates entries on it. */
  confidence?: number;
  /** Plain-words reason, copied into the decision record, e.g. "EMA 9 crossed above EMA 21". */
  reason: string;
}

/** Fixed facts a strategy gets once, at construction. */
export interface StrategyContext {
  symbol: string;
  interval: Interval;
  /** Spec `strategy.params`, already validated against the schema. */
  params: Readonly<Record<string, number | string | boolean>>;
}

export interface Strategy {
  /** Bars before the first signal can be valid (e.g. 21 for an EMA(21) crossover). */
  readonly warmupBars: number;
  /**
   * History to feed before trusting signals, so recursive averages have settled
   * (≥ warmupBars). Live trading preloads this many closed candles; backtests discard
   * decisions before it.
   */
  readonly preloadBars: number;
  /**
   * Called once per closed candle, oldest first, never for an unclosed candle. Returns the
   * signals for this bar, usually none. Implementations should return a shared empty array
   * when there is nothing to say: this runs a million times a second in backtests.
   */
  onCandle(candle: Candle): readonly Signal[];
}

/** Shared empty result, so quiet bars allocate nothing. */
export const NO_SIGNALS: readonly Signal[] = Object.freeze([]);

/**
 * What a `.ts` strategy module exports as `default`: a class whose constructor receives the
 * spec's params and context. Throw `StrategyParamsError` from the constructor to reject params;
 * botctl reports its message against `strategy.params` in the spec.
 */
export type StrategyClass = new (params: StrategyContext['params'], ctx: StrategyContext) => Strategy;

export class StrategyParamsError extends Error {
  /** `param` names the offending key in `strategy.params`, so the error can point at it. */
  constructor(message: string, readonly param?: string) {
    super(message);
    this.name = 'StrategyParamsError';
  }
}

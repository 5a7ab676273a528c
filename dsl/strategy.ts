// The Strategy a rules bot runs: per closed candle, load the candle into the input slots, step
// every node in topological order (so no indicator ever skips a bar), then read the root slots.
// Quiet bars return the shared NO_SIGNALS; nothing on this path allocates unless a signal fires.
import type { Candle } from '../engine/market/candle.ts';
import { NO_SIGNALS, type Signal, type SignalAction, type Strategy } from '../engine/strategy/strategy.ts';
import type { Kernel, Machine } from './runtime.ts';
import type { Cond } from './lazy.ts';

/** How the strategy reads its four conditions (absent fields are undefined). */
export interface Conditions {
  longEntry?: Cond;
  longExit?: Cond;
  shortEntry?: Cond;
  shortExit?: Cond;
}

/** Compile-time facts the strategy needs: root slots (−1 when the field is absent) and reasons. */
export interface StrategyPlan {
  warmupBars: number;
  preloadBars: number;
  longEntry: number;
  longExit: number;
  shortEntry: number;
  shortExit: number;
  strength: number;
  confidence: number;
  reasons: Readonly<Record<SignalAction, string>>;
}

// Exits first, so a reversal on one bar reads "exit long, enter short".
const ORDER: readonly SignalAction[] = ['exit_long', 'exit_short', 'enter_long', 'enter_short'];
const BIT: Readonly<Record<SignalAction, number>> = { exit_long: 1, exit_short: 2, enter_long: 4, enter_short: 8 };

export class RulesStrategy implements Strategy {
  readonly warmupBars: number;
  readonly preloadBars: number;
  private readonly slots: Float64Array;
  private readonly run: Kernel;
  private bar = 0;
  /** Most rules read only the close; skip copying the rest of the candle then. */
  private readonly loadAll: boolean;
  /** Signal lists by fired-bits mask, built once when no per-bar score has to be attached. */
  private readonly fixed: (readonly Signal[])[] | undefined;

  private readonly longEntry: Cond | undefined;
  private readonly longExit: Cond | undefined;
  private readonly shortEntry: Cond | undefined;
  private readonly shortExit: Cond | undefined;

  constructor(machine: Machine, private readonly plan: StrategyPlan, conditions: Conditions) {
    this.longEntry = conditions.longEntry;
    this.longExit = conditions.longExit;
    this.shortEntry = conditions.shortEntry;
    this.shortExit = conditions.shortExit;
    const rootInputs = [plan.strength, plan.confidence].filter((id) => id >= 0 && id < machine.inputsUsed.length && id !== 3);
    this.loadAll = rootInputs.length > 0 || machine.inputsUsed.some((used, i) => used && i !== 3);
    this.warmupBars = plan.warmupBars;
    this.preloadBars = plan.preloadBars;
    this.slots = machine.slots;
    this.run = machine.run;
    if (plan.strength < 0 && plan.confidence < 0) {
      this.fixed = [];
      for (let mask = 0; mask < 16; mask++) {
        const list = ORDER.filter((a) => mask & BIT[a]).map((action) => Object.freeze({ action, reason: plan.reasons[action] }));
        this.fixed.push(Object.freeze(list));
      }
    }
  }

  onCandle(candle: Candle): readonly Signal[] {
    const s = this.slots;
    s[3] = candle.close;
    if (this.loadAll) {
      s[0] = candle.open;
      s[1] = candle.high;
      s[2] = candle.low;
      s[4] = candle.volume;
      s[5] = candle.start;
    }
    this.run.step(s);
    if (this.bar++ < this.warmupBars) return NO_SIGNALS;
    // Only a definite true fires; na (−1) does not.
    const mask =
      (this.longExit !== undefined && this.longExit.read(s) === 1 ? 1 : 0) |
      (this.shortExit !== undefined && this.shortExit.read(s) === 1 ? 2 : 0) |
      (this.longEntry !== undefined && this.longEntry.read(s) === 1 ? 4 : 0) |
      (this.shortEntry !== undefined && this.shortEntry.read(s) === 1 ? 8 : 0);
    if (mask === 0) return NO_SIGNALS;
    if (this.fixed) return this.fixed[mask]!;
    return this.build(mask);
  }

  private build(mask: number): readonly Signal[] {
    const s = this.slots;
    const p = this.plan;
    const out: Signal[] = [];
    for (const action of ORDER) {
      if (!(mask & BIT[action])) continue;
      const signal: Signal = { action, reason: p.reasons[action] };
      if (action === 'enter_long' || action === 'enter_short') {
        // An na score is left out rather than passed on as NaN.
        if (p.strength >= 0 && Number.isFinite(s[p.strength])) signal.strength = s[p.strength]!;
        if (p.confidence >= 0 && Number.isFinite(s[p.confidence])) signal.confidence = s[p.confidence]!;
      }
      out.push(signal);
    }
    return out;
  }
}

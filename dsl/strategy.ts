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

/** The fired-bits mask of the fields a spec has: only a definite true (1) fires, na (−1) does not. */
interface Fired {
  mask(s: Float64Array): number;
}

/**
 * One class per number of fields present, so a bot with one entry rule reads one condition per
 * bar (absent fields tested for undefined, or read as a never-true condition, cost ~3 ns/bar).
 */
function firedFor(c: Conditions): Fired {
  const present: [Cond, number][] = [];
  if (c.longExit) present.push([c.longExit, 1]);
  if (c.shortExit) present.push([c.shortExit, 2]);
  if (c.longEntry) present.push([c.longEntry, 4]);
  if (c.shortEntry) present.push([c.shortEntry, 8]);
  const [a, b, c2, d] = present;
  if (d) return new Fired4(a![0], a![1], b![0], b![1], c2![0], c2![1], d[0], d[1]);
  if (c2) return new Fired3(a![0], a![1], b![0], b![1], c2[0], c2[1]);
  if (b) return new Fired2(a![0], a![1], b[0], b[1]);
  if (a) return new Fired1(a[0], a[1]);
  return new Fired0();
}

class Fired0 implements Fired {
  mask(): number {
    return 0;
  }
}
class Fired1 implements Fired {
  constructor(private readonly a: Cond, private readonly bitA: number) {}
  mask(s: Float64Array): number {
    return this.a.read(s) === 1 ? this.bitA : 0;
  }
}
class Fired2 implements Fired {
  constructor(private readonly a: Cond, private readonly bitA: number, private readonly b: Cond, private readonly bitB: number) {}
  mask(s: Float64Array): number {
    return (this.a.read(s) === 1 ? this.bitA : 0) | (this.b.read(s) === 1 ? this.bitB : 0);
  }
}
class Fired3 implements Fired {
  constructor(
    private readonly a: Cond, private readonly bitA: number,
    private readonly b: Cond, private readonly bitB: number,
    private readonly c: Cond, private readonly bitC: number,
  ) {}
  mask(s: Float64Array): number {
    return (this.a.read(s) === 1 ? this.bitA : 0) | (this.b.read(s) === 1 ? this.bitB : 0) | (this.c.read(s) === 1 ? this.bitC : 0);
  }
}
class Fired4 implements Fired {
  constructor(
    private readonly a: Cond, private readonly bitA: number,
    private readonly b: Cond, private readonly bitB: number,
    private readonly c: Cond, private readonly bitC: number,
    private readonly d: Cond, private readonly bitD: number,
  ) {}
  mask(s: Float64Array): number {
    return (this.a.read(s) === 1 ? this.bitA : 0) | (this.b.read(s) === 1 ? this.bitB : 0) |
      (this.c.read(s) === 1 ? this.bitC : 0) | (this.d.read(s) === 1 ? this.bitD : 0);
  }
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
  /** False when every reader of the close takes it as `step`'s argument (runtime.ts). */
  private readonly storeClose: boolean;
  /** storeClose or loadAll: one test per bar. */
  private readonly loadInputs: boolean;
  /** Signal lists by fired-bits mask, built once when no per-bar score has to be attached. */
  private readonly fixed: (readonly Signal[])[] | undefined;

  private readonly fired: Fired;

  /** `allInputs`: copy the whole candle into the slots every bar (the tracer shows them). */
  constructor(machine: Machine, private readonly plan: StrategyPlan, conditions: Conditions, allInputs = false) {
    this.fired = firedFor(conditions);
    const scoreInputs = [plan.strength, plan.confidence].filter((id) => id >= 0 && id < machine.inputsUsed.length);
    this.loadAll = allInputs || scoreInputs.some((id) => id !== 3) || machine.inputsUsed.some((used, i) => used && i !== 3);
    this.storeClose = allInputs || machine.closeFromSlots || scoreInputs.includes(3);
    this.loadInputs = this.storeClose || this.loadAll;
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
    // Kept small: see the inlining budget in indicators/ema-pair.ts.
    const s = this.slots;
    if (this.loadInputs) this.load(s, candle);
    this.run.step(s, candle.close);
    if (this.bar++ < this.warmupBars) return NO_SIGNALS;
    // Only a definite true fires; na (−1) does not.
    const mask = this.fired.mask(s);
    return mask === 0 ? NO_SIGNALS : this.signals(mask);
  }

  private signals(mask: number): readonly Signal[] {
    return this.fixed ? this.fixed[mask]! : this.build(mask);
  }

  private load(s: Float64Array, candle: Candle): void {
    if (this.storeClose) s[3] = candle.close;
    if (!this.loadAll) return;
    s[0] = candle.open;
    s[1] = candle.high;
    s[2] = candle.low;
    s[4] = candle.volume;
    s[5] = candle.start;
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

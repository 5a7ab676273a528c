// A strategy's signals depend only on the candles and the strategy's own params, never on risk,
// stops, cooldowns or protections: the decision core applies those afterwards. So a sweep
// records the signal series once per set of strategy params and replays it into every backtest
// that differs only in the other settings. Recording keeps only the bars that signalled (a few
// percent of them), with copies of the Signal objects the strategy returned.
import { NO_SIGNALS, type Signal, type Strategy } from '../strategy/strategy.ts';
import type { Candle } from '../market/candle.ts';

export class SignalSeries {
  constructor(
    readonly warmupBars: number,
    readonly preloadBars: number,
    /** Candle indices that signalled, ascending. */
    readonly bars: Int32Array,
    /** What each of those bars returned. */
    readonly signals: readonly (readonly Signal[])[],
  ) {}

  /** Runs `strategy` over every candle and keeps what it said. */
  static record(strategy: Strategy, candles: readonly Candle[]): SignalSeries {
    return SignalSeries.recordAll([strategy], candles)[0]!;
  }

  /**
   * Runs strategies side by side, each candle given to all of them in order (as strategies
   * compiled together with compileVariants must be run), and keeps what each said.
   */
  static recordAll(strategies: readonly Strategy[], candles: readonly Candle[]): SignalSeries[] {
    const bars = strategies.map((): number[] => []);
    const signals = strategies.map((): (readonly Signal[])[] => []);
    for (let i = 0; i < candles.length; i++) {
      const c = candles[i]!;
      for (let k = 0; k < strategies.length; k++) {
        const s = strategies[k]!.onCandle(c);
        if (s.length > 0) {
          bars[k]!.push(i);
          // Copied: a strategy module may reuse its array and objects on the next candle.
          signals[k]!.push(Object.freeze(s.map((x) => Object.freeze({ ...x }))));
        }
      }
    }
    return strategies.map((st, k) => new SignalSeries(st.warmupBars, st.preloadBars, Int32Array.from(bars[k]!), signals[k]!));
  }

  /** A strategy that says on the i-th candle it is given what the recorded one said on the i-th. */
  replay(): Strategy {
    return new Replay(this);
  }
}

class Replay implements Strategy {
  readonly warmupBars: number;
  readonly preloadBars: number;
  private bar = 0;
  private next = 0;
  private nextBar: number;

  constructor(private readonly series: SignalSeries) {
    this.warmupBars = series.warmupBars;
    this.preloadBars = series.preloadBars;
    this.nextBar = series.bars.length > 0 ? series.bars[0]! : -1;
  }

  onCandle(): readonly Signal[] {
    if (this.bar++ !== this.nextBar) return NO_SIGNALS;
    const out = this.series.signals[this.next++]!;
    this.nextBar = this.next < this.series.bars.length ? this.series.bars[this.next]! : -1;
    return out;
  }
}

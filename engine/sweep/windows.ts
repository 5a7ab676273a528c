// Walk-forward windows. The candles are cut into K+1 blocks of (about) equal length; fold k (1..K) is
// optimised on its in-sample window and judged on block k, the out-of-sample window right after:
// anchored, the in-sample window is every block before k (it grows); rolling, it is block k−1
// only (it slides). The out-of-sample windows follow each other, so they join into one stitched
// result: what trading the winner of each fold on the data it had not seen would have made.
//
// Each combination runs once over all the candles, and every window's figures are measured on
// that run (MetricsAccumulator per window): indicators stay warm across window edges, the equity
// is followed bar by bar, and a trade counts in the window where it closes.
import { Decimal } from 'decimal.js';
import { MetricsAccumulator } from '../backtest/metrics.ts';
import type { ClosedTrade } from '../sim/exchange.ts';
import { statsOf, type Stats } from './objective.ts';

export type WalkForwardMode = 'anchored' | 'rolling';

export interface WalkForward {
  folds: number;
  mode: WalkForwardMode;
}

/** A span of candle start times, [from, to). */
export interface TimeWindow {
  from: number;
  to: number;
}

export interface Fold {
  inSample: TimeWindow;
  outOfSample: TimeWindow;
}

const DAY = 86_400_000;

/**
 * The folds over candles starting at `times` (ascending); the last window runs to the end. Window
 * edges fall on a UTC midnight (the first candle of that day), so no day's return is split
 * between two windows and the windows' daily returns add up to the whole run's.
 */
export function foldsOf(times: ArrayLike<number>, wf: WalkForward): Fold[] {
  const n = times.length;
  const blocks = wf.folds + 1;
  const edge = (b: number): number => {
    if (b >= blocks) return Infinity;
    const t = times[Math.floor((n * b) / blocks)]!;
    const midnight = Math.floor(t / DAY) * DAY;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid]! >= midnight) hi = mid;
      else lo = mid + 1;
    }
    return times[lo]!;
  };
  const folds: Fold[] = [];
  for (let k = 1; k <= wf.folds; k++) {
    folds.push({
      inSample: { from: wf.mode === 'anchored' ? times[0]! : edge(k - 1), to: edge(k) },
      outOfSample: { from: edge(k), to: edge(k + 1) },
    });
  }
  return folds;
}

/** Feeds one backtest's bars and trades into per-window metrics. */
export class WindowMeter {
  private readonly windows: { w: TimeWindow; acc: MetricsAccumulator | null; last: number; stats: Stats | null }[];
  private prevEquity: number;

  constructor(windows: readonly TimeWindow[], initialEquity: number, private readonly intervalMs: number) {
    this.windows = windows.map((w) => ({ w, acc: null, last: NaN, stats: null }));
    this.prevEquity = initialEquity;
  }

  onBar = (time: number, equity: number, inPosition: boolean): void => {
    for (const x of this.windows) {
      if (x.stats !== null || time < x.w.from) continue;
      if (time >= x.w.to) {
        if (x.acc !== null) this.close(x, new Decimal(x.last));
        continue;
      }
      this.open(x).onBar(time, equity, inPosition);
      x.last = equity;
    }
    this.prevEquity = equity;
  };

  /** Before the bar it closed in: a trade closing on a window's first bar opens that window. */
  onTrade = (t: ClosedTrade): void => {
    for (const x of this.windows) if (x.stats === null && t.exitTime >= x.w.from && t.exitTime < x.w.to) this.open(x).onTrade(t);
  };

  private open(x: WindowMeter['windows'][number]): MetricsAccumulator {
    x.acc ??= new MetricsAccumulator(new Decimal(this.prevEquity));
    return x.acc;
  }

  /** Figures of every window; `finalEquity` closes the windows still open (the end-of-data close included). */
  finish(finalEquity: Decimal): (Stats | null)[] {
    for (const x of this.windows) if (x.acc !== null && x.stats === null) this.close(x, finalEquity);
    return this.windows.map((x) => x.stats);
  }

  private close(x: WindowMeter['windows'][number], end: Decimal): void {
    const m = x.acc!.finish(end);
    x.stats = statsOf(m, (m.bars * this.intervalMs) / 86_400_000);
  }
}

// Where the result came from, trade by trade: long against short, each exit reason, how long
// trades lasted and how far price went against (MAE) and for (MFE) them. Accumulated as trades
// close (nothing per candle), so it covers every trade however many the result keeps.
import { Decimal } from 'decimal.js';
import type { ClosedTrade } from '../sim/exchange.ts';

export interface SideStats {
  count: number;
  wins: number;
  losses: number;
  netPnl: Decimal;
  /** Sum of winning trades' net P&L, and of losing trades' (negative). */
  grossProfit: Decimal;
  grossLoss: Decimal;
  largestWin: Decimal | null;
  largestLoss: Decimal | null;
  /** Entry to exit, in ms. */
  totalDurationMs: number;
  maxDurationMs: number;
}

export interface ExcursionStats {
  /** Trades with a known excursion (backtests; journals have no candles). */
  count: number;
  /** Average and worst adverse excursion, average and best favourable one, in percent of the entry price. */
  averageMae: number | null;
  worstMae: number | null;
  averageMfe: number | null;
  bestMfe: number | null;
}

export interface TradeBreakdown {
  all: SideStats;
  long: SideStats;
  short: SideStats;
  /** Per exit reason, in the order they first occurred. */
  exitReasons: { reason: string; count: number; wins: number; netPnl: Decimal }[];
  excursion: ExcursionStats;
}

/** A closed trade and, when the candles it was held through are known, its excursions (percent). */
export type TradeWithExcursion = ClosedTrade & { maePercent?: number | null; mfePercent?: number | null };

/**
 * How far price went against (MAE) and for (MFE) a trade, in percent of its entry price, from the
 * highest and lowest prices it was held through (its entry and exit prices included).
 */
export function excursionPercents(side: 'long' | 'short', entry: number, exit: number, high: number, low: number): { maePercent: number; mfePercent: number } {
  const hi = Math.max(high, entry, exit);
  const lo = Math.min(low, entry, exit);
  const long = side === 'long';
  return { maePercent: ((long ? entry - lo : hi - entry) / entry) * 100, mfePercent: ((long ? hi - entry : entry - lo) / entry) * 100 };
}

const ZERO = new Decimal(0);
const side = (): SideStats => ({ count: 0, wins: 0, losses: 0, netPnl: ZERO, grossProfit: ZERO, grossLoss: ZERO, largestWin: null, largestLoss: null, totalDurationMs: 0, maxDurationMs: 0 });

export class BreakdownAccumulator {
  private readonly all = side();
  private readonly long = side();
  private readonly short = side();
  private readonly reasons = new Map<string, { reason: string; count: number; wins: number; netPnl: Decimal }>();
  private nEx = 0;
  private maeSum = 0;
  private mfeSum = 0;
  private maeWorst = -Infinity;
  private mfeBest = -Infinity;

  onTrade(t: TradeWithExcursion): void {
    const duration = t.exitTime - t.entryTime;
    for (const s of [this.all, t.side === 'long' ? this.long : this.short]) {
      s.count++;
      s.netPnl = s.netPnl.add(t.netPnl);
      if (t.netPnl.gt(0)) {
        s.wins++;
        s.grossProfit = s.grossProfit.add(t.netPnl);
        if (s.largestWin === null || t.netPnl.gt(s.largestWin)) s.largestWin = t.netPnl;
      } else if (t.netPnl.lt(0)) {
        s.losses++;
        s.grossLoss = s.grossLoss.add(t.netPnl);
        if (s.largestLoss === null || t.netPnl.lt(s.largestLoss)) s.largestLoss = t.netPnl;
      }
      s.totalDurationMs += duration;
      if (duration > s.maxDurationMs) s.maxDurationMs = duration;
    }
    let r = this.reasons.get(t.reason);
    if (!r) this.reasons.set(t.reason, (r = { reason: t.reason, count: 0, wins: 0, netPnl: ZERO }));
    r.count++;
    if (t.netPnl.gt(0)) r.wins++;
    r.netPnl = r.netPnl.add(t.netPnl);
    if (typeof t.maePercent === 'number' && typeof t.mfePercent === 'number') {
      this.nEx++;
      this.maeSum += t.maePercent;
      this.mfeSum += t.mfePercent;
      if (t.maePercent > this.maeWorst) this.maeWorst = t.maePercent;
      if (t.mfePercent > this.mfeBest) this.mfeBest = t.mfePercent;
    }
  }

  finish(): TradeBreakdown {
    const n = this.nEx;
    return {
      all: this.all, long: this.long, short: this.short,
      exitReasons: [...this.reasons.values()],
      excursion: {
        count: n,
        averageMae: n ? this.maeSum / n : null, worstMae: n ? this.maeWorst : null,
        averageMfe: n ? this.mfeSum / n : null, bestMfe: n ? this.mfeBest : null,
      },
    };
  }
}

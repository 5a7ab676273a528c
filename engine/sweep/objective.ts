// What a sweep ranks by, and what disqualifies a combination. Every figure is taken from the
// backtest's own metrics (engine/backtest/metrics.ts) over the whole run or over one window of
// it; windows that follow each other join into one stitched figure (walk-forward).
import type { Metrics } from '../backtest/metrics.ts';
import { dailyRatios, type DailyReturns } from '../backtest/metrics.ts';

export const OBJECTIVES = ['net', 'sharpe', 'sortino', 'calmar', 'profit_factor', 'expectancy'] as const;
export type Objective = (typeof OBJECTIVES)[number];

export const OBJECTIVE_WORDS: Readonly<Record<Objective, string>> = {
  net: 'net profit (% of starting equity)',
  sharpe: 'Sharpe ratio (daily returns, annualised)',
  sortino: 'Sortino ratio (daily returns, annualised)',
  calmar: 'Calmar ratio (annualised return / max drawdown)',
  profit_factor: 'profit factor (gross profit / gross loss)',
  expectancy: 'expectancy (average R per trade)',
};

export interface Constraints {
  /** Fewer trades than this: the figures are luck, the combination is not ranked. */
  minTrades: number;
  /** A deeper max drawdown (percent) disqualifies. */
  maxDrawdownPercent?: number;
}

/** The figures of one run or window, plain numbers (JSON as is) that windows can be joined from. */
export interface Stats {
  trades: number;
  wins: number;
  losses: number;
  startEquity: number;
  endEquity: number;
  lowEquity: number;
  highEquity: number;
  returnPercent: number;
  maxDrawdownPercent: number;
  sharpe: number | null;
  sortino: number | null;
  calmar: number | null;
  profitFactor: number | null;
  grossProfit: number;
  grossLoss: number;
  expectancyR: number | null;
  rTrades: number;
  /** Calendar days the run or window spans (for annualising). */
  spanDays: number;
  daily: DailyReturns;
}

export function statsOf(m: Metrics, spanDays: number): Stats {
  const start = m.initialEquity.toNumber();
  const end = m.finalEquity.toNumber();
  const grossLoss = m.grossLoss.toNumber();
  return finish({
    trades: m.tradeCount, wins: m.wins, losses: m.losses,
    startEquity: start, endEquity: end, lowEquity: m.lowEquity, highEquity: m.highEquity,
    maxDrawdownPercent: m.maxDrawdownPercent,
    grossProfit: m.grossProfit.toNumber(), grossLoss,
    expectancyR: m.expectancyR, rTrades: m.rTrades,
    spanDays, daily: m.daily,
  });
}

type Raw = Omit<Stats, 'returnPercent' | 'sharpe' | 'sortino' | 'calmar' | 'profitFactor'>;

function finish(r: Raw): Stats {
  const returnPercent = r.startEquity > 0 ? (r.endEquity / r.startEquity - 1) * 100 : 0;
  const { sharpe, sortino } = dailyRatios(r.daily);
  const years = r.spanDays / 365;
  const annual = years > 0 && r.startEquity > 0 && r.endEquity > 0 ? (Math.pow(r.endEquity / r.startEquity, 1 / years) - 1) * 100 : null;
  return {
    ...r,
    returnPercent,
    sharpe,
    sortino,
    calmar: annual !== null && r.maxDrawdownPercent > 0 ? annual / r.maxDrawdownPercent : null,
    profitFactor: r.grossLoss > 0 ? r.grossProfit / r.grossLoss : null,
  };
}

/**
 * Windows that follow each other as one run: returns compound, trades and daily returns add up,
 * and the drawdown also counts falls below a peak reached in an earlier window.
 */
export function stitch(windows: readonly Stats[]): Stats {
  let scale = 1;
  let peak = -Infinity;
  let low = Infinity;
  let maxDd = 0;
  const daily = { count: 0, sum: 0, sumSq: 0, downSq: 0 };
  let trades = 0, wins = 0, losses = 0, grossProfit = 0, grossLoss = 0, rSum = 0, rTrades = 0, spanDays = 0;
  for (const w of windows) {
    const f = w.startEquity > 0 ? scale / w.startEquity : 0;
    if (peak > 0) maxDd = Math.max(maxDd, ((peak - w.lowEquity * f) / peak) * 100);
    maxDd = Math.max(maxDd, w.maxDrawdownPercent);
    peak = Math.max(peak, w.highEquity * f);
    low = Math.min(low, w.lowEquity * f);
    scale = w.endEquity * f;
    daily.count += w.daily.count;
    daily.sum += w.daily.sum;
    daily.sumSq += w.daily.sumSq;
    daily.downSq += w.daily.downSq;
    trades += w.trades;
    wins += w.wins;
    losses += w.losses;
    grossProfit += w.grossProfit * f;
    grossLoss += w.grossLoss * f;
    if (w.expectancyR !== null) rSum += w.expectancyR * w.rTrades;
    rTrades += w.rTrades;
    spanDays += w.spanDays;
  }
  return finish({
    trades, wins, losses,
    startEquity: 1, endEquity: scale, lowEquity: windows.length ? low : 1, highEquity: windows.length ? peak : 1,
    maxDrawdownPercent: maxDd, grossProfit, grossLoss,
    expectancyR: rTrades > 0 ? rSum / rTrades : null, rTrades, spanDays, daily,
  });
}

/** The objective's value, or null when these figures do not define it (no losing trade, a flat curve). */
export function scoreOf(s: Stats, objective: Objective): number | null {
  switch (objective) {
    case 'net': return s.returnPercent;
    case 'sharpe': return s.sharpe;
    case 'sortino': return s.sortino;
    case 'calmar': return s.calmar;
    case 'profit_factor': return s.profitFactor;
    case 'expectancy': return s.expectancyR;
  }
}

/**
 * Why these figures may not be ranked, in a trader's words; null when they may. `whole` is the
 * whole run's figures when `s` is a window of it: --min-trades counts over the whole data, so a
 * window needs its share (a window of a fifth of the data, a fifth of the trades).
 */
export function disqualified(s: Stats, objective: Objective, c: Constraints, whole?: Stats): string | null {
  const share = whole && whole.spanDays > 0 ? Math.min(1, s.spanDays / whole.spanDays) : 1;
  const minTrades = Math.ceil(c.minTrades * share - 1e-9);
  if (s.trades < minTrades) {
    return `${s.trades} trade${s.trades === 1 ? '' : 's'}, fewer than ${share < 1 ? `${minTrades} (--min-trades ${c.minTrades} for the whole data, prorated)` : `--min-trades ${c.minTrades}`}`;
  }
  if (c.maxDrawdownPercent !== undefined && s.maxDrawdownPercent > c.maxDrawdownPercent) {
    return `max drawdown ${s.maxDrawdownPercent.toFixed(1)} % is deeper than --max-drawdown ${c.maxDrawdownPercent}`;
  }
  if (scoreOf(s, objective) === null) return UNDEFINED_WHY[objective];
  return null;
}

const UNDEFINED_WHY: Readonly<Record<Objective, string>> = {
  net: 'no net profit figure',
  sharpe: 'Sharpe undefined (fewer than two days, or a flat equity curve)',
  sortino: 'Sortino undefined (no losing day)',
  calmar: 'Calmar undefined (no drawdown)',
  profit_factor: 'profit factor undefined (no losing trade)',
  expectancy: 'expectancy undefined (no trade with a stop-loss)',
};

/** Sorts best first: higher score, then the lower combination number (deterministic). */
export function better(a: { score: number; n: number }, b: { score: number; n: number }): number {
  return b.score - a.score || a.n - b.n;
}

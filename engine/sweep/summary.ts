// Everything a sweep reports is computed from its results in one pass over them (plus one more
// for the stability around the best), in combination order, with O(top N) memory: the ranking,
// the skipped and failed counts, the best per pair of parameters (heatmaps), and with
// walk-forward each fold's winner and the stitched out-of-sample result. The same code
// summarises a run and a merge of shards, so both give the same report.
import type { ComboResult } from './evaluate.ts';
import { better, disqualified, scoreOf, stitch, type Constraints, type Objective, type Stats } from './objective.ts';
import type { Fold, WalkForwardMode } from './windows.ts';

export interface SweepHeader {
  objective: Objective;
  constraints: Constraints;
  parameters: { name: string; values: string[] }[];
  walkForward: { folds: Fold[]; mode: WalkForwardMode } | null;
  top: number;
}

/** How one combination ranks. */
export interface Judged {
  /** The objective on the ranked scope (the whole run, or out of sample with walk-forward). */
  score: number | null;
  /** Why it is not ranked (too few trades, too deep a drawdown, objective undefined). */
  rejected: string | null;
  /** Walk-forward: the combination's out-of-sample windows joined, and its average in-sample objective. */
  outOfSample?: Stats;
  inSampleScore?: number | null;
}

export function judge(r: ComboResult, h: SweepHeader): Judged | null {
  if (r.status !== 'ok' || !r.stats) return null;
  if (!h.walkForward || !r.folds) {
    const rejected = disqualified(r.stats, h.objective, h.constraints);
    return { score: scoreOf(r.stats, h.objective), rejected };
  }
  const oos = stitch(r.folds.flatMap((f) => (f.outOfSample ? [f.outOfSample] : [])));
  const inScores = r.folds.map((f) => (f.inSample ? scoreOf(f.inSample, h.objective) : null)).filter((x): x is number => x !== null);
  return {
    score: scoreOf(oos, h.objective),
    rejected: disqualified(oos, h.objective, h.constraints, r.stats),
    outOfSample: oos,
    inSampleScore: inScores.length ? inScores.reduce((a, b) => a + b, 0) / inScores.length : null,
  };
}

export interface TopEntry {
  rank: number;
  n: number;
  values: string[];
  score: number;
  stats: Stats;
  inSampleScore?: number | null;
  outOfSample?: Stats;
}

export interface FoldResult {
  fold: number;
  inSample: { from: number; to: number };
  outOfSample: { from: number; to: number };
  /** The best combination in sample, and how it did in and out of sample; null when none qualified. */
  winner: { n: number; values: string[]; inSample: Stats; outOfSample: Stats | null; inSampleScore: number; outOfSampleScore: number | null } | null;
}

export interface Summary {
  combinations: number;
  ok: number;
  skipped: { count: number; reasons: { reason: string; count: number; first: number }[] };
  failed: { count: number; list: { n: number; values: string[]; reason: string }[] };
  ranked: number;
  rejected: { count: number; reasons: { reason: string; count: number }[] };
  /** Most trades of any combination, for the message when none made enough. */
  mostTrades: { n: number; trades: number } | null;
  top: TopEntry[];
  /** Best ranked score per cell, for every pair of parameters (i < j): [i, j, scores by i-value × j-value]. */
  heatmaps: { a: number; b: number; cells: (number | null)[] }[];
  walkForward: { folds: FoldResult[]; stitched: Stats | null; inSample: Stats | null } | null;
}

const KEEP_REASONS = 12;
const KEEP_FAILED = 20;

export class Summarizer {
  private count = 0;
  private ok = 0;
  private skipped = 0;
  private readonly skipReasons = new Map<string, { count: number; first: number }>();
  private readonly failed: Summary['failed']['list'] = [];
  private failedCount = 0;
  private ranked = 0;
  private rejected = 0;
  private readonly rejectReasons = new Map<string, number>();
  private mostTrades: Summary['mostTrades'] = null;
  private top: Omit<TopEntry, 'rank'>[] = [];
  private readonly heat: { a: number; b: number; cells: Float64Array }[] = [];
  private readonly valueIndex: Map<string, number>[];
  private readonly winners: (FoldResult['winner'] & object | null)[];

  constructor(private readonly h: SweepHeader) {
    const p = h.parameters;
    this.valueIndex = p.map((x) => new Map(x.values.map((v, i) => [v, i])));
    for (let a = 0; a < p.length; a++) {
      for (let b = a + 1; b < p.length; b++) this.heat.push({ a, b, cells: new Float64Array(p[a]!.values.length * p[b]!.values.length).fill(NaN) });
    }
    this.winners = (h.walkForward?.folds ?? []).map(() => null);
  }

  /** The value index of each parameter for these value texts. */
  digits(values: readonly string[]): number[] {
    return values.map((v, i) => this.valueIndex[i]!.get(v) ?? -1);
  }

  add(r: ComboResult): void {
    this.count++;
    if (r.status === 'skipped') {
      this.skipped++;
      const reason = r.reason ?? 'skipped';
      const e = this.skipReasons.get(reason);
      if (e) e.count++;
      else if (this.skipReasons.size < 1000) this.skipReasons.set(reason, { count: 1, first: r.n });
      return;
    }
    if (r.status === 'failed') {
      this.failedCount++;
      if (this.failed.length < KEEP_FAILED) this.failed.push({ n: r.n, values: r.values, reason: r.reason ?? 'failed' });
      return;
    }
    this.ok++;
    const j = judge(r, this.h)!;
    const trades = (j.outOfSample ?? r.stats!).trades;
    if (!this.mostTrades || trades > this.mostTrades.trades) this.mostTrades = { n: r.n, trades };
    this.addWinners(r);
    if (j.rejected !== null || j.score === null) {
      this.rejected++;
      const key = j.rejected!.replace(/^\d+ trades?, fewer than (?:\d+ \((.*)\)|(.*))$/, 'too few trades, fewer than $1$2').replace(/max drawdown [\d.]+ %/, 'max drawdown');
      this.rejectReasons.set(key, (this.rejectReasons.get(key) ?? 0) + 1);
      return;
    }
    this.ranked++;
    this.addTop({ n: r.n, values: r.values, score: j.score, stats: r.stats!, ...(j.outOfSample ? { outOfSample: j.outOfSample, inSampleScore: j.inSampleScore ?? null } : {}) });
    const d = this.digits(r.values);
    for (const hm of this.heat) {
      const w = this.h.parameters[hm.b]!.values.length;
      const i = d[hm.a]! * w + d[hm.b]!;
      const cur = hm.cells[i]!;
      if (cur !== cur || j.score > cur) hm.cells[i] = j.score;
    }
  }

  private addTop(e: Omit<TopEntry, 'rank'>): void {
    const top = this.top;
    if (top.length >= this.h.top && better(e, top[top.length - 1]!) >= 0) return;
    top.push(e);
    top.sort(better);
    if (top.length > this.h.top) top.pop();
  }

  private addWinners(r: ComboResult): void {
    if (!this.h.walkForward || !r.folds) return;
    r.folds.forEach((f, k) => {
      if (!f.inSample || disqualified(f.inSample, this.h.objective, this.h.constraints, r.stats) !== null) return;
      const score = scoreOf(f.inSample, this.h.objective)!;
      const cur = this.winners[k];
      if (cur && !(score > cur.inSampleScore)) return;
      this.winners[k] = {
        n: r.n, values: r.values, inSample: f.inSample, outOfSample: f.outOfSample, inSampleScore: score,
        outOfSampleScore: f.outOfSample ? scoreOf(f.outOfSample, this.h.objective) : null,
      };
    });
  }

  finish(): Summary {
    const reasons = (m: Map<string, { count: number; first: number }>) =>
      [...m].map(([reason, v]) => ({ reason, count: v.count, first: v.first })).sort((a, b) => b.count - a.count || a.first - b.first).slice(0, KEEP_REASONS);
    let walkForward: Summary['walkForward'] = null;
    if (this.h.walkForward) {
      const folds = this.h.walkForward.folds.map((f, k) => ({ fold: k + 1, inSample: f.inSample, outOfSample: f.outOfSample, winner: this.winners[k] ?? null }));
      const outs = folds.map((f) => f.winner?.outOfSample ?? null);
      const ins = folds.map((f) => f.winner?.inSample ?? null);
      walkForward = {
        folds,
        stitched: outs.every((x) => x !== null) && outs.length ? stitch(outs as Stats[]) : null,
        inSample: ins.every((x) => x !== null) && ins.length ? averageOf(ins as Stats[]) : null,
      };
    }
    return {
      combinations: this.count,
      ok: this.ok,
      skipped: { count: this.skipped, reasons: reasons(this.skipReasons) },
      failed: { count: this.failedCount, list: this.failed },
      ranked: this.ranked,
      rejected: {
        count: this.rejected,
        reasons: [...this.rejectReasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count).slice(0, KEEP_REASONS),
      },
      mostTrades: this.mostTrades,
      top: this.top.map((e, i) => ({ rank: i + 1, ...e })),
      heatmaps: this.heat.map((hm) => ({ a: hm.a, b: hm.b, cells: [...hm.cells].map((x) => (x === x ? x : null)) })),
      walkForward,
    };
  }
}

/**
 * The winners' in-sample windows as one figure to set beside the stitched out-of-sample one:
 * their returns and drawdowns annualised alike (in-sample windows overlap when anchored, so
 * they cannot be chained).
 */
function averageOf(windows: readonly Stats[]): Stats {
  const annual = (s: Stats): number => (s.spanDays > 0 && s.startEquity > 0 && s.endEquity > 0 ? Math.pow(s.endEquity / s.startEquity, 365 / s.spanDays) : 1);
  const mean = (f: (s: Stats) => number): number => windows.reduce((a, s) => a + f(s), 0) / windows.length;
  const g = Math.pow(windows.reduce((a, s) => a * annual(s), 1), 1 / windows.length);
  const meanOrNull = (f: (s: Stats) => number | null): number | null => {
    const xs = windows.map(f).filter((x): x is number => x !== null);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  };
  return {
    trades: Math.round(mean((s) => s.trades)), wins: Math.round(mean((s) => s.wins)), losses: Math.round(mean((s) => s.losses)),
    startEquity: 1, endEquity: g, lowEquity: NaN, highEquity: NaN,
    returnPercent: (g - 1) * 100,
    maxDrawdownPercent: mean((s) => s.maxDrawdownPercent),
    sharpe: meanOrNull((s) => s.sharpe), sortino: meanOrNull((s) => s.sortino), calmar: meanOrNull((s) => s.calmar),
    profitFactor: meanOrNull((s) => s.profitFactor), grossProfit: NaN, grossLoss: NaN,
    expectancyR: meanOrNull((s) => s.expectancyR), rTrades: Math.round(mean((s) => s.rTrades)),
    spanDays: 365, daily: { count: 0, sum: 0, sumSq: 0, downSq: 0 },
  };
}

/** Annualised return of figures, in percent (compounded over their span). */
export function annualPercent(s: Stats): number | null {
  if (!(s.spanDays > 0) || !(s.startEquity > 0) || !(s.endEquity > 0)) return null;
  return (Math.pow(s.endEquity / s.startEquity, 365 / s.spanDays) - 1) * 100;
}

/** Objective along each parameter's axis through the best combination (the stability view). */
export interface Stability {
  best: number;
  axes: { param: number; scores: (number | null)[] }[];
  /** The worst objective among the best's immediate neighbours (one step along one parameter). */
  worstNeighbour: number | null;
}

export class StabilityScan {
  private readonly axes: (number | null)[][];
  private readonly bestDigits: number[];

  constructor(private readonly h: SweepHeader, private readonly summarizer: Summarizer, private readonly best: TopEntry) {
    this.bestDigits = summarizer.digits(best.values);
    this.axes = h.parameters.map((p) => p.values.map(() => null));
  }

  add(r: ComboResult): void {
    if (r.status !== 'ok') return;
    const d = this.summarizer.digits(r.values);
    let differs = -1;
    for (let i = 0; i < d.length; i++) {
      if (d[i] === this.bestDigits[i]) continue;
      if (differs >= 0) return;
      differs = i;
    }
    const j = judge(r, this.h);
    const score = j && j.rejected === null ? j.score : null;
    if (differs < 0) for (let i = 0; i < d.length; i++) this.axes[i]![d[i]!] = score;
    else this.axes[differs]![d[differs]!] = score;
  }

  finish(): Stability {
    let worst: number | null = null;
    this.axes.forEach((scores, i) => {
      for (const k of [this.bestDigits[i]! - 1, this.bestDigits[i]! + 1]) {
        const s = scores[k];
        if (s === undefined) continue;
        const v = s ?? -Infinity;
        if (worst === null || v < worst) worst = v;
      }
    });
    return { best: this.best.n, axes: this.axes.map((scores, param) => ({ param, scores })), worstNeighbour: worst === -Infinity ? null : worst };
  }
}

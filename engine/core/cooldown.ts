// Cooldowns: after an entry, an exit or a losing exit, new entries wait a number of closed bars or
// an amount of time. The wait is stretched when the market is wild (ATR short/long ratio) and when
// the bot has been busy (trades in a recent window beyond a free allowance).
//
// Counting bars: the bar in which the fill happened counts as the first cooldown bar, so a
// cooldown of N bars blocks entry signals on N closed candles: the fill bar f and f+1 … f+N−1.
// Counting time: signals on candles closing before start + span are blocked, where start is the
// fill's time for a market order filled at an open, and the close of the fill's candle for a fill
// inside a candle (a limit entry, an exchange-side stop or target): when it happened inside the
// candle is unknown, so `12h` runs from the last moment it could have happened.
import type { CooldownPlan, Span } from '../plan/plan.ts';

export type CooldownCause = 'entry' | 'exit' | 'loss';

/** One running cooldown; plain data (journaled with the core state). */
export interface Cooldown {
  cause: CooldownCause;
  /** Bar-counted: first bar index allowed to enter again, and the stretched length in bars. */
  untilBar: number | null;
  bars: number | null;
  /** Time-counted: first candle close time allowed to enter again. */
  untilMs: number | null;
}

export interface CooldownBlock {
  cooldown: Cooldown;
  /** "cooldown after loss, 2 of 3 bars left" */
  text: string;
}

const CAUSE_WORDS: Record<CooldownCause, string> = { entry: 'cooldown after entry', exit: 'cooldown after exit', loss: 'cooldown after loss' };

/** Stretches a span by the volatility multiplier and adds the activity extra. */
export function stretchSpan(span: Span, multiplier: number, extra: Span | null, extraCount: number, intervalMs: number): Span {
  if (span.unit === 'bars') {
    const extraBars = extra === null ? 0 : extra.unit === 'bars' ? extra.bars : Math.ceil(extra.ms / intervalMs);
    return { unit: 'bars', bars: Math.ceil(span.bars * multiplier - 1e-9) + extraCount * extraBars };
  }
  const extraMs = extra === null ? 0 : extra.unit === 'ms' ? extra.ms : extra.bars * intervalMs;
  return { unit: 'ms', ms: Math.round(span.ms * multiplier) + extraCount * extraMs };
}

export function startCooldown(cause: CooldownCause, span: Span, fillBar: number, since: number): Cooldown {
  if (span.unit === 'bars') return { cause, untilBar: fillBar + span.bars, bars: span.bars, untilMs: null };
  return { cause, untilBar: null, bars: null, untilMs: since + span.ms };
}

/** The cooldown that blocks an entry signal on bar `bar` closing at `closeTime`, if any (the longest). */
export function blockingCooldown(list: readonly Cooldown[], bar: number, closeTime: number, intervalMs: number, fmtTime: (ms: number) => string): CooldownBlock | null {
  let best: Cooldown | null = null;
  let bestLeftMs = 0;
  for (const c of list) {
    const leftMs = c.untilBar !== null ? (c.untilBar - bar) * intervalMs : (c.untilMs as number) - closeTime;
    if (leftMs > 0 && leftMs > bestLeftMs) {
      best = c;
      bestLeftMs = leftMs;
    }
  }
  if (best === null) return null;
  const words = CAUSE_WORDS[best.cause];
  if (best.untilBar !== null) {
    return { cooldown: best, text: `${words}, ${best.untilBar - bar} of ${best.bars} bars left` };
  }
  return { cooldown: best, text: `${words} until ${fmtTime(best.untilMs as number)}` };
}

/** Drops cooldowns that can no longer block anything. */
export function pruneCooldowns(list: Cooldown[], bar: number, closeTime: number): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const c = list[i] as Cooldown;
    if (c.untilBar !== null ? c.untilBar <= bar : (c.untilMs as number) <= closeTime) list.splice(i, 1);
  }
}

/** Recent entries (bar index and time), for the activity stretch. */
export interface RecentEntry {
  bar: number;
  time: number;
}

export function countInWindow(recent: RecentEntry[], window: Span, bar: number, time: number): number {
  // Prune what fell out of the window: the list stays as short as the window.
  while (recent.length > 0) {
    const r = recent[0] as RecentEntry;
    const out = window.unit === 'bars' ? r.bar <= bar - window.bars : r.time <= time - window.ms;
    if (!out) break;
    recent.shift();
  }
  return recent.length;
}

export function cooldownMultiplier(plan: CooldownPlan, atr: (length: number) => number): number {
  const v = plan.volatility;
  if (!v) return 1;
  const short = atr(v.atrLength);
  const long = atr(v.baselineLength);
  if (!(short > 0) || !(long > 0)) return 1;
  const max = v.maxMultiplier.toNumber();
  const m = short / long;
  return m < 1 ? 1 : m > max ? max : m;
}

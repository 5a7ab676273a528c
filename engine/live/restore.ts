// Continuing from the journal after a restart: the decision core's last saved state (cooldowns,
// daily tallies, drawdown pause, the position's trailing details) is merged into the state the
// runner rebuilt by warming up on history. Warm-up numbers bars from 0 again, so every bar index
// in the saved state is shifted to the new numbering by lining up candle times.
import type { CoreState, PositionState } from '../core/state.ts';

export interface RestoredState {
  state: CoreState;
  /** The saved position (bars shifted), when the live bot should expect it on the exchange. */
  position: PositionState | null;
  /** Cooldowns still running after the shift, for the recovery summary. */
  cooldowns: CoreState['cooldowns'];
  /** Bars between the saved state and the warmed-up one (how long the bot was away, in bars). */
  barsAway: number;
}

/**
 * `fresh`: the warmed-up core state (its ATR and bar count are kept). `saved`: the last journaled
 * state. `keepPosition`: live only; a simulated venue starts flat, so paper drops the position.
 */
export function mergeSavedState(fresh: CoreState, saved: CoreState, stepMs: number, keepPosition: boolean): RestoredState {
  const barsAway = Number.isFinite(fresh.lastCandle) && Number.isFinite(saved.lastCandle)
    ? Math.round((fresh.lastCandle - saved.lastCandle) / stepMs)
    : 0;
  // Saved bar `saved.bar` is the candle `saved.lastCandle`, which the fresh numbering calls fresh.bar − barsAway.
  const shift = fresh.bar - barsAway - saved.bar;
  const bar = (b: number | null): number | null => (b === null ? null : b + shift);
  const cooldowns = saved.cooldowns
    .map((c) => ({ ...c, untilBar: bar(c.untilBar) }))
    // Kept only if it can still block the next candle (bar fresh.bar + 1, closing 2 steps after lastCandle).
    .filter((c) => (c.untilBar !== null ? c.untilBar > fresh.bar + 1 : (c.untilMs as number) > fresh.lastCandle + 2 * stepMs));
  const sameDay = saved.day === fresh.day;
  const position = keepPosition && saved.position ? { ...saved.position, entryBar: saved.position.entryBar + shift } : null;
  const state: CoreState = {
    ...fresh,
    position,
    entryOrder: null,
    // An exit decided but not done is carried out after the restart (exits.ts), if the position is still there.
    exitPending: position ? saved.exitPending : null,
    cooldowns,
    recentEntries: saved.recentEntries.map((e) => ({ ...e, bar: e.bar + shift })),
    ...(sameDay ? {
      dayStartEquity: saved.dayStartEquity,
      dayRealised: saved.dayRealised,
      dayEntries: saved.dayEntries,
      dailyLossPausedDay: saved.dailyLossPausedDay,
      tradesPausedDay: saved.tradesPausedDay,
    } : {}),
    peakEquity: Math.max(fresh.peakEquity, saved.peakEquity),
    // Journals from before these fields existed have no all-time peak or resume request.
    highestEquity: Math.max(fresh.highestEquity, saved.highestEquity ?? saved.peakEquity),
    resumeRequest: saved.resumeRequest ?? null,
    drawdownPause: saved.drawdownPause ? { ...saved.drawdownPause, untilBar: bar(saved.drawdownPause.untilBar) } : null,
  };
  return { state, position, cooldowns, barsAway };
}

// Reading the decision core's saved state (engine/core/state.ts) back for `botctl status`: which
// cooldown or protection pause holds entries back, and until when. The snapshot is read leniently
// (Decimals as {"$d": "…"} from serializeState or as plain strings, NaN as {"$n": "NaN"}), so a
// status never fails on a state written by a slightly different botctl.
import type { JournalView } from '../journal/index.ts';

/** The state kind the runner saves the core's CoreState under. */
export const CORE_STATE_KIND = 'core';
/** The state kind `botctl resume` writes; the running bot reads the latest before each candle. */
export const RESUME_STATE_KIND = 'resume';

export interface Hold {
  /** cooldown_after_entry, cooldown_after_exit, cooldown_after_loss, max_daily_loss, max_trades_per_day, max_drawdown, halt_below_equity */
  kind: string;
  /** When entries are allowed again; null when nothing lifts it. */
  until: number | null;
  text: string;
}

export interface CoreStatus {
  savedAt: number;
  /** Holds still in force at `now`, longest first. */
  holds: Hold[];
  /** Holds the snapshot lists that have run out by `now` (the bot was not running to drop them). */
  expired: Hold[];
  dayEntries: number | null;
  exitPending: string | null;
}

const DAY = 86_400_000;

function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') return Number.isFinite(Number(v)) ? Number(v) : null;
  if (v && typeof v === 'object' && '$n' in v) return null;
  if (v && typeof v === 'object' && '$d' in v) return num((v as { $d: unknown }).$d);
  return null;
}

function decode(state: unknown): Record<string, unknown> | undefined {
  let s = state;
  if (typeof s === 'string') {
    try {
      s = JSON.parse(s) as unknown;
    } catch {
      return undefined;
    }
  }
  return s && typeof s === 'object' && !Array.isArray(s) ? (s as Record<string, unknown>) : undefined;
}

const CAUSE: Record<string, string> = { entry: 'after entry', exit: 'after exit', loss: 'after loss' };

/** The core's holds as of `now`; undefined when no core state was ever saved. */
export function coreStatus(view: JournalView, intervalMs: number, now: number, fmt: (ms: number) => string): CoreStatus | undefined {
  const rec = view.lastState(CORE_STATE_KIND);
  if (!rec) return undefined;
  const s = decode(rec.state);
  if (!s) return undefined;
  const bar = num(s.bar);
  const lastCandle = num(s.lastCandle);
  // A bar-counted hold ends when bar `untilBar` closes, the first bar allowed to enter again.
  const barEnd = (untilBar: number | null): number | null =>
    untilBar === null || bar === null || lastCandle === null ? null : lastCandle + (untilBar - bar + 1) * intervalMs;

  const all: Hold[] = [];
  for (const c of Array.isArray(s.cooldowns) ? (s.cooldowns as Record<string, unknown>[]) : []) {
    const cause = typeof c.cause === 'string' ? c.cause : 'unknown';
    const untilMs = num(c.untilMs);
    const untilBar = num(c.untilBar);
    const until = untilMs ?? barEnd(untilBar);
    const bars = num(c.bars);
    const len = bars !== null ? ` (${bars} bar${bars === 1 ? '' : 's'})` : '';
    all.push({ kind: `cooldown_${CAUSE[cause] ? `after_${cause}` : cause}`, until, text: `cooldown ${CAUSE[cause] ?? cause}${len}` });
  }
  const dailyLoss = num(s.dailyLossPausedDay);
  if (dailyLoss !== null) all.push({ kind: 'max_daily_loss', until: (dailyLoss + 1) * DAY, text: "entries paused: the day's loss limit (max_daily_loss_percent) was reached" });
  const tradesDay = num(s.tradesPausedDay);
  if (tradesDay !== null) all.push({ kind: 'max_trades_per_day', until: (tradesDay + 1) * DAY, text: 'entries paused: max_trades_per_day reached' });
  const dd = s.drawdownPause && typeof s.drawdownPause === 'object' ? (s.drawdownPause as Record<string, unknown>) : null;
  if (dd) {
    const since = num(dd.sinceTime);
    const forever = dd.forever === true;
    const floor = dd.cause === 'floor';
    const until = forever ? null : num(dd.untilMs) ?? barEnd(num(dd.untilBar));
    const at = since !== null ? ` at ${fmt(since)}` : '';
    all.push({
      kind: floor ? 'halt_below_equity' : 'max_drawdown',
      until,
      text: `${floor ? `entries stopped: equity fell below halt_below_equity${at}` : `entries paused: max drawdown reached${at}`}${forever ? `; lifted only by \`botctl resume ${view.bot}\`` : ''}`,
    });
  }
  const holds = all.filter((h) => h.until === null || h.until > now).sort((a, b) => (b.until ?? Infinity) - (a.until ?? Infinity));
  const expired = all.filter((h) => h.until !== null && h.until <= now);
  const dayEntries = num(s.dayEntries);
  const day = num(s.day);
  return {
    savedAt: rec.time,
    holds,
    expired,
    dayEntries: day !== null && day === Math.floor(now / DAY) ? dayEntries : 0,
    exitPending: typeof s.exitPending === 'string' ? s.exitPending : null,
  };
}

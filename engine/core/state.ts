// The decision core's whole memory, as plain data: a journal can write it after every event and a
// restarted bot can continue from it. Decimals serialise as strings (see serializeState).
import { Decimal } from 'decimal.js';
import type { AtrState } from './atr.ts';
import type { Cooldown, RecentEntry } from './cooldown.ts';
import type { EntryOrder, ExitReason, Side } from './types.ts';

export interface PositionState {
  side: Side;
  qty: Decimal;
  entryPrice: Decimal;
  entryTime: number;
  entryBar: number;
  entryFee: Decimal;
  stopLoss: Decimal | null;
  takeProfit: Decimal | null;
  /** |entry − initial stop|: one R, for risk-reward trailing activation and R-multiples. */
  initialRisk: Decimal | null;
  trailActive: boolean;
  /** What the current stop is: the initial stop-loss or a trailed one. */
  stopKind: 'stop_loss' | 'trailing_stop';
}

/** An entry order sent but not filled yet. */
export interface WorkingEntry {
  side: Side;
  qty: Decimal;
  order: EntryOrder;
  refPrice: Decimal;
  stopLoss: Decimal | null;
  takeProfit: Decimal | null;
  sentBar: number;
  sentTime: number;
}

export interface DrawdownPause {
  sinceTime: number;
  /** Cool-off: the bar, or the candle close time, from which entries resume by themselves. */
  untilBar: number | null;
  untilMs: number | null;
  /** Only `botctl resume` lifts it (no cool-off, or the equity floor). */
  forever: boolean;
  /** What set it off: the drawdown limit, or equity below `halt_below_equity`. Absent in older journals: drawdown. */
  cause?: 'drawdown' | 'floor';
}

export interface CoreState {
  /** Index of the last closed candle processed; −1 before the first. */
  bar: number;
  /** Start of the last closed candle processed (NaN before the first). */
  lastCandle: number;
  position: PositionState | null;
  entryOrder: WorkingEntry | null;
  exitPending: ExitReason | null;
  cooldowns: Cooldown[];
  recentEntries: RecentEntry[];
  /** Current UTC day number (ms / 86,400,000), its starting equity and tallies. */
  day: number;
  dayStartEquity: Decimal | null;
  dayRealised: Decimal;
  dayEntries: number;
  dailyLossPausedDay: number | null;
  tradesPausedDay: number | null;
  /** The peak the drawdown is measured from: all-time, until a resume or a cool-off restarts it. */
  peakEquity: number;
  /** The highest equity ever seen (for the words of a cool-off). */
  highestEquity: number;
  drawdownPause: DrawdownPause | null;
  /** Time of the last `botctl resume` request handled, so a request read again is not applied twice. */
  resumeRequest: number | null;
  atr: AtrState[];
}

export function initialState(): CoreState {
  return {
    bar: -1,
    lastCandle: NaN,
    position: null,
    entryOrder: null,
    exitPending: null,
    cooldowns: [],
    recentEntries: [],
    day: -1,
    dayStartEquity: null,
    dayRealised: new Decimal(0),
    dayEntries: 0,
    dailyLossPausedDay: null,
    tradesPausedDay: null,
    peakEquity: -Infinity,
    highestEquity: -Infinity,
    drawdownPause: null,
    resumeRequest: null,
    atr: [],
  };
}

/** JSON text of a state: Decimals become {"$d":"…"}, non-finite numbers {"$n":"NaN"}. */
export function serializeState(s: CoreState): string {
  return JSON.stringify(s, function (this: unknown, key: string, v: unknown) {
    const raw = (this as Record<string, unknown>)[key];
    if (Decimal.isDecimal(raw)) return { $d: (raw as Decimal).toFixed() };
    if (typeof raw === 'number' && !Number.isFinite(raw)) return { $n: String(raw) };
    return v;
  });
}

export function deserializeState(text: string): CoreState {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.$d === 'string') return new Decimal(o.$d);
      if (typeof o.$n === 'string') return Number(o.$n);
    }
    return v;
  }) as CoreState;
}

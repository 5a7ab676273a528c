// What `botctl status` shows, gathered from the journal into plain data (printed as text or JSON
// by status-output.ts): the run, the position with its stops, working orders, today's P&L, the
// cooldowns and protection pauses holding entries back, recent decisions and errors.
import type { Decimal } from 'decimal.js';
import { intervalMs } from '../market/candle.ts';
import type { DecisionRecord, EquityRecord, ErrorRecord, JournalOrder } from '../journal/index.ts';
import { coreStatus, type CoreStatus } from './core-state.ts';
import type { OpenBot } from './locate.ts';
import { modeWord, shown } from './locate.ts';
import { fmtUtc } from './time.ts';
import { drawdownPolicyText } from '../spec/summary.ts';

export type RunState = 'running' | 'stopped' | 'not_running';

export interface PositionStatus {
  side: 'long' | 'short';
  qty: Decimal;
  entryPrice: Decimal | null;
  stopLoss: Decimal | null;
  takeProfit: Decimal | null;
  trailingStop: Decimal | null;
  trailingActivation: Decimal | null;
  unrealisedPnl: Decimal | null;
  /** When the snapshot was taken; null when the position is known from fills only. */
  asOf: number | null;
  /** Entry time of the open trade, from the fills. */
  openedAt: number | null;
}

export interface StatusReport {
  bot: string;
  /** paper, live, or replay (`botctl run --venue sim --data`; journaled as backtest runs). */
  mode: string;
  /**
   * The time the report is about: now, or for a replay the end of the replayed candles, so its
   * "day", cooldowns and pauses are read on the replay's clock, never mixed with today's date.
   */
  clock: number;
  replay: boolean;
  symbol: string;
  category: string;
  interval: string;
  network: string;
  specFile: string;
  journal: string;
  run: {
    id: number;
    startedAt: number;
    endedAt: number | null;
    endReason: string | null;
    pid: number | null;
    state: RunState;
    specHash: string;
    specChanged: boolean;
    currentSpecHash: string;
  };
  position: PositionStatus | null;
  /** Set when the last position snapshot and the fills disagree. */
  positionWarning: string | null;
  workingOrders: JournalOrder[];
  today: { day: string; realisedPnl: Decimal };
  equity: EquityRecord | null;
  core: CoreStatus | null;
  /** What the drawdown protection does and how far equity may fall in total (spec-summary words); null without one or when the spec no longer loads. */
  drawdownProtection: string | null;
  decisions: DecisionRecord[];
  errors: ErrorRecord[];
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function gatherStatus(b: OpenBot, wallNow: number): StatusReport {
  const v = b.view;
  const run = b.run;
  const replay = b.mode === 'backtest';
  const now = replay ? v.lastEquity()?.time ?? v.decisions({ limit: 1 })[0]?.time ?? wallNow : wallNow;
  const state: RunState = run.endedAt !== null ? 'stopped' : run.pid !== null && processAlive(run.pid) ? 'running' : 'not_running';

  const snap = v.openPosition();
  const fromFills = v.positionFromFills();
  const openTrade = v.trades({ includeOpen: true }).find((t) => t.exitTime === null);
  let position: PositionStatus | null = null;
  let positionWarning: string | null = null;
  if (snap && snap.side !== 'flat') {
    position = {
      side: snap.side, qty: snap.qty, entryPrice: snap.entryPrice, stopLoss: snap.stopLoss, takeProfit: snap.takeProfit,
      trailingStop: snap.trailingStop, trailingActivation: snap.trailingActivation, unrealisedPnl: snap.unrealisedPnl,
      asOf: snap.time, openedAt: openTrade?.entryTime ?? null,
    };
    if (fromFills.side !== snap.side || !fromFills.qty.eq(snap.qty)) {
      positionWarning = `the fills add up to ${fromFills.side === 'flat' ? 'no position' : `${fromFills.side} ${fromFills.qty.toFixed()}`}, the last position snapshot says ${snap.side} ${snap.qty.toFixed()}; the bot reconciles with the exchange when it starts`;
    }
  } else if (fromFills.side !== 'flat') {
    position = {
      side: fromFills.side, qty: fromFills.qty, entryPrice: fromFills.entryPrice, stopLoss: null, takeProfit: null,
      trailingStop: null, trailingActivation: null, unrealisedPnl: null, asOf: null, openedAt: openTrade?.entryTime ?? null,
    };
    if (v.lastPosition()) positionWarning = 'the last position snapshot says flat, but the fills leave a position open; the bot reconciles with the exchange when it starts';
  }

  const iv = intervalMs(run.interval);
  return {
    bot: b.name,
    mode: modeWord(b.mode),
    clock: now,
    replay,
    symbol: run.symbol,
    category: run.category,
    interval: run.interval,
    network: run.network,
    specFile: b.specFile,
    journal: shown(b.journalAbs),
    run: {
      id: run.id, startedAt: run.startedAt, endedAt: run.endedAt, endReason: run.endReason, pid: run.pid, state,
      specHash: run.specHash, specChanged: run.specHash !== b.specHash, currentSpecHash: b.specHash,
    },
    position,
    positionWarning,
    workingOrders: v.workingOrders(),
    today: { day: new Date(now).toISOString().slice(0, 10), realisedPnl: v.todayRealisedPnl(now) },
    equity: v.lastEquity() ?? null,
    core: coreStatus(v, iv, now, fmtUtc) ?? null,
    drawdownProtection: b.plan ? drawdownPolicyText(b.plan, b.mode === 'live' ? undefined : b.plan.simulation.initialEquity) : null,
    decisions: v.decisions({ limit: 10 }),
    errors: v.errors({ limit: 3 }),
  };
}

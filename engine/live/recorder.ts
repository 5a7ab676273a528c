// The runner's journal seam: decisions, orders, fills and state of a run go into the bot's journal
// (plan.run.journal), one run row per process. Replays are journaled as mode 'backtest', whose
// records are scoped to their own run, so they never mix into paper or live history.
import { readFileSync } from 'node:fs';
import type { Network, Plan } from '../plan/plan.ts';
import { Journal, type RunJournal } from '../journal/index.ts';
import type { RunRecorder } from './runner.ts';
import type { OrderState } from '../venue/venue.ts';
import type { OrderUpdate } from '../journal/types.ts';
import { CORE_STATE_KIND, RESUME_STATE_KIND } from '../ops/core-state.ts';

export interface JournalRecorders {
  recorderFor(plan: Plan): RunRecorder;
  /** Marks every run ended and closes the files. */
  close(reason: string): void;
}

/**
 * Replays commit their journal every this many candles: a commit per record cost most of a
 * replay's time, and one per 1,000 candles still a tenth of it; 10,000 candles take well under a
 * second, so `botctl status` still follows a running replay.
 */
const REPLAY_COMMIT_EVERY = 10_000;

/** The state kind a restart's summary is kept under (see reconcile-report.ts). */
export const RECOVERY_STATE_KIND = 'recovery';

/**
 * `backtest`: a CSV replay through the runner, journaled apart from paper and live history (its own
 * run scope) with lighter durability, so `botctl status/trades/report --mode backtest` show it.
 */
export function openJournals(plans: Plan[], mode: 'paper' | 'live' | 'backtest', network: Network | undefined): JournalRecorders {
  const files = new Map<string, Journal>();
  const runs = new Map<Plan, RunJournal>();
  // A replay's records are committed in batches of candles (Journal.beginOpen), a live run's one by
  // one; a replay keeps the core's state at each commit and at the end, not after every candle
  // (nothing resumes a replay; `botctl status` reads the last one).
  const replay = mode === 'backtest';
  const replayFlushes: (() => void)[] = [];
  for (const plan of plans) {
    let j = files.get(plan.run.journal);
    if (!j) {
      j = Journal.open(plan.run.journal, mode === 'backtest' ? { durability: 'normal' } : {});
      files.set(plan.run.journal, j);
    }
    const m = plan.market;
    runs.set(plan, j.startRun({
      mode, bot: plan.name, symbol: m.symbol, category: m.category, interval: m.interval, network: network ?? m.network,
      specText: readFileSync(plan.specFile, 'utf8'), specHash: plan.specHash, specFile: plan.specFile, time: Date.now(),
    }));
  }
  if (replay) for (const j of files.values()) j.beginOpen();
  return {
    recorderFor(plan) {
      const run = runs.get(plan) as RunJournal;
      let candles = 0;
      // The core's state not yet saved (a replay saves it at each commit): when, and how to make it.
      let unsavedTime = NaN;
      let unsavedState: (() => string) | undefined;
      const flush = () => {
        run.flushEquity();
        if (unsavedState) run.saveState(CORE_STATE_KIND, unsavedState(), unsavedTime);
        unsavedState = undefined;
        run.journal.commitOpen();
      };
      if (replay) replayFlushes.push(flush);
      return {
        decision: (d) => run.recordDecision(d),
        error: (message, time) => run.recordError({ time, source: 'runner', message }),
        orderIntent: (req, purpose, reason, time) => void run.recordOrderIntent({ ...req, purpose, reason, time }),
        orderUpdate: (o) => void run.recordOrderUpdate(orderUpdateOf(o)),
        neverPlaced: (orderLinkId, reason, time) => void run.recordOrderUpdate({ orderLinkId, status: 'Rejected', updatedAt: time, reason }),
        fill: (f) => void run.recordFill(f),
        candle: (time, coreState, equity, walletBalance, available) => {
          if (!replay) {
            run.recordEquity({ time, equity, walletBalance, available });
            return run.saveState(CORE_STATE_KIND, coreState(), time);
          }
          // A replay's equity rows are run-length coded: a flat stretch is one row (schema v4).
          run.holdEquity(time, equity, walletBalance, available);
          unsavedTime = time;
          unsavedState = coreState;
          if (++candles % REPLAY_COMMIT_EVERY === 0) {
            flush();
            run.journal.beginOpen();
          }
        },
        savedCoreState: () => {
          const rec = run.view.lastState<unknown>(CORE_STATE_KIND);
          return typeof rec?.state === 'string' ? rec.state : undefined;
        },
        recovery: () => ({
          unfinishedOrders: () => run.view.workingOrders().map((o) => ({ orderLinkId: o.orderLinkId, status: o.status, createdAt: o.createdAt })),
          orderUpdate: (o) => void run.recordOrderUpdate(orderUpdateOf(o)),
          neverPlaced: (orderLinkId, reason, time) => void run.recordOrderUpdate({ orderLinkId, status: 'Rejected', updatedAt: time, reason }),
          abandoned: (orderLinkId, reason, time) => void run.recordOrderUpdate({ orderLinkId, status: 'Cancelled', updatedAt: time, reason }),
          fills: (fs) => run.recordFills(fs),
        }),
        recovered: (summary, time) => run.saveState(RECOVERY_STATE_KIND, summary, time) /* Decimals serialise as text */,
        // `botctl resume` refuses replays (backtest runs): no need to ask the journal before every candle.
        ...(replay ? {} : { resumeRequest: () => run.view.lastState(RESUME_STATE_KIND)?.time }),
        position: (p) => run.recordPosition({
          time: p.updatedAt, side: p.side, qty: p.size,
          ...(p.side !== 'flat' ? { entryPrice: p.avgPrice } : {}),
          ...(p.stopLoss ? { stopLoss: p.stopLoss } : {}), ...(p.takeProfit ? { takeProfit: p.takeProfit } : {}),
          ...(p.trailingStop ? { trailingStop: p.trailingStop } : {}), ...(p.unrealisedPnl ? { unrealisedPnl: p.unrealisedPnl } : {}),
        }),
      };
    },
    close(reason) {
      // A journal that stopped taking writes (a full disk) has said so already: closing must not throw.
      for (const flush of replayFlushes) {
        try {
          flush();
        } catch {
          /* said when the write failed */
        }
      }
      for (const run of runs.values()) {
        try {
          run.end({ time: Date.now(), reason });
        } catch {
          /* the run is left without its end record; everything written before stays intact */
        }
      }
      for (const j of files.values()) j.close();
    },
  };
}

function orderUpdateOf(o: OrderState): OrderUpdate {
  return {
    orderLinkId: o.orderLinkId, orderId: o.orderId, status: o.status, updatedAt: o.updatedAt, qty: o.qty, filledQty: o.filledQty, fee: o.fee,
    side: o.side, origin: o.origin, type: o.type, reduceOnly: o.reduceOnly,
    ...(o.price ? { price: o.price } : {}), ...(o.avgFillPrice ? { avgFillPrice: o.avgFillPrice } : {}),
    ...(o.stopLoss ? { stopLoss: o.stopLoss } : {}), ...(o.takeProfit ? { takeProfit: o.takeProfit } : {}), ...(o.reason ? { reason: o.reason } : {}),
  };
}


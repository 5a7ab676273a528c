// The runner's journal seam: decisions and errors of a paper or live run go into the bot's journal
// (plan.run.journal), one run row per process. Replays are not journaled: they are experiments,
// and mixing them into a paper history would make `botctl status` lie.
import { readFileSync } from 'node:fs';
import type { Network, Plan } from '../plan/plan.ts';
import { Journal, type RunJournal } from '../journal/index.ts';
import type { RunRecorder } from './runner.ts';
import { CORE_STATE_KIND } from '../ops/core-state.ts';

export interface JournalRecorders {
  recorderFor(plan: Plan): RunRecorder;
  /** Marks every run ended and closes the files. */
  close(reason: string): void;
}

export function openJournals(plans: Plan[], mode: 'paper' | 'live', network: Network | undefined): JournalRecorders {
  const files = new Map<string, Journal>();
  const runs = new Map<Plan, RunJournal>();
  for (const plan of plans) {
    let j = files.get(plan.run.journal);
    if (!j) {
      j = Journal.open(plan.run.journal);
      files.set(plan.run.journal, j);
    }
    const m = plan.market;
    runs.set(plan, j.startRun({
      mode, bot: plan.name, symbol: m.symbol, category: m.category, interval: m.interval, network: network ?? m.network,
      specText: readFileSync(plan.specFile, 'utf8'), specHash: plan.specHash, specFile: plan.specFile, time: Date.now(),
    }));
  }
  return {
    recorderFor(plan) {
      const run = runs.get(plan) as RunJournal;
      return {
        decision: (d) => run.recordDecision(d),
        error: (message, time) => run.recordError({ time, source: 'runner', message }),
        orderIntent: (req, purpose, reason, time) => void run.recordOrderIntent({ ...req, purpose, reason, time }),
        orderUpdate: (o) => void run.recordOrderUpdate({
          orderLinkId: o.orderLinkId, orderId: o.orderId, status: o.status, updatedAt: o.updatedAt, qty: o.qty, filledQty: o.filledQty, fee: o.fee,
          side: o.side, origin: o.origin, type: o.type, reduceOnly: o.reduceOnly,
          ...(o.price ? { price: o.price } : {}), ...(o.avgFillPrice ? { avgFillPrice: o.avgFillPrice } : {}),
          ...(o.stopLoss ? { stopLoss: o.stopLoss } : {}), ...(o.takeProfit ? { takeProfit: o.takeProfit } : {}), ...(o.reason ? { reason: o.reason } : {}),
        }),
        fill: (f) => void run.recordFill(f),
        candle: (time, coreState, a) => {
          run.recordEquity({ time, equity: a.equity, walletBalance: a.walletBalance, available: a.available });
          run.saveState(CORE_STATE_KIND, coreState, time);
        },
        position: (p) => run.recordPosition({
          time: p.updatedAt, side: p.side, qty: p.size,
          ...(p.side !== 'flat' ? { entryPrice: p.avgPrice } : {}),
          ...(p.stopLoss ? { stopLoss: p.stopLoss } : {}), ...(p.takeProfit ? { takeProfit: p.takeProfit } : {}),
          ...(p.trailingStop ? { trailingStop: p.trailingStop } : {}), ...(p.unrealisedPnl ? { unrealisedPnl: p.unrealisedPnl } : {}),
        }),
      };
    },
    close(reason) {
      for (const run of runs.values()) run.end({ time: Date.now(), reason });
      for (const j of files.values()) j.close();
    },
  };
}

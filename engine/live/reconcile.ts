// Reconciliation: the journal and the exchange brought together. At start-up (around the history
// preload, runner.ts): the exchange's position, wallet and open orders are read and this bot's
// orphans cancelled (recover.ts), the journal's unfinished orders settled (reconcile-report.ts),
// the previous run's core state continued (restore.ts), and the open position resumed or adopted
// with its stops; a "recovered:" line says what was done. Mid-run: a position nobody opened is
// taken over like one found at start-up, never ignored.
import { Decimal } from 'decimal.js';
import { deserializeState, type CoreState } from '../core/state.ts';
import { entryLevels } from '../core/sizing.ts';
import { EXIT_WORDS } from '../core/core.ts';
import { fmtDec, fmtTime } from '../core/format.ts';
import { StopBeyondPriceError, VenueAuthError } from '../venue/errors.ts';
import type { LiveContext } from './context.ts';
import { reconcileAtStart, unjournaledFills, type FoundPosition } from './recover.ts';
import { mergeSavedState } from './restore.ts';
import {
  closePaperOrders, emptySummary, formatRecovery, hasNews, journalClosingFills, settleJournalOrders,
  type JournalRecovery, type RecoverySummary,
} from './reconcile-report.ts';
import type { PlannedLevels } from './protection.ts';
import { errText } from './records.ts';

const ZERO = new Decimal(0);

/** What start-up found before the history preload, carried to `resume`. */
export interface StartFindings {
  summary: RecoverySummary;
  existing: FoundPosition | undefined;
  journal: JournalRecovery | undefined;
}

export class Reconciler {
  constructor(private readonly x: LiveContext) {}

  /** Before the history preload: the exchange's account and orders, the journal's unfinished orders. */
  async findOnExchange(): Promise<StartFindings> {
    const x = this.x;
    const summary = emptySummary(x.plan.market.symbol);
    const existing = await reconcileAtStart(x.venue, x.botId, x.book, x.log, (what, e) => x.records.failed(what, e), summary);
    const journal = x.o.mode === 'replay' ? undefined : x.o.recorder?.recovery?.();
    if (journal && x.live) await settleJournalOrders(x.venue, x.botId, journal, summary, x.log, x.now(), undefined);
    else if (journal) closePaperOrders(journal, summary, x.now());
    return { summary, existing, journal };
  }

  /** After the history preload: continue the journal's state, take over the position, report. */
  async resume({ summary, existing, journal }: StartFindings): Promise<void> {
    const x = this.x;
    const saved = x.o.mode === 'replay' ? undefined : x.o.recorder?.savedCoreState?.();
    if (saved) this.restoreSaved(saved, existing, summary);
    const held = x.core.state.position;
    if (existing && held && journal && x.live && held.side === existing.side) {
      // Resumed: funding paid or received while the bot was away belongs to this trade's P&L.
      await x.venue.fills(held.entryTime).then(
        (all) => void (summary.fillsAdded += journal.fills(unjournaledFills(held, all))),
        (e: unknown) => x.log.warn('could not read the fill history for the funding paid while away', { error: errText(e) }),
      );
    }
    if (existing) await this.adopt(existing, summary);
    else if (x.core.state.position) {
      const p = x.core.state.position;
      // Only live keeps a journaled position (restore.ts). Without closing fills (too old for the
      // exchange's history) no exit price is invented: the position is dropped without a P&L.
      const found = await journalClosingFills(x.venue, journal, p, summary, x.log);
      summary.closedWhileAway = { side: p.side, qty: p.qty, fromFills: found > 0 };
      if (found > 0) await x.protection.recoverExit().catch((e) => x.records.failed('could not record the exit of the position closed while the bot was away', e));
      else {
        x.core.state.position = null;
        x.core.state.exitPending = null;
        x.rebuildCore(x.core.snapshot());
      }
    }
    this.reportRecovery(summary);
    await this.resumeExit();
  }

  /** The journal's exit decision, made before the restart and not done: carried out now. */
  private async resumeExit(): Promise<void> {
    const x = this.x;
    const p = x.core.state.position;
    const reason = x.core.state.exitPending;
    if (p === null || reason === null || x.exits.active) return;
    x.records.decideAt(x.now(), 'exit', reason, 'exit', `the exit of the ${p.side} decided before the restart (${EXIT_WORDS[reason]}) is not done: closing it at market`);
    // Order ids after this start's clock, apart from the earlier run's attempts.
    await x.exits.close(p.side, reason, 'exit', x.now());
  }

  /**
   * Live: a position on the exchange the core knows nothing about (opened by hand, or by an order
   * that surfaced after it was written off) is taken over like one found at startup, never ignored.
   */
  mayHoldStray(): boolean {
    const x = this.x;
    if (!x.live || x.plan.market.category !== 'linear') return false;
    const s = x.core.state;
    if (s.position !== null || s.entryOrder !== null || x.exits.active || x.orders.hasUnsettled()) return false;
    const cached = x.book.position;
    return !(cached.side === 'flat' || cached.size.isZero());
  }

  async adoptStray(): Promise<void> {
    const x = this.x;
    if (!this.mayHoldStray()) return;
    const pos = await x.venue.position();
    x.book.setPosition(pos);
    if (pos.side === 'flat' || pos.size.isZero()) return;
    x.log.warn('a position the bot did not open is on the exchange; the bot takes it over', { side: pos.side, size: pos.size.toFixed() });
    await this.adopt({ side: pos.side, size: pos.size, avgPrice: pos.avgPrice, ...(pos.stopLoss ? { stopLoss: pos.stopLoss } : {}), ...(pos.takeProfit ? { takeProfit: pos.takeProfit } : {}) });
  }

  /** An open position found at startup is managed, never ignored: the core takes it over. */
  private async adopt(p: FoundPosition, summary?: RecoverySummary): Promise<void> {
    const x = this.x;
    if (p.avgPrice.isZero()) {
      x.log.warn('the account holds the traded coin without an entry price (spot); botctl does not manage that holding', { size: p.size.toFixed() });
      return;
    }
    // The journal's position (restored by restoreSaved): its levels, a trailed stop included, come first.
    const known = x.core.state.position?.side === p.side ? x.core.state.position : null;
    let stopLoss = p.stopLoss ?? null;
    let takeProfit = p.takeProfit ?? null;
    const set: string[] = [];
    let failed: string | undefined;
    let refusal: unknown;
    let planned: PlannedLevels = { stopLoss: null, takeProfit: null };
    const time = x.lastStart !== null ? x.lastStart + x.step : x.now();
    if (x.plan.exits.placement === 'exchange' && (!stopLoss || !takeProfit)) {
      const levels = entryLevels(x.plan, x.rules, p.side, p.avgPrice, x.core.atr);
      // The journal's levels were rounded to the tick grid of their day: put them on today's.
      const journaled = known ? x.rulesWatch.onGrid(p.side, known.stopLoss, known.takeProfit) : null;
      const sl = stopLoss ? undefined : journaled?.stopLoss ?? (levels.ok ? levels.value.stopLoss ?? undefined : undefined);
      const tp = takeProfit ? undefined : journaled?.takeProfit ?? (levels.ok ? levels.value.takeProfit ?? undefined : undefined);
      if (sl || tp) {
        try {
          await x.venue.setTradingStop({ ...(sl ? { stopLoss: sl } : {}), ...(tp ? { takeProfit: tp } : {}) });
          stopLoss = stopLoss ?? sl ?? null;
          takeProfit = takeProfit ?? tp ?? null;
          if (sl) set.push(`stop-loss ${fmtDec(sl)}`);
          if (tp) set.push(`take-profit ${fmtDec(tp)}`);
        } catch (e) {
          if (e instanceof VenueAuthError) throw e;
          refusal = e;
          const what = e instanceof StopBeyondPriceError && e.level === 'takeProfit' ? `take-profit ${fmtDec(tp as Decimal)}`
            : sl ? `stop-loss ${fmtDec(sl)}` : `take-profit ${fmtDec(tp as Decimal)}`;
          failed = e instanceof StopBeyondPriceError ? `${what} refused: the price is already past it` : `setting ${what} failed (${errText(e)})`;
          if (!stopLoss || e instanceof StopBeyondPriceError) failed += '; closed at market';
          x.records.failed('could not put the plan\'s stops on the existing position', e);
          planned = { stopLoss: sl ?? null, takeProfit: tp ?? null };
        }
      }
    }
    if (summary) summary.position = { side: p.side, size: p.size, avgPrice: p.avgPrice, known: known !== null, stopLoss, takeProfit, set, ...(failed ? { failed } : {}) };
    if (known) {
      // Resumed, not a new entry: no entry cooldown or trade count again; the exchange's size and levels win.
      known.qty = p.size;
      known.entryPrice = p.avgPrice;
      known.stopLoss = stopLoss ?? known.stopLoss;
      known.takeProfit = takeProfit ?? known.takeProfit;
      x.rebuildCore(x.core.snapshot());
      x.records.decideAt(time, 'order', 'entry', 'filled',
        `resumed the ${p.side} ${fmtDec(p.size)} at ${fmtDec(p.avgPrice)} from the journal${known.stopLoss ? `, stop ${fmtDec(known.stopLoss)}` : ', no stop-loss'}${known.takeProfit ? `, target ${fmtDec(known.takeProfit)}` : ''}${set.length ? ` (${set.join(' and ')} set: missing on the exchange)` : ''}`);
      if (refusal !== undefined) await x.protection.unprotectedTakeover(p.side, p.size, stopLoss !== null, planned, refusal);
      return;
    }
    x.core.state.entryOrder = {
      side: p.side, qty: p.size, order: { type: 'market' }, refPrice: p.avgPrice, stopLoss, takeProfit, sentBar: x.core.state.bar, sentTime: time,
    };
    x.core.onFill({ time, kind: 'entry', side: p.side, qty: p.size, price: p.avgPrice, fee: ZERO, liquidity: 'taker', reason: 'signal' });
    x.records.decideAt(time, 'order', 'entry', 'filled',
      `adopted the ${p.side} ${fmtDec(p.size)} at ${fmtDec(p.avgPrice)} already open on the exchange${stopLoss ? `, stop ${fmtDec(stopLoss)}` : ', no stop-loss'}${takeProfit ? `, target ${fmtDec(takeProfit)}` : ''}`);
    if (refusal !== undefined) await x.protection.unprotectedTakeover(p.side, p.size, stopLoss !== null, planned, refusal);
  }

  /** Continues the previous run's cooldowns, protections and position details from the journal. */
  private restoreSaved(text: string, existing: FoundPosition | undefined, summary: RecoverySummary): void {
    const x = this.x;
    let saved: CoreState;
    try {
      saved = deserializeState(text);
    } catch (e) {
      x.records.failed('the journal\'s saved core state is unreadable; starting without cooldowns and protections', e);
      return;
    }
    const r = mergeSavedState(x.core.snapshot(), saved, x.step, x.live);
    if (r.position && existing && existing.side === r.position.side) {
      // The exchange is the truth for size and price; its levels replace the journal's where it has them.
      r.position.qty = existing.size;
      r.position.entryPrice = existing.avgPrice;
      if (existing.stopLoss) r.position.stopLoss = existing.stopLoss;
      if (existing.takeProfit) r.position.takeProfit = existing.takeProfit;
    } else if (r.position && existing) {
      r.state.position = null; // the exchange holds the other side: adopted as found
      r.state.exitPending = null;
    }
    x.rebuildCore(r.state);
    const s = r.state;
    for (const c of r.cooldowns) {
      summary.cooldowns.push(c.untilBar !== null ? `cooldown after ${c.cause} (${c.untilBar - s.bar - 1} bar${c.untilBar - s.bar - 1 === 1 ? '' : 's'} left)` : `cooldown after ${c.cause} (until ${fmtTime(c.untilMs as number)})`);
    }
    if (s.dailyLossPausedDay !== null && s.dailyLossPausedDay === s.day) summary.protections.push('daily loss pause');
    if (s.tradesPausedDay !== null && s.tradesPausedDay === s.day) summary.protections.push('max trades per day pause');
    if (s.drawdownPause) summary.protections.push('max drawdown pause');
  }

  private reportRecovery(summary: RecoverySummary): void {
    const x = this.x;
    if (!hasNews(summary)) return;
    const text = formatRecovery(summary);
    x.log.warn(text);
    x.records.journal((r) => r.recovered?.(summary, x.now()));
  }
}

// What a restart found and did, in one place: the journal's unfinished orders brought up to date
// with the exchange, and the one-line summary a user reads ("recovered: long 0.12 BTCUSDT @ 43120.5
// adopted, stop-loss 42000 was missing → set; 1 orphan entry order cancelled; ...").
import type { Decimal } from 'decimal.js';
import { fmtDec } from '../core/format.ts';
import type { Logger } from '../log/index.ts';
import type { Fill, OrderState, Venue } from '../venue/venue.ts';
import { purposeOf } from './ids.ts';
import { closingFills, unjournaledFills } from './recover.ts';

export interface RecoverySummary {
  symbol: string;
  /** Orders the journal still had as working (incl. intents never acknowledged), and what they turned out to be. */
  journalOrders: Array<{ orderLinkId: string; was: string; now: string }>;
  /** Fills found in the exchange's history that the journal did not have. */
  fillsAdded: number;
  orphansCancelled: { entry: number; other: number };
  position?: {
    side: 'long' | 'short';
    size: Decimal;
    avgPrice: Decimal;
    /** The journal knew this position (its stop and trailing state are continued). */
    known: boolean;
    stopLoss: Decimal | null;
    takeProfit: Decimal | null;
    /** Levels missing on the exchange that recovery set. */
    set: string[];
    /** Setting them failed: what was tried and why. */
    failed?: string;
  };
  /** The journal had a position the exchange no longer holds (closed while the bot was away). */
  closedWhileAway?: { side: string; qty: Decimal; fromFills: boolean };
  cooldowns: string[];
  protections: string[];
}

export function emptySummary(symbol: string): RecoverySummary {
  return { symbol, journalOrders: [], fillsAdded: 0, orphansCancelled: { entry: 0, other: 0 }, cooldowns: [], protections: [] };
}

/** Whether anything worth a "recovered:" line happened (a first start with nothing says nothing). */
export function hasNews(s: RecoverySummary): boolean {
  return Boolean(s.position || s.closedWhileAway || s.journalOrders.length || s.fillsAdded || s.orphansCancelled.entry || s.orphansCancelled.other || s.cooldowns.length || s.protections.length);
}

export function formatRecovery(s: RecoverySummary): string {
  const parts: string[] = [];
  const p = s.position;
  if (p) {
    let text = `${p.side} ${fmtDec(p.size)} ${s.symbol} @ ${fmtDec(p.avgPrice)} ${p.known ? 'resumed' : 'adopted'}`;
    if (p.set.length) text += `, ${p.set.join(' and ')} ${p.set.length > 1 ? 'were' : 'was'} missing → set`;
    else if (p.stopLoss) text += `, stop-loss ${fmtDec(p.stopLoss)} in place`;
    if (p.failed) text += `; ${p.failed}`;
    parts.push(text);
  } else if (!s.closedWhileAway) parts.push('flat');
  const c = s.closedWhileAway;
  if (c) {
    parts.push(c.fromFills
      ? `the ${c.side} ${fmtDec(c.qty)} was closed while the bot was away (recorded from the fill history)`
      : `the journal's ${c.side} ${fmtDec(c.qty)} is no longer on the exchange and no closing fill is listed: dropped without a P&L`);
  }
  const { entry, other } = s.orphansCancelled;
  if (entry) parts.push(`${entry} orphan entry order${entry > 1 ? 's' : ''} cancelled`);
  if (other) parts.push(`${other} other order${other > 1 ? 's' : ''} of this bot cancelled`);
  const settled = s.journalOrders.filter((o) => o.was !== o.now);
  if (settled.length) parts.push(`${settled.length} journaled order${settled.length > 1 ? 's' : ''} brought up to date (${settled.map((o) => `${o.was} → ${o.now}`).join(', ')})`);
  if (s.fillsAdded) parts.push(`${s.fillsAdded} missed fill${s.fillsAdded > 1 ? 's' : ''} journaled`);
  for (const c of s.cooldowns) parts.push(`${c} restored`);
  for (const x of s.protections) parts.push(`${x} restored`);
  return `recovered: ${parts.join('; ')}`;
}

const CLOCK_MARGIN_MS = 3_600_000;

/** The journal's side of a restart: the seam to the run's journal (recorder.ts implements it). */
export interface JournalRecovery {
  /** Orders not final in the journal, oldest first. */
  unfinishedOrders(): Array<{ orderLinkId: string; status: string; createdAt: number }>;
  orderUpdate(o: OrderState): void;
  /** An intent the exchange never received: closed in the journal as Rejected with `reason`. */
  neverPlaced(orderLinkId: string, reason: string, time: number): void;
  /** Paper: an order of an earlier run's simulator, gone with it: closed in the journal as Cancelled. */
  abandoned(orderLinkId: string, reason: string, time: number): void;
  /** Returns how many were new. */
  fills(f: Fill[]): number;
}

/**
 * Asks the exchange about every order the journal left unfinished, writes down what became of it,
 * and journals the fills of this bot's orders since the oldest of them. Never throws: recovery goes on with what the exchange could tell.
 */
export async function settleJournalOrders(
  venue: Venue, botId: string, j: JournalRecovery, summary: RecoverySummary, log: Logger, now: number, sinceMs: number | undefined,
): Promise<void> {
  // Only this bot's own ids can be looked up by orderLinkId (adopted exchange orders are keyed otherwise).
  const open = j.unfinishedOrders().filter((o) => purposeOf(botId, o.orderLinkId));
  for (const o of open) {
    try {
      const st = await venue.orderStatus(o.orderLinkId);
      if (st) {
        j.orderUpdate(st);
        summary.journalOrders.push({ orderLinkId: o.orderLinkId, was: o.status, now: st.status });
      } else {
        j.neverPlaced(o.orderLinkId, 'not known to the exchange after a restart: it was never placed', now);
        summary.journalOrders.push({ orderLinkId: o.orderLinkId, was: o.status, now: 'never placed' });
      }
    } catch (e) {
      log.warn('could not look up a journaled order after the restart', { orderLinkId: o.orderLinkId, error: e instanceof Error ? e.message : String(e) });
    }
  }
  const since = Math.min(sinceMs ?? Infinity, ...open.map((o) => o.createdAt));
  if (!Number.isFinite(since)) return;
  try {
    // The journal's times are the bot's clock, the fills' the exchange's: look back generously
    // (a fill already journaled is not recorded twice). Only this bot's orders' fills: a fill
    // without an orderLinkId could be someone's manual trade.
    const fills = (await venue.fills(since - CLOCK_MARGIN_MS)).filter((f) => purposeOf(botId, f.orderLinkId));
    summary.fillsAdded += j.fills(fills);
  } catch (e) {
    log.warn('could not read the fill history after the restart', { error: e instanceof Error ? e.message : String(e) });
  }
}

/** Paper trading restarts with a fresh simulator: the previous run's working orders died with it. */
export function closePaperOrders(j: JournalRecovery, summary: RecoverySummary, now: number): void {
  for (const o of j.unfinishedOrders()) {
    j.abandoned(o.orderLinkId, 'the paper run that placed it ended; the simulator starts afresh', now);
    summary.journalOrders.push({ orderLinkId: o.orderLinkId, was: o.status, now: 'Cancelled' });
  }
}

/**
 * The journal had a position the exchange no longer holds: the exchange's own closing fills (its
 * stop-loss or take-profit, a liquidation or ADL; no orderLinkId) and the funding after the entry
 * are journaled so the trade ledger ends it, with its funding.
 */
export async function journalClosingFills(
  venue: Venue, j: JournalRecovery | undefined, p: { side: 'long' | 'short'; entryTime: number }, summary: RecoverySummary, log: Logger,
): Promise<number> {
  try {
    const all = await venue.fills(p.entryTime);
    if (j) summary.fillsAdded += j.fills(unjournaledFills(p, all));
    return closingFills(p, all).length;
  } catch (e) {
    log.warn('could not read the fill history for the position closed while the bot was away', { error: e instanceof Error ? e.message : String(e) });
    return 0;
  }
}

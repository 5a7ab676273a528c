// What the runner knows about the orders it cares about: its own (by orderLinkId) and the ones the
// exchange creates when a position stop or target triggers (by orderId). Updated synchronously from
// venue events and REST answers; the decision core hears about an order once, when it is final.
import { Decimal } from 'decimal.js';
import type { ExitReason, Side } from '../core/types.ts';
import type { WorkingEntry } from '../core/state.ts';
import { isOpenStatus, type Fill, type OrderState } from '../venue/venue.ts';
import type { OrderPurpose } from './ids.ts';

export interface TrackedOrder {
  /** orderLinkId, or `id:<orderId>` for an order the exchange created itself. */
  key: string;
  purpose: OrderPurpose | 'exchange';
  /** The position side the order opens (entry) or closes (exit). */
  side: Side;
  /** Exits: why the position is being closed. */
  reason: ExitReason;
  /** Entries: the levels sent with the order, for the protection check. */
  stopLoss: Decimal | null;
  takeProfit: Decimal | null;
  qty: Decimal;
  state?: OrderState;
  /** The core's record of the entry, kept so a fill that races a cancel still carries its stops. */
  working?: WorkingEntry;
  cancelledByCore: boolean;
  /** The placement failed without saying whether the exchange has the order. */
  unknown: boolean;
  /** What happened instead of an answer (for the record when the exchange turns out not to have it). */
  unknownWhy?: string;
  /** The core has been told about the final outcome. */
  applied: boolean;
  /** Exchange stops: when (our clock) it was seen `Triggered`: its fill is on the way. */
  triggeredAt?: number;
  /** Some fill arrived; `maker` from the first one. */
  maker?: boolean;
  lastFillTime?: number;
  /** Quantity of the fills the stream delivered (the journal has those). */
  seenQty?: Decimal;
}

const ZERO = new Decimal(0);

export class OrderBook {
  private readonly byKey = new Map<string, TrackedOrder>();
  /**
   * Our orders not yet applied, the only ones that can be unsettled: `applied` never goes back to
   * false, so applied ones are dropped as they are met and the per-candle check reads a handful,
   * not the whole book.
   */
  private readonly unapplied = new Set<TrackedOrder>();
  /** Orders that reached a final state, in the order they did, waiting to be applied. */
  private readonly done: TrackedOrder[] = [];

  track(t: Omit<TrackedOrder, 'cancelledByCore' | 'unknown' | 'applied'>): TrackedOrder {
    const existing = this.byKey.get(t.key);
    if (existing) return existing;
    const full: TrackedOrder = { ...t, cancelledByCore: false, unknown: false, applied: false };
    this.byKey.set(t.key, full);
    if (full.purpose !== 'exchange') this.unapplied.add(full);
    return full;
  }

  get(key: string): TrackedOrder | undefined {
    return this.byKey.get(key);
  }

  /** An order that was never sent (refused before reaching the exchange): tracked afresh if sent later. */
  forget(key: string): void {
    const t = this.byKey.get(key);
    if (t) this.unapplied.delete(t);
    this.byKey.delete(key);
  }

  /** The exchange's own order (stop-loss / take-profit close), tracked on first sight. */
  exchangeOrder(orderId: string, side: Side): TrackedOrder {
    return this.track({ key: `id:${orderId}`, purpose: 'exchange', side, reason: 'stop_loss', stopLoss: null, takeProfit: null, qty: ZERO });
  }

  /** Newer state for a tracked order. Returns true when it just became final. */
  update(t: TrackedOrder, s: OrderState): boolean {
    const prev = t.state;
    // Streams and REST can deliver an older picture after a newer one; never go back.
    if (prev && !isOpenStatus(prev.status) && isOpenStatus(s.status)) return false;
    if (prev && prev.filledQty.gt(s.filledQty)) return false;
    t.state = s;
    t.unknown = false;
    const final = !isOpenStatus(s.status);
    if (final && !t.applied && !this.done.includes(t)) {
      this.done.push(t);
      return true;
    }
    return false;
  }

  sawFill(t: TrackedOrder, f: Fill): void {
    if (t.maker === undefined) t.maker = f.isMaker;
    t.lastFillTime = Math.max(t.lastFillTime ?? 0, f.time);
    t.seenQty = (t.seenQty ?? ZERO).add(f.qty);
  }

  /** Final orders wait to be applied to the core. */
  hasDone(): boolean {
    return this.done.length > 0;
  }

  /** Final orders not yet applied to the core, oldest first; they are removed from the queue. */
  takeDone(): TrackedOrder[] {
    return this.done.splice(0, this.done.length).filter((t) => !t.applied);
  }

  /** Our orders whose final outcome we have not seen yet, in the order they were tracked. */
  unsettled(): TrackedOrder[] {
    const out: TrackedOrder[] = [];
    for (const t of this.unapplied) {
      if (t.applied) this.unapplied.delete(t);
      else if (isUnsettled(t)) out.push(t);
    }
    return out;
  }

  /** Whether unsettled() would list anything; checked on every candle, so it builds no list. */
  hasUnsettled(): boolean {
    for (const t of this.unapplied) {
      if (t.applied) this.unapplied.delete(t);
      else if (isUnsettled(t)) return true;
    }
    return false;
  }

  /** The entry order still working on the exchange, if any. */
  workingEntry(): TrackedOrder | undefined {
    for (const t of this.byKey.values()) {
      if (t.purpose === 'entry' && !t.applied && !t.cancelledByCore && (!t.state || isOpenStatus(t.state.status))) return t;
    }
    return undefined;
  }

  /** Forgets old settled orders so a bot that runs for months keeps a small book. */
  prune(keep = 50): void {
    if (this.byKey.size <= keep * 2) return;
    for (const [k, t] of this.byKey) {
      if (this.byKey.size <= keep) break;
      if (t.applied) {
        this.byKey.delete(k);
        this.unapplied.delete(t);
      }
    }
  }

  /** An exchange stop triggered since `since` whose fill has not been seen yet. */
  stopFilling(since: number): boolean {
    for (const t of this.byKey.values()) {
      if (t.purpose === 'exchange' && !t.applied && t.triggeredAt !== undefined && t.triggeredAt >= since) return true;
    }
    return false;
  }

  /** Keys of every tracked order (tests, status). */
  keys(): string[] {
    return [...this.byKey.keys()];
  }
}

function isUnsettled(t: TrackedOrder): boolean {
  return t.purpose !== 'exchange' && !t.applied && (t.unknown || !t.state || isOpenStatus(t.state.status));
}

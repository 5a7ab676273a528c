// An exit once decided is carried out until the position is flat. Every close the bot decides (an
// exit signal or bot-placement stop from the core, a protective close, a stop the price is already
// past) goes through here: one reduce-only market order per attempt, named after the decision and
// the attempt (`…-x`, `…-x2`, …), so a resend of one attempt can never double it. An attempt that
// does not close everything (refused, never reached the exchange, cancelled, partly filled) is
// followed by another after a bounded backoff, for as long as the position is open. The decision is
// in the journal (the core's exitPending in its saved state) before the first order is sent, so a
// restarted bot carries it out too (reconcile.ts).
import type { Decimal } from 'decimal.js';
import { EXIT_WORDS } from '../core/core.ts';
import type { ExitReason, Side } from '../core/types.ts';
import { fmtDec, fmtTime } from '../core/format.ts';
import { InsufficientBalanceError, OrderRejectedError, VenueAuthError, VenueBannedError, VenueSetupError } from '../venue/errors.ts';
import type { LiveContext } from './context.ts';
import { orderLinkIdFor } from './ids.ts';
import { unknownWhy } from './intents.ts';
import type { TrackedOrder } from './orders.ts';
import { errText } from './records.ts';

/** Backoff between attempts: 1 s, doubling, at most 30 s (RunnerOptions.exitRetry in tests). */
const RETRY = { firstMs: 1000, maxMs: 30_000 };
/** Decisions for the first few failed attempts, then for every tenth (the log has each). */
const RECORD_FIRST = 3;
const RECORD_EVERY = 10;

interface Closing {
  side: Side;
  reason: ExitReason;
  purpose: 'exit' | 'protect';
  /** Candle start the attempts' orderLinkIds are named after. */
  start: number;
  /** Order ids used so far. */
  attempt: number;
  /** Attempts that ended without closing everything (the backoff grows with them). */
  failures: number;
  /** Close whatever the exchange holds (qty "0" on Bybit): a size it refused for its step cannot be refused again. */
  whole: boolean;
  /** The attempt in flight: its outcome arrives through settlement. */
  order: TrackedOrder | null;
  timer: NodeJS.Timeout | null;
}

export class Exits {
  private closing: Closing | null = null;
  private readonly retry: { firstMs: number; maxMs: number };

  constructor(private readonly x: LiveContext) {
    this.retry = x.o.exitRetry ?? RETRY;
  }

  /** A close is under way (a partly closed rest is not a stray position). */
  get active(): boolean {
    return this.closing !== null;
  }

  /**
   * Close the `side` position at market, and keep at it until it is flat. `start`: the candle the
   * decision belongs to (order ids). A close already under way for that side continues as it is.
   */
  async close(side: Side, reason: ExitReason, purpose: 'exit' | 'protect', start: number): Promise<void> {
    const x = this.x;
    if (this.closing?.side === side) return;
    this.stopTimer();
    this.closing = { side, reason, purpose, start, attempt: 0, failures: 0, whole: false, order: null, timer: null };
    if (x.core.state.position) x.core.state.exitPending = reason;
    // Durable before the first order goes out: a restart carries the decision out.
    x.records.saveCore(x.now());
    await this.attempt();
  }

  /** One close order for what is open. */
  async attempt(): Promise<void> {
    const x = this.x;
    const c = this.closing;
    if (!c || x.stopped || (c.order && !c.order.applied)) return;
    this.stopTimer();
    const b = x.book.position;
    if (x.core.state.position === null && (b.side !== c.side || b.size.isZero())) {
      this.done(); // closed meanwhile (its exchange-side stop, say)
      return;
    }
    let size = this.openSize(c.side);
    if (c.failures > 0) {
      // After a failure the book may be stale: ask the exchange what is still open. (After a partial
      // fill it is fresh: the settle that booked the fill read the position again.)
      let pos;
      try {
        pos = await x.venue.position();
      } catch (e) {
        if (e instanceof VenueAuthError || e instanceof VenueSetupError) throw e;
        if (e instanceof VenueBannedError) this.afterBan(c, e);
        else this.backoff(c, `the position could not be read (${errText(e)})`);
        return;
      }
      x.book.setPosition(pos);
      if (pos.side !== c.side || pos.size.isZero()) {
        await this.flatOnExchange();
        return;
      }
      size = pos.size;
    }
    c.attempt++;
    const link = orderLinkIdFor(x.botId, c.start, c.purpose, c.attempt);
    const t = x.orders.track({ key: link, purpose: c.purpose, side: c.side, reason: c.reason, stopLoss: null, takeProfit: null, qty: size });
    c.order = t;
    try {
      const st = await x.intents.place({ orderLinkId: link, side: c.side === 'long' ? 'sell' : 'buy', type: 'market', qty: size, reduceOnly: true, ...(c.whole ? { closePosition: true } : {}) }, 'exit', c.reason);
      x.orders.update(t, st);
      x.settlement.lookUpLater(t);
      x.records.log('info', 'exit order placed', { orderLinkId: link, reason: c.reason, qty: size.toFixed(), status: st.status });
    } catch (e) {
      if (e instanceof VenueAuthError || e instanceof VenueSetupError) throw e;
      if (e instanceof VenueBannedError) {
        // Refused before Bybit looked at it: no order exists, and this id goes out when the ban lifts.
        x.orders.forget(link);
        c.order = null;
        c.attempt--;
        this.afterBan(c, e);
        return;
      }
      if (e instanceof OrderRejectedError || e instanceof InsufficientBalanceError) {
        t.applied = true;
        // "Nothing to reduce": Bybit holds no such position (a stop-out the account stream never
        // pushed, say). Read it now, not after the backoff; what closed it is booked from the fills.
        if (e instanceof OrderRejectedError && e.kind === 'nothing_to_reduce' && (await this.goneOnExchange(c.side))) {
          c.order = null;
          x.records.decideAt(x.now(), 'order', c.reason, 'none', `the close of the ${c.side} was refused (${errText(e)}): Bybit holds no ${c.side}; booking what closed it from the fill history`);
          await this.flatOnExchange();
          return;
        }
        if (e instanceof OrderRejectedError && e.kind === 'precision' && !c.whole) {
          // The size is off the instrument's quantity step, which may have changed under us: read
          // the rules, and from now on close the whole position, which no step can refuse.
          c.whole = true;
          await x.rulesWatch.refreshQuietly(`a close was refused: ${errText(e)}`);
        }
        this.attemptFailed(t, `the exchange refused it (${errText(e)})`);
        return;
      }
      // Sent but unanswered: settle looks it up; not found ends the attempt (attemptFailed).
      t.unknown = true;
      t.unknownWhy = unknownWhy(e);
      x.records.failed(`exit order ${link} may or may not have reached the exchange; looking it up`, e);
      await x.settlement.settle().catch((err) => x.records.failed('lookup after an unanswered exit failed', err));
    }
  }

  /**
   * The attempt `t` ended without closing everything (`why`). `rest`: it filled partly; the rest
   * is closed at once. Otherwise the next attempt follows the backoff.
   */
  attemptFailed(t: TrackedOrder, why: string, rest?: { filled: Decimal; asked: Decimal }): boolean {
    const x = this.x;
    const c = this.closing;
    if (!c || c.order !== t) return false;
    c.order = null;
    if (rest) {
      x.records.decideAt(x.now(), 'order', c.reason, 'exit', `close order filled ${fmtDec(rest.filled)} of ${fmtDec(rest.asked)}: closing the remaining ${fmtDec(rest.asked.sub(rest.filled))} at market`);
      // In the lane right after this settle, not on a timer: until the rest's order is out, the bot
      // is not idle (a caller that waits for idle() never sees the half-closed position as settled).
      this.stopTimer();
      void x.queue.run(() => this.attempt());
      return true;
    }
    this.backoff(c, why, t.key);
    return true;
  }

  /** Bybit banned the IP: nothing can be sent before `e.until`; the next attempt is right after. */
  private afterBan(c: Closing, e: VenueBannedError): void {
    const x = this.x;
    x.records.banned(e);
    x.records.decideAt(x.now(), 'order', c.reason, 'none', `exit order not sent: Bybit's IP ban lasts until ${fmtTime(e.until)} UTC; the ${c.side} is closed then`);
    this.schedule(Math.max(0, e.until - Date.now()) + 50); // the ban is on the wall clock (call.ts), not the bot's
  }

  /** The next attempt after a growing delay; the first failures, and every tenth, are recorded. */
  private backoff(c: Closing, why: string, orderLinkId?: string): void {
    const x = this.x;
    c.failures++;
    const delay = Math.min(this.retry.firstMs * 2 ** (c.failures - 1), this.retry.maxMs);
    x.log.warn('the close did not go through; trying again', { orderLinkId, why, attempt: c.attempt, retryInMs: delay });
    if (c.failures <= RECORD_FIRST || c.failures % RECORD_EVERY === 0) {
      const p = x.core.state.position;
      const under = p?.stopLoss ? ` under its stop-loss ${fmtDec(p.stopLoss)}` : '';
      x.records.decideAt(x.now(), 'order', c.reason, 'rejected',
        `the close of the ${c.side} (${EXIT_WORDS[c.reason]}) did not go through: ${why}; the position stays open${under}; trying again in ${duration(delay)}${c.failures > 1 ? ` (attempt ${c.attempt + 1})` : ''}`);
    }
    this.schedule(delay);
  }

  /** Settle's end: done once the core is flat and the exchange holds nothing on the closing side. */
  check(): void {
    const c = this.closing;
    if (!c || c.order || this.x.core.state.position !== null) return;
    const b = this.x.book.position;
    if (b.side !== c.side || b.size.isZero()) this.done();
  }

  /** Our close filled completely. */
  filled(t: TrackedOrder): void {
    if (this.closing?.order === t) this.done();
  }

  stop(): void {
    this.stopTimer();
  }

  /** The exchange holds nothing on `side` (read now; a failed read says no). */
  private async goneOnExchange(side: Side): Promise<boolean> {
    const x = this.x;
    try {
      const pos = await x.venue.position();
      x.book.setPosition(pos);
      return pos.side !== side || pos.size.isZero();
    } catch (err) {
      x.records.failed('re-reading the position after a refused close failed', err);
      return false;
    }
  }

  /** A re-read found nothing left to close: record an exit the stream did not bring, and stop. */
  private async flatOnExchange(): Promise<void> {
    const x = this.x;
    if (x.core.state.position) await x.protection.recoverExit();
    this.done();
  }

  private done(): void {
    this.stopTimer();
    this.closing = null;
  }

  private schedule(ms: number): void {
    const c = this.closing;
    if (!c) return;
    this.stopTimer();
    c.timer = setTimeout(() => {
      c.timer = null;
      void this.x.queue.run(() => this.attempt());
    }, ms);
    c.timer.unref();
  }

  private stopTimer(): void {
    const c = this.closing;
    if (c?.timer) {
      clearTimeout(c.timer);
      c.timer = null;
    }
  }

  /** What is open on `side`: the exchange's size when the book has it, else the core's. */
  private openSize(side: Side): Decimal {
    const b = this.x.book.position;
    const p = this.x.core.state.position;
    return b.side === side && b.size.gt(0) ? b.size : (p?.qty ?? b.size);
  }
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

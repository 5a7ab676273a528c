// Position protection: a position the core holds must exist on the exchange with its stop-loss
// (and take-profit) when the spec puts them there. Missing levels are set with trading-stop; if
// that fails the position is closed at market rather than left unprotected. A trailing-stop move
// the exchange refused is tried again while the position lasts. A position the exchange closed
// without us seeing the order is recorded as closed from the fill history.
import type { Decimal } from 'decimal.js';
import type { ExitReason, Side } from '../core/types.ts';
import { fmtDec } from '../core/format.ts';
import { StopBeyondPriceError, VenueAuthError } from '../venue/errors.ts';
import type { LiveContext } from './context.ts';
import { exitFromFills, unjournaledFills } from './recover.ts';
import { errText } from './records.ts';

/** How long a triggered exchange stop's Filled frame is waited for before the exit is rebuilt from the fill history. */
const STOP_FILL_WAIT_MS = 5000;

/** The levels the plan wants on a position (null: none). */
export interface PlannedLevels {
  stopLoss: Decimal | null;
  takeProfit: Decimal | null;
}

export class Protection {
  /** A trailing stop the exchange refused to take; retried on the next settle. */
  stopToRetry: Decimal | null = null;

  constructor(private readonly x: LiveContext) {}

  /**
   * A position the core believes in must exist on the exchange with its stops; a position the
   * exchange closed without us seeing the order must be recorded as closed.
   */
  async checkPosition(afterEntry: boolean): Promise<void> {
    const x = this.x;
    const p = x.core.state.position;
    if (p === null) return;
    if (!x.live && !afterEntry) return;
    const onExchange = x.plan.exits.placement === 'exchange';
    // The wanted stop: a trailed level still to be confirmed, else the one the core holds.
    const wantStop = onExchange ? this.stopToRetry ?? p.stopLoss : null;
    const wantTarget = onExchange ? p.takeProfit : null;
    const cached = x.book.position;
    // Less on the exchange than the core holds, with none of our orders under way: reduced behind our back.
    const shrunk = (size: Decimal) => size.lt(p.qty) && !x.orders.hasUnsettled() && !x.exits.active;
    const looksFine = cached.side === p.side && cached.size.gt(0) && !shrunk(cached.size) && same(cached.stopLoss, wantStop) && same(cached.takeProfit, wantTarget);
    if (looksFine && !afterEntry) return;
    const pos = await x.venue.position();
    x.book.setPosition(pos);
    if (pos.side === 'flat' || pos.size.isZero()) {
      if (afterEntry) return; // stopped out at once; the close arrives as its own order
      // A stop just triggered: its Filled frame is on the way and books the exit with its details.
      // Only for so long: a stream that went silent or reconnected after the Triggered frame never
      // brings it, so the position is looked at again when the wait is over, not at the next candle.
      const wait = x.o.stopFillWaitMs ?? STOP_FILL_WAIT_MS;
      if (x.orders.stopFilling(x.now() - wait)) {
        setTimeout(() => x.settlement.requestSettle(), wait + 10).unref();
        return;
      }
      await this.recoverExit();
      return;
    }
    if (pos.side === p.side && shrunk(pos.size)) await this.recoverExit(p.qty.sub(pos.size));
    const missStop = Boolean(wantStop && !pos.stopLoss);
    const missTarget = Boolean(wantTarget && !pos.takeProfit);
    const wrongStop = Boolean(wantStop && pos.stopLoss && !pos.stopLoss.eq(wantStop));
    const wrongTarget = Boolean(wantTarget && pos.takeProfit && !pos.takeProfit.eq(wantTarget));
    if (!missStop && !missTarget && !wrongStop && !wrongTarget) return;
    const setStop = missStop || wrongStop;
    const setTarget = missTarget || wrongTarget;
    const what = [missStop ? `stop-loss ${fmtDec(wantStop as Decimal)}` : '', missTarget ? `take-profit ${fmtDec(wantTarget as Decimal)}` : ''].filter(Boolean).join(' and ');
    const wrong = [
      wrongStop ? `stop-loss on the exchange was ${fmtDec(pos.stopLoss as Decimal)}, not ${fmtDec(wantStop as Decimal)}` : '',
      wrongTarget ? `take-profit on the exchange was ${fmtDec(pos.takeProfit as Decimal)}, not ${fmtDec(wantTarget as Decimal)}` : '',
    ].filter(Boolean).join(' and its ');
    const setWhat = [setStop ? `stop-loss ${fmtDec(wantStop as Decimal)}` : '', setTarget ? `take-profit ${fmtDec(wantTarget as Decimal)}` : ''].filter(Boolean).join(' and ');
    const problem = what ? `the ${p.side} position had no ${what} on the exchange${wrong ? ` and its ${wrong}` : ''}` : `the ${p.side}'s ${wrong}`;
    try {
      await x.venue.setTradingStop({ ...(setStop ? { stopLoss: wantStop } : {}), ...(setTarget ? { takeProfit: wantTarget } : {}) });
      if (setStop && this.stopToRetry !== null) this.stopMoved(this.stopToRetry);
      x.records.decideAt(x.now(), 'protection', 'stop_loss', 'none', `${problem}: ${wrong ? 'put back' : 'set'} with trading-stop`);
    } catch (e) {
      if (e instanceof VenueAuthError) throw e;
      const past = e instanceof StopBeyondPriceError;
      if (!missStop && !past) {
        x.records.decideAt(x.now(), 'protection', setTarget ? 'take_profit' : 'stop_loss', 'none', `${problem} and setting ${setWhat} failed (${errText(e)}); ${pos.stopLoss ? `the stop-loss ${fmtDec(pos.stopLoss)} is in place` : 'tried again on the next check'}`);
        return;
      }
      // Without its stop-loss, or with a level the price is already past (it would have triggered).
      x.log.error('position without its stop-loss and trading-stop failed: closing it at market', { error: errText(e) });
      const why = past ? `: ${refusedWords(e, setWhat)}` : ` and trading-stop failed (${errText(e)})`;
      const reason: ExitReason = past && e.level === 'takeProfit' ? 'take_profit' : p.stopKind;
      x.records.decideAt(x.now(), 'protection', reason === 'take_profit' ? 'take_profit' : 'stop_loss', 'exit', `${problem}${why}: closing it at market rather than leave it unprotected`);
      await this.protectiveClose(p.side, reason);
    }
  }

  /** `want`, or the pending trailed level when that is tighter for a `side` position. */
  tighterOf(want: Decimal, side: Side): Decimal {
    const r = this.stopToRetry;
    if (r === null) return want;
    return (side === 'long' ? r.gt(want) : r.lt(want)) ? r : want;
  }

  /** The exchange holds the trailed stop now: the core commits it. */
  stopMoved(stopLoss: Decimal): void {
    const x = this.x;
    this.stopToRetry = null;
    x.core.confirmStop(stopLoss, true);
    const b = x.book.position;
    if (b.side !== 'flat') x.book.setPosition({ ...b, stopLoss });
  }

  /**
   * A position taken over (adopt, reconcile.ts) whose stops could not be set: without its
   * stop-loss, or with a level the price is already past (it would have triggered), it is closed
   * at market at once, the same rule as after an entry. Returns true when it is being closed.
   */
  async unprotectedTakeover(side: Side, size: Decimal, hasStop: boolean, planned: PlannedLevels, e: unknown): Promise<boolean> {
    const past = e instanceof StopBeyondPriceError;
    if (!past && hasStop) return false; // the stop-loss is there; only the target is missing
    const target = past && e.level === 'takeProfit';
    const level = target ? planned.takeProfit : planned.stopLoss;
    const what = `${target ? 'take-profit' : 'stop-loss'}${level ? ` ${fmtDec(level)}` : ''}`;
    const why = past ? refusedWords(e, what) : `setting ${what} failed (${errText(e)})`;
    const tail = target ? 'closing it at market (its target is already reached)' : 'closing it at market rather than leave it unprotected';
    const reason: ExitReason = target ? 'take_profit' : 'stop_loss';
    this.x.records.decideAt(this.x.now(), 'protection', reason, 'exit', `the ${side} ${fmtDec(size)} has no ${target ? 'take-profit' : 'stop-loss'}: ${why}: ${tail}`);
    await this.protectiveClose(side, reason);
    return true;
  }

  /** Closes the position at market (exits.ts keeps at it until it is flat). */
  async protectiveClose(side: Side, reason: ExitReason = 'stop_loss'): Promise<void> {
    await this.x.exits.close(side, reason, 'protect', this.x.lastStart ?? 0);
  }

  /** A trailing-stop move the exchange refused is tried again while the position lasts. */
  async retryStop(): Promise<void> {
    const x = this.x;
    const want = this.stopToRetry;
    if (want === null) return;
    const p = x.core.state.position;
    if (p === null || (p.stopLoss !== null && (p.side === 'long' ? want.lte(p.stopLoss) : want.gte(p.stopLoss)))) {
      this.stopToRetry = null;
      return;
    }
    try {
      await x.venue.setTradingStop({ stopLoss: want });
      this.stopMoved(want);
      x.log.info('trailing stop moved on retry', { stopLoss: want.toFixed() });
    } catch (e) {
      if (e instanceof VenueAuthError) throw e;
      if (e instanceof StopBeyondPriceError && e.level === 'stopLoss') {
        this.stopToRetry = null;
        x.records.decideAt(x.now(), 'order', 'trailing_stop', 'exit', `trailing stop not moved to ${fmtDec(want)}: ${refusedWords(e, `stop-loss ${fmtDec(want)}`)}: the stop would have triggered; closing the ${p.side} at market`);
        await this.protectiveClose(p.side, 'trailing_stop');
        return;
      }
      x.log.warn('trailing stop still refused; the previous stop stays', { stopLoss: want.toFixed(), error: errText(e) });
    }
  }

  /**
   * The exchange closed the position (or `qty` of it: auto-deleveraging) and the account stream
   * never said so: recorded from the fill history, journaled and told. A stream believed up that
   * missed it is reconnected.
   */
  async recoverExit(qty?: Decimal): Promise<void> {
    const x = this.x;
    const p = x.core.state.position;
    if (!p) return;
    // Fills of our own closes the core has booked already are not what closed the rest.
    const fills = (await x.venue.fills(p.entryTime)).filter((f) => !(f.orderLinkId && x.orders.get(f.orderLinkId)?.applied));
    for (const f of unjournaledFills(p, fills)) x.records.journal((r) => r.fill?.(f));
    const exit = exitFromFills(p, fills, x.rules.tickSize, x.book.lastClose, x.now(), qty);
    const part = qty ?? p.qty;
    x.log.warn(`the exchange ${qty ? `reduced the position by ${fmtDec(qty)}` : 'closed the position'} while the stream was away; recorded from the fill history`, { fills: exit.fills, reason: exit.reason });
    if (!x.stream.down.has('account')) x.venue.reconnectAccountStream?.('the exchange changed the position and the account stream never said so');
    const before = x.core.state.dayRealised;
    x.core.onFill({ time: exit.time, kind: 'exit', side: p.side, qty: part, price: exit.price, fee: exit.fee, liquidity: 'taker', reason: exit.reason });
    x.records.tell({ kind: 'exit', time: exit.time, side: p.side, qty: part, price: exit.price, pnl: x.core.state.dayRealised.sub(before), reason: exit.reason });
  }
}

/** "Bybit refused stop-loss 49500 because the price is already past it (Bybit: 10001 StopLoss:…)". */
export function refusedWords(e: StopBeyondPriceError, what: string): string {
  return `Bybit refused ${what} because the price is already past it (Bybit: ${e.said})`;
}

/** The exchange's level `a` is what is wanted (`b`; null wants nothing in particular). */
function same(a: Decimal | undefined, b: Decimal | null): boolean {
  return b === null || (a !== undefined && a.eq(b));
}

// The simulated exchange: executes the core's intents against closed candles, synchronously (a
// backtest calls it a million times a second; the paper-trading venue will wrap it in an async
// API). One position at a time, one working entry order at most.
//
// Fill model (each rule is tested in test/sim):
// - Market orders (entries and exits) fill at the next candle's open, `slippagePercent` worse
//   (buys higher, sells lower), rounded a tick against the trader; taker fee.
// - Limit entries fill when the candle touches the limit, at the limit price, maker fee, no
//   slippage. Also when the market gaps through the limit: the order was resting in the book
//   (placed at a close on the other side of its price), so it is hit at its own price, never at a
//   better open a backtest could not have had.
// - Stop-loss and take-profit trigger intrabar from high/low and fill as market orders (taker
//   fee, slippage) at their level, or at the open when the open is already beyond the level.
//   When one candle touches both, the stop is assumed first (the conservative guess).
// - A position opened at a candle's open is exposed to that candle's whole range, so it can be
//   stopped (or take profit) within the same candle. A limit entry filled intrabar is checked
//   against its stop only for the rest of that candle: which came first is unknown, so the bad
//   outcome is assumed and the good one is not.
// - Fees and P&L are in the quote coin, also on spot (Bybit charges spot buy fees in the base
//   coin; modelling them in quote keeps one accounting and differs by a rounding amount).
//
// Accounting is Decimal; floats mirror the balance and levels only for the per-candle checks.
import { Decimal } from 'decimal.js';
import type { SimulationPlan } from '../plan/plan.ts';
import type { Candle } from '../market/candle.ts';
import type { InstrumentRules } from '../market/instrument.ts';
import { roundAdverseFill } from '../core/precision.ts';
import type { AccountView, EntryOrder, ExitReason, Fill, Intent, Side } from '../core/types.ts';

const HUNDRED = new Decimal(100);

export interface SimPosition {
  side: Side;
  qty: Decimal;
  entryPrice: Decimal;
  entryTime: number;
  entryFee: Decimal;
  /** Levels the venue triggers (null when the bot watches them itself, or none set). */
  stop: Decimal | null;
  stopReason: ExitReason;
  target: Decimal | null;
  /** Whether this venue triggers the stop and target (plan placement 'exchange'). */
  onExchange: boolean;
  /** The levels as sent with the entry, for the trade record. */
  initialStop: Decimal | null;
  initialTarget: Decimal | null;
}

/** A round trip, from entry fill to exit fill. */
export interface ClosedTrade {
  side: Side;
  qty: Decimal;
  entryTime: number;
  entryPrice: Decimal;
  exitTime: number;
  exitPrice: Decimal;
  /** (exit − entry) × qty, sign-adjusted for shorts, before fees. */
  grossPnl: Decimal;
  fees: Decimal;
  netPnl: Decimal;
  reason: ExitReason;
  stopLoss: Decimal | null;
  takeProfit: Decimal | null;
}

export type SimEvent =
  | { type: 'fill'; fill: Fill; trade?: ClosedTrade }
  | { type: 'rejected'; time: number; candle: number; reason: string };

interface PendingEntry {
  side: Side;
  qty: Decimal;
  order: EntryOrder;
  /** Float mirror of the limit price. */
  limitF: number;
  stopLoss: Decimal | null;
  takeProfit: Decimal | null;
  onExchange: boolean;
}

export interface SimOptions {
  /** Linear: the leverage margin is computed with. Spot: ignored (1). */
  leverage?: Decimal;
}

export class SimExchange implements AccountView {
  balance: Decimal;
  position: SimPosition | null = null;
  private pendingEntry: PendingEntry | null = null;
  private pendingExit: ExitReason | null = null;
  private readonly events: SimEvent[] = [];
  private readonly taker: Decimal;
  private readonly maker: Decimal;
  private readonly slipBuy: Decimal;
  private readonly slipSell: Decimal;
  private readonly leverage: Decimal;
  private readonly spot: boolean;
  // Float mirrors, refreshed on every fill or stop move.
  private balanceF: number;
  private qtyF = 0;
  private entryF = 0;
  private dirF = 0;
  private stopF = NaN;
  private targetF = NaN;
  private lastClose = NaN;
  private equityF: number;

  constructor(readonly sim: SimulationPlan, readonly rules: InstrumentRules, opts: SimOptions = {}) {
    this.balance = sim.initialEquity;
    this.balanceF = this.balance.toNumber();
    this.equityF = this.balanceF;
    this.taker = sim.takerFeePercent.div(HUNDRED);
    this.maker = sim.makerFeePercent.div(HUNDRED);
    const slip = sim.slippagePercent.div(HUNDRED);
    this.slipBuy = slip.add(1);
    this.slipSell = new Decimal(1).sub(slip);
    this.spot = rules.category === 'spot';
    this.leverage = this.spot ? new Decimal(1) : opts.leverage ?? new Decimal(1);
  }

  // ---------------------------------------------------------------- AccountView

  equityApprox(): number {
    return this.equityF;
  }

  equity(): Decimal {
    const p = this.position;
    if (p === null || this.lastClose !== this.lastClose) return this.balance;
    const diff = new Decimal(this.lastClose).sub(p.entryPrice).mul(p.qty);
    return this.balance.add(p.side === 'long' ? diff : diff.neg());
  }

  available(): Decimal {
    return this.balance;
  }

  // ---------------------------------------------------------------- orders

  submit(intent: Intent): void {
    switch (intent.kind) {
      case 'enter':
        if (this.position !== null || this.pendingEntry !== null) throw new Error(`sim: entry while ${this.position ? 'in a position' : 'an entry is working'}`);
        this.pendingEntry = {
          side: intent.side, qty: intent.qty, order: intent.order,
          limitF: intent.order.type === 'limit' ? intent.order.price.toNumber() : NaN,
          stopLoss: intent.stopLoss, takeProfit: intent.takeProfit, onExchange: intent.onExchange,
        };
        return;
      case 'exit':
        if (this.position !== null) this.pendingExit = intent.reason;
        return;
      case 'move_stop':
        // With placement 'bot' the venue holds no stop: the core watches closes itself.
        if (this.position !== null && this.position.onExchange) {
          this.position.stop = intent.stopLoss;
          this.position.stopReason = intent.reason;
          this.stopF = intent.stopLoss.toNumber();
        } else if (this.position === null && this.pendingEntry !== null) {
          this.pendingEntry.stopLoss = intent.stopLoss;
        }
        return;
      case 'cancel_entry':
        this.pendingEntry = null;
        return;
    }
  }

  /** Runs one candle: fills due at its open, then intrabar triggers. Returns a reused array. */
  onCandle(c: Candle): readonly SimEvent[] {
    const ev = this.events;
    if (ev.length !== 0) ev.length = 0;
    if (this.pendingExit !== null && this.position !== null) {
      const reason = this.pendingExit;
      this.pendingExit = null;
      this.closePosition(this.marketPrice(new Decimal(c.open), this.position.side === 'short'), c.start, c.start, reason);
    }
    let intrabarLimitFill = false;
    const pe = this.pendingEntry;
    if (pe !== null) {
      if (pe.order.type === 'market') {
        this.pendingEntry = null;
        this.openPosition(pe, this.marketPrice(new Decimal(c.open), pe.side === 'long'), this.taker, 'taker', c.start, c.start);
      } else {
        const long = pe.side === 'long';
        const L = pe.limitF;
        if (long ? c.open <= L : c.open >= L) {
          this.pendingEntry = null;
          this.openPosition(pe, pe.order.price, this.maker, 'maker', c.start, c.start);
        } else if (long ? c.low <= L : c.high >= L) {
          this.pendingEntry = null;
          this.openPosition(pe, pe.order.price, this.maker, 'maker', c.start, c.start);
          intrabarLimitFill = true;
        }
      }
    }
    if (this.position !== null) this.checkTriggers(c, intrabarLimitFill);
    this.lastClose = c.close;
    this.equityF = this.position === null ? this.balanceF : this.balanceF + (c.close - this.entryF) * this.qtyF * this.dirF;
    return ev;
  }

  /** Closes any open position at `price` (taker, slippage) at `time`, in the candle starting at `candle` (end of a backtest). */
  closeAt(price: number, time: number, candle: number, reason: ExitReason): readonly SimEvent[] {
    const ev = this.events;
    ev.length = 0;
    this.pendingEntry = null;
    this.pendingExit = null;
    if (this.position !== null) {
      this.closePosition(this.marketPrice(new Decimal(price), this.position.side === 'short'), time, candle, reason);
      this.equityF = this.balanceF;
    }
    return ev;
  }

  // ---------------------------------------------------------------- internals

  private checkTriggers(c: Candle, stopOnly: boolean): void {
    const p = this.position as SimPosition;
    const long = this.dirF > 0;
    const stop = this.stopF;
    const target = stopOnly ? NaN : this.targetF;
    // Gaps first: the open is already beyond a level, so it fills at the open.
    if (long ? c.open <= stop : c.open >= stop) return this.trigger(new Decimal(c.open), c.start, c.start, p.stopReason);
    if (long ? c.open >= target : c.open <= target) return this.trigger(new Decimal(c.open), c.start, c.start, 'take_profit');
    if (long ? c.low <= stop : c.high >= stop) return this.trigger(p.stop as Decimal, c.start, c.start, p.stopReason);
    if (long ? c.high >= target : c.low <= target) return this.trigger(p.target as Decimal, c.start, c.start, 'take_profit');
  }

  private trigger(level: Decimal, time: number, candle: number, reason: ExitReason): void {
    const p = this.position as SimPosition;
    this.closePosition(this.marketPrice(level, p.side === 'short'), time, candle, reason);
  }

  private marketPrice(base: Decimal, buying: boolean): Decimal {
    return roundAdverseFill(base.mul(buying ? this.slipBuy : this.slipSell), buying, this.rules.tickSize);
  }

  private openPosition(pe: PendingEntry, price: Decimal, rate: Decimal, liquidity: 'maker' | 'taker', time: number, candle: number): void {
    const notional = pe.qty.mul(price);
    const fee = notional.mul(rate);
    const cost = notional.div(this.leverage).add(fee);
    if (cost.gt(this.balance)) {
      this.events.push({
        type: 'rejected', time, candle,
        reason: `${this.spot ? 'balance' : 'margin'} ${this.balance.toFixed()} does not cover ${pe.qty.toFixed()} at ${price.toFixed()} (needs ${cost.toDecimalPlaces(8).toFixed()} incl. fee)`,
      });
      return;
    }
    this.balance = this.balance.sub(fee);
    this.position = {
      side: pe.side, qty: pe.qty, entryPrice: price, entryTime: time, entryFee: fee,
      stop: pe.onExchange ? pe.stopLoss : null, stopReason: 'stop_loss', target: pe.onExchange ? pe.takeProfit : null,
      onExchange: pe.onExchange, initialStop: pe.stopLoss, initialTarget: pe.takeProfit,
    };
    this.syncFloats();
    this.events.push({ type: 'fill', fill: { time, candle, kind: 'entry', side: pe.side, qty: pe.qty, price, fee, liquidity, reason: 'signal' } });
  }

  private closePosition(price: Decimal, time: number, candle: number, reason: ExitReason): void {
    const p = this.position as SimPosition;
    const fee = p.qty.mul(price).mul(this.taker);
    const diff = price.sub(p.entryPrice).mul(p.qty);
    const gross = p.side === 'long' ? diff : diff.neg();
    this.balance = this.balance.add(gross).sub(fee);
    this.position = null;
    this.syncFloats();
    const fees = p.entryFee.add(fee);
    const trade: ClosedTrade = {
      side: p.side, qty: p.qty, entryTime: p.entryTime, entryPrice: p.entryPrice, exitTime: time, exitPrice: price,
      grossPnl: gross, fees, netPnl: gross.sub(fees), reason, stopLoss: p.initialStop, takeProfit: p.initialTarget,
    };
    this.events.push({ type: 'fill', fill: { time, candle, kind: 'exit', side: p.side, qty: p.qty, price, fee, liquidity: 'taker', reason }, trade });
  }

  private syncFloats(): void {
    this.balanceF = this.balance.toNumber();
    const p = this.position;
    if (p === null) {
      this.qtyF = this.entryF = this.dirF = 0;
      this.stopF = this.targetF = NaN;
      return;
    }
    this.qtyF = p.qty.toNumber();
    this.entryF = p.entryPrice.toNumber();
    this.dirF = p.side === 'long' ? 1 : -1;
    this.stopF = p.stop ? p.stop.toNumber() : NaN;
    this.targetF = p.target ? p.target.toNumber() : NaN;
  }
}

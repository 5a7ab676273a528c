// A Venue over the simulated exchange: paper trading on live public candles, or a CSV replay.
// Fills follow the backtest's fill model exactly (engine/sim/exchange.ts): orders placed after a
// candle closes are filled when the next candle arrives, before the runner sees that candle, so
// the same candles give the same fills and the same decisions as `botctl backtest`.
//
// Orders are kept by orderLinkId with Bybit's semantics where they matter to the runner: a repeat
// create returns the existing order, cancel of a final order returns it unchanged, exchange-side
// stop-loss / take-profit closes appear as orders with an empty orderLinkId.
import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { Plan } from '../../plan/plan.ts';
import type { Candle } from '../../market/candle.ts';
import { intervalMs } from '../../market/candle.ts';
import type { InstrumentRules } from '../../market/instrument.ts';
import { SimExchange, type SimEvent } from '../../sim/exchange.ts';
import { OrderNotFoundError, OrderRejectedError, VenueError, VenueUnsupportedError } from '../errors.ts';
import type {
  AmendRequest, Equity, Fill, OrderRequest, OrderState, PositionState, TradingStopRequest, Unsubscribe, Venue, VenueEvent,
} from '../venue.ts';
import type { CandleSource } from './source.ts';

const ZERO = new Decimal(0);
const QUOTE = /(USDT|USDC|USD)$/;

export interface SimVenueOptions {
  plan: Plan;
  source: CandleSource;
  /** Instrument rules; default: whatever the source reports. */
  rules?: InstrumentRules;
}

export class SimVenue implements Venue {
  private sim: SimExchange | undefined;
  private rules: InstrumentRules | undefined;
  private readonly orders = new Map<string, OrderState>();
  private readonly listeners = new Set<(e: VenueEvent) => void>();
  private pendingEntry: string | undefined;
  private pendingExit: string | undefined;
  private lastCandle: Candle | undefined;
  private execSeq = 0;
  private orderSeq = 0;
  private subscribed = false;
  private closed = false;
  private readonly step: number;
  private readonly coin: string;
  /** Per-instance prefix: journals de-duplicate fills by execId, so two paper runs must not collide. */
  private readonly idPrefix = `sim-${randomUUID().slice(0, 8)}`;

  constructor(private readonly opts: SimVenueOptions) {
    this.step = intervalMs(opts.plan.market.interval);
    this.coin = QUOTE.exec(opts.plan.market.symbol)?.[1] ?? 'USDT';
  }

  /** The simulated clock: the close of the newest candle seen. */
  now(): number {
    return this.lastCandle ? this.lastCandle.start + this.step : 0;
  }

  async start(): Promise<void> {
    if (this.sim) return;
    await this.opts.source.start();
    this.rules = this.opts.rules ?? (await this.opts.source.instrument());
    this.sim = new SimExchange(this.opts.plan.simulation, this.rules, { leverage: this.opts.plan.risk.leverage });
  }

  async instrument(): Promise<InstrumentRules> {
    return this.rules ?? (await this.opts.source.instrument());
  }

  closedCandles(fromMs: number, toMs: number): Promise<Candle[]> {
    return this.opts.source.closedCandles(fromMs, toMs);
  }

  recentClosedCandles(count: number): Promise<Candle[]> {
    return this.opts.source.recentClosedCandles(count);
  }

  async subscribeCandles(onClosedCandle: (candle: Candle) => void | Promise<void>, afterStart?: number): Promise<Unsubscribe> {
    if (this.subscribed) throw new VenueError('subscribeCandles may be called once per venue');
    this.subscribed = true;
    return this.opts.source.subscribeCandles((c) => {
      if (this.closed) return;
      this.advance(c);
      return onClosedCandle(c);
    }, afterStart);
  }

  /** Finite sources: resolves when the replay is over. */
  get finished(): Promise<void> | undefined {
    return this.opts.source.finished;
  }

  // ---- orders ----------------------------------------------------------------------------------

  async placeOrder(req: OrderRequest): Promise<OrderState> {
    const sim = this.exchange();
    const existing = this.orders.get(req.orderLinkId);
    if (existing) return { ...existing };
    if (!/^[A-Za-z0-9_-]{1,36}$/.test(req.orderLinkId)) throw new OrderRejectedError(`orderLinkId "${req.orderLinkId}" must be 1-36 characters of A-Z a-z 0-9 _ -`);
    if (req.type === 'limit' && !req.price) throw new OrderRejectedError('a limit order needs a price');
    const side = req.side === 'buy' ? 'long' : 'short';
    if (req.reduceOnly) {
      if (sim.position === null) throw new OrderRejectedError('reduce-only order with no position to reduce');
      if (this.pendingExit) throw new OrderRejectedError('an exit order is already working');
      sim.submit({ kind: 'exit', side: sim.position.side, reason: 'signal' });
      this.pendingExit = req.orderLinkId;
    } else {
      if (sim.position !== null || this.pendingEntry) throw new OrderRejectedError('the simulator holds one position and one working entry order at a time');
      const order = req.type === 'limit' ? { type: 'limit' as const, price: req.price as Decimal } : { type: 'market' as const };
      sim.submit({
        kind: 'enter', side, qty: req.qty, order, refPrice: req.price ?? ZERO,
        stopLoss: req.stopLoss ?? null, takeProfit: req.takeProfit ?? null, onExchange: Boolean(req.stopLoss || req.takeProfit),
      });
      this.pendingEntry = req.orderLinkId;
    }
    const t = this.now();
    const state: OrderState = {
      orderLinkId: req.orderLinkId, orderId: `${this.idPrefix}-o${++this.orderSeq}`, side: req.side, type: req.type, status: 'New',
      qty: req.qty, filledQty: ZERO, fee: ZERO, reduceOnly: req.reduceOnly ?? false, origin: 'user', createdAt: t, updatedAt: t,
      ...(req.price ? { price: req.price } : {}),
      ...(req.stopLoss ? { stopLoss: req.stopLoss } : {}),
      ...(req.takeProfit ? { takeProfit: req.takeProfit } : {}),
    };
    this.orders.set(req.orderLinkId, state);
    this.emit({ kind: 'order', time: t, order: { ...state } });
    return { ...state };
  }

  async amendOrder(req: AmendRequest): Promise<OrderState> {
    const o = this.orders.get(req.orderLinkId);
    if (!o) throw new OrderNotFoundError(req.orderLinkId);
    if (o.status !== 'New' || req.orderLinkId !== this.pendingEntry || o.type !== 'limit') return { ...o };
    const sim = this.exchange();
    const price = req.price ?? (o.price as Decimal);
    const qty = req.qty ?? o.qty;
    sim.submit({ kind: 'cancel_entry', reason: 'amend' });
    sim.submit({
      kind: 'enter', side: o.side === 'buy' ? 'long' : 'short', qty, order: { type: 'limit', price }, refPrice: price,
      stopLoss: req.stopLoss ?? o.stopLoss ?? null, takeProfit: req.takeProfit ?? o.takeProfit ?? null,
      onExchange: Boolean(req.stopLoss ?? o.stopLoss ?? req.takeProfit ?? o.takeProfit),
    });
    Object.assign(o, { price, qty, updatedAt: this.now() });
    this.emit({ kind: 'order', time: this.now(), order: { ...o } });
    return { ...o };
  }

  async cancelOrder(orderLinkId: string): Promise<OrderState> {
    const o = this.orders.get(orderLinkId);
    if (!o) throw new OrderNotFoundError(orderLinkId);
    if (o.status !== 'New' && o.status !== 'PartiallyFilled') return { ...o };
    if (orderLinkId === this.pendingEntry) {
      this.exchange().submit({ kind: 'cancel_entry', reason: 'cancel' });
      this.pendingEntry = undefined;
    } else if (orderLinkId === this.pendingExit) {
      // The simulator has no way to withdraw a queued exit; Bybit would fill a market order at once.
      return { ...o };
    }
    this.finish(o, 'Cancelled', this.now());
    return { ...o };
  }

  async cancelAllOrders(): Promise<string[]> {
    const out: string[] = [];
    for (const o of this.orders.values()) {
      if (o.status === 'New' && o.orderLinkId === this.pendingEntry) {
        await this.cancelOrder(o.orderLinkId);
        out.push(o.orderLinkId);
      }
    }
    return out;
  }

  async openOrders(): Promise<OrderState[]> {
    return [...this.orders.values()].filter((o) => o.status === 'New' || o.status === 'PartiallyFilled').map((o) => ({ ...o }));
  }

  async orderStatus(orderLinkId: string): Promise<OrderState | undefined> {
    const o = this.orders.get(orderLinkId);
    return o ? { ...o } : undefined;
  }

  async fills(): Promise<Fill[]> {
    return [];
  }

  async position(): Promise<PositionState> {
    const p = this.exchange().position;
    if (p === null) return { side: 'flat', size: ZERO, avgPrice: ZERO, updatedAt: this.now() };
    return {
      side: p.side, size: p.qty, avgPrice: p.entryPrice, updatedAt: this.now(),
      ...(p.stop ? { stopLoss: p.stop } : {}), ...(p.target ? { takeProfit: p.target } : {}),
    };
  }

  async setTradingStop(req: TradingStopRequest): Promise<void> {
    const sim = this.exchange();
    const p = sim.position;
    if (p === null) throw new OrderRejectedError('can not set tp/sl/ts for zero position');
    if (req.takeProfit !== undefined && !(req.takeProfit === null ? p.target === null : p.target?.eq(req.takeProfit))) {
      throw new VenueUnsupportedError('the simulator keeps the take-profit sent with the entry; it cannot be changed afterwards');
    }
    if (req.trailingStop !== undefined && req.trailingStop !== null) throw new VenueUnsupportedError('the simulator trails stops through stop-loss moves, not an exchange trailing stop');
    if (req.stopLoss) {
      sim.submit({ kind: 'move_stop', side: p.side, stopLoss: req.stopLoss, reason: 'trailing_stop' });
      this.emit({ kind: 'position', time: this.now(), position: await this.position() });
    }
  }

  async setLeverage(): Promise<void> {
    // The simulator was built with the plan's leverage; nothing to change.
  }

  async equity(): Promise<Equity> {
    const sim = this.exchange();
    return { coin: this.coin, equity: sim.equity(), walletBalance: sim.balance, available: sim.available(), time: this.now() };
  }

  onEvent(listener: (event: VenueEvent) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.opts.source.close();
    this.listeners.clear();
  }

  // ---- the simulated market --------------------------------------------------------------------

  /** Runs the fills due during `c` and reports them as Bybit would: fill, order, position, wallet. */
  private advance(c: Candle): void {
    const sim = this.exchange();
    const events = sim.onCandle(c);
    this.lastCandle = c;
    for (const ev of events) this.report(ev);
    // An exit queued when the position was already gone (stopped out first) is cancelled, as
    // Bybit cancels a reduce-only order that has nothing left to reduce.
    if (this.pendingExit && sim.position === null) {
      const o = this.orders.get(this.pendingExit);
      this.pendingExit = undefined;
      if (o && o.status === 'New') this.finish(o, 'Cancelled', c.start, 'no position to reduce');
    }
  }

  private report(ev: SimEvent): void {
    if (ev.type === 'rejected') {
      const o = this.pendingEntry ? this.orders.get(this.pendingEntry) : undefined;
      this.pendingEntry = undefined;
      if (o) this.finish(o, 'Rejected', ev.time, ev.reason);
      return;
    }
    const f = ev.fill;
    let order: OrderState | undefined;
    if (f.kind === 'entry') {
      order = this.pendingEntry ? this.orders.get(this.pendingEntry) : undefined;
      this.pendingEntry = undefined;
    } else if (this.pendingExit && (f.reason === 'signal' || f.reason === 'reverse')) {
      order = this.orders.get(this.pendingExit);
      this.pendingExit = undefined;
    }
    const buy = f.kind === 'entry' ? f.side === 'long' : f.side === 'short';
    if (!order) {
      // An exchange-side stop or target closed the position.
      const origin = f.reason === 'take_profit' ? 'takeProfit' : 'stopLoss';
      order = {
        orderLinkId: '', orderId: `${this.idPrefix}-o${++this.orderSeq}`, side: buy ? 'buy' : 'sell', type: 'market', status: 'New',
        qty: f.qty, filledQty: ZERO, fee: ZERO, reduceOnly: true, origin, createdAt: f.time, updatedAt: f.time,
      };
    }
    const fill: Fill = {
      execId: `${this.idPrefix}-x${++this.execSeq}`, orderId: order.orderId, orderLinkId: order.orderLinkId, side: buy ? 'buy' : 'sell',
      price: f.price, qty: f.qty, fee: f.fee, feeCurrency: this.coin, isMaker: f.liquidity === 'maker', time: f.time,
    };
    Object.assign(order, { filledQty: f.qty, avgFillPrice: f.price, fee: f.fee });
    this.emit({ kind: 'fill', time: f.time, fill });
    this.finish(order, 'Filled', f.time);
    const sim = this.exchange();
    const p = sim.position;
    const position: PositionState = p === null
      ? { side: 'flat', size: ZERO, avgPrice: ZERO, updatedAt: f.time }
      : { side: p.side, size: p.qty, avgPrice: p.entryPrice, updatedAt: f.time, ...(p.stop ? { stopLoss: p.stop } : {}), ...(p.target ? { takeProfit: p.target } : {}) };
    this.emit({ kind: 'position', time: f.time, position });
    this.emit({ kind: 'wallet', time: f.time, equity: { coin: this.coin, equity: sim.balance, walletBalance: sim.balance, available: sim.available(), time: f.time } });
  }

  private finish(o: OrderState, status: OrderState['status'], time: number, reason?: string): void {
    o.status = status;
    o.updatedAt = time;
    if (reason) o.reason = reason;
    if (o.orderLinkId) this.orders.set(o.orderLinkId, o);
    this.emit({ kind: 'order', time, order: { ...o } });
  }

  private exchange(): SimExchange {
    if (!this.sim) throw new VenueError('SimVenue.start() must be called first');
    return this.sim;
  }

  private emit(e: VenueEvent): void {
    for (const l of this.listeners) l(e);
  }
}

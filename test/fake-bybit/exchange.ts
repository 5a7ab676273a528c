// The fake's trading state for one symbol: orders, fills, the position with its TP/SL, the
// wallet, and a price that tests move. Shapes and codes follow the Bybit v5 reference
// (/work/shared/reference/bybit-v5.md §3, §4, §5.4). Money is Decimal, as on the real exchange.
import { Decimal } from 'decimal.js';

export type BSide = 'Buy' | 'Sell';

export interface FakeOrder {
  orderId: string;
  orderLinkId: string;
  side: BSide;
  orderType: 'Market' | 'Limit';
  qty: Decimal;
  price: Decimal;
  timeInForce: string;
  reduceOnly: boolean;
  takeProfit: Decimal;
  stopLoss: Decimal;
  tpslMode: string;
  status: string;
  cumExecQty: Decimal;
  cumExecValue: Decimal;
  cumExecFee: Decimal;
  createType: string;
  stopOrderType: string;
  cancelType: string;
  rejectReason: string;
  marketUnit: string;
  /** Conditional orders (status Untriggered until the price crosses it); 0 for plain orders. */
  triggerPrice: Decimal;
  /** 1: triggers when the price rises to triggerPrice; 2: when it falls to it; 0: not conditional. */
  triggerDirection: number;
  closeOnTrigger: boolean;
  createdTime: number;
  updatedTime: number;
  /** Fraction of the order to fill on its first match (partial-fill fault). */
  firstFillFraction?: number;
}

export interface FakeExecution {
  execId: string;
  orderId: string;
  orderLinkId: string;
  side: BSide;
  orderType: string;
  stopOrderType: string;
  orderPrice: Decimal;
  orderQty: Decimal;
  leavesQty: Decimal;
  execPrice: Decimal;
  execQty: Decimal;
  execValue: Decimal;
  execFee: Decimal;
  feeRate: Decimal;
  isMaker: boolean;
  closedSize: Decimal;
  execTime: number;
  seq: number;
  /** Trade (default), BustTrade (liquidation takeover), AdlTrade (auto-deleveraging), Funding. */
  execType?: string;
  /** The order's createType (CreateByUser, CreateByStopLoss, ...). */
  createType?: string;
}

export interface FakePosition {
  side: '' | BSide;
  size: Decimal;
  avgPrice: Decimal;
  takeProfit: Decimal;
  stopLoss: Decimal;
  trailingStop: Decimal;
  activePrice: Decimal;
  /** Best price seen since the trailing stop was set (long: highest, short: lowest). */
  trailAnchor: Decimal;
  leverage: Decimal;
  cumRealisedPnl: Decimal;
  createdTime: number;
  updatedTime: number;
  seq: number;
}

export interface ExchangeConfig {
  category: 'linear' | 'spot';
  symbol: string;
  baseCoin: string;
  quoteCoin: string;
  tickSize: string;
  qtyStep: string;
  minOrderQty: string;
  maxOrderQty: string;
  minNotional: string;
  maxLeverage: string;
  /** Largest market order (lotSizeFilter.maxMktOrderQty); default 500. */
  maxMktOrderQty?: string;
  takerFeeRate: string;
  makerFeeRate: string;
}

/**
 * Where the fake is as strict as Bybit; each can be switched off per test (`fake.strict.x = false`)
 * to stage what a kinder exchange would allow.
 */
export interface Strictness {
  /** create-order: a stop-loss or take-profit on the wrong side of the price refuses the whole order (10001). */
  entryStops: boolean;
  /** trading-stop: a stop-loss or take-profit the price is already past is refused (10001). */
  tradingStop: boolean;
  /** create-order with triggerPrice: the trigger must lie in triggerDirection (110092 / 110093). */
  triggerDirection: boolean;
  /**
   * The position's stop-loss, take-profit and trailing stop are conditional orders of their own
   * (Untriggered; Triggered → Filled when hit, same orderId; Deactivated when removed or when the
   * position closes). Off: nothing is listed until a stop triggers, then a fresh close order fills.
   */
  tpslOrders: boolean;
}

/** The kinds of the position's own conditional orders (stopOrderType). */
type TpSlKind = 'StopLoss' | 'TakeProfit' | 'TrailingStop';

/**
 * A price as Bybit prints it inside refusal messages: a scaled integer (BTCUSDT 19500 appears as
 * trigger_price[195000000], ccxt/ccxt#14342). The runner must never parse these numbers.
 */
export function scaledPrice(p: Decimal): string {
  return p.mul(10_000).toFixed(0);
}

/** A business error the REST layer turns into an envelope with this retCode. */
export class RetCodeError extends Error {
  constructor(readonly retCode: number, readonly retMsg: string) {
    super(retMsg);
  }
}

export type PrivatePush = (topic: 'order' | 'execution' | 'position' | 'wallet', data: object[]) => void;

const ZERO = new Decimal(0);
const OPEN = new Set(['New', 'PartiallyFilled', 'Untriggered']);

export class FakeExchange {
  price: Decimal;
  readonly orders: FakeOrder[] = [];
  readonly executions: FakeExecution[] = [];
  position: FakePosition;
  /** Quote-coin wallet balance (USDT). */
  quoteBalance: Decimal;
  /** Base-coin balance (spot). */
  baseBalance = new Decimal(0);
  /** Fault: fill only this fraction of each new order on its first match. */
  partialFillFraction: number | undefined;
  /** Fault: order/create accepts TP/SL but doesn't attach them to the position. */
  ignoreEntryTpSl = false;
  readonly strict: Strictness = { entryStops: true, tradingStop: true, triggerDirection: true, tpslOrders: true };
  /**
   * A triggered TP/SL's fill frames (execution, order Filled, position, wallet, the sibling's
   * Deactivated) go out this long after its `Triggered` frame; the exchange's state is final at once.
   */
  stopFillLagMs = 0;
  /** Runs `fill` now and sends the pushes it makes `ms` later (the account stream stays in order). */
  deferPushes: (ms: number, fill: () => void) => void = (_ms, fill) => fill();
  private nextId = 1;
  private seq = 1000;

  constructor(
    readonly cfg: ExchangeConfig,
    price: number | string,
    balance: string,
    leverage: string,
    private readonly now: () => number,
    private readonly push: PrivatePush,
  ) {
    this.price = new Decimal(price);
    this.quoteBalance = new Decimal(balance);
    this.position = this.flatPosition(new Decimal(leverage));
  }

  private flatPosition(leverage: Decimal): FakePosition {
    const t = this.now();
    return {
      side: '', size: ZERO, avgPrice: ZERO, takeProfit: ZERO, stopLoss: ZERO, trailingStop: ZERO,
      activePrice: ZERO, trailAnchor: ZERO, leverage, cumRealisedPnl: this.position?.cumRealisedPnl ?? ZERO,
      createdTime: t, updatedTime: t, seq: this.seq++,
    };
  }

  private id(prefix: string): string {
    const n = String(this.nextId++).padStart(12, '0');
    return `${prefix}-0000-4000-8000-${n}`;
  }

  findOrder(orderId?: string, orderLinkId?: string): FakeOrder | undefined {
    if (orderId) return this.orders.find((o) => o.orderId === orderId);
    if (orderLinkId) return this.orders.find((o) => o.orderLinkId === orderLinkId);
    return undefined;
  }

  openOrders(): FakeOrder[] {
    return this.orders.filter((o) => OPEN.has(o.status));
  }

  // ---- order entry ----------------------------------------------------------------------------

  createOrder(body: Record<string, unknown>): FakeOrder {
    const cfg = this.cfg;
    const spot = cfg.category === 'spot';
    const side = body.side;
    if (side !== 'Buy' && side !== 'Sell') throw new RetCodeError(10001, 'params error: side invalid');
    const orderType = body.orderType;
    if (orderType !== 'Market' && orderType !== 'Limit') throw new RetCodeError(10001, 'params error: orderType invalid');
    const reduceOnly = body.reduceOnly === true;
    // qty "0" with reduceOnly and closeOnTrigger closes the whole position, up to the market order
    // maximum, whatever its size's step (docs/v5/order/create-order.mdx, qty).
    const closeAll = !spot && body.qty === '0' && reduceOnly && body.closeOnTrigger === true;
    const qty = closeAll ? Decimal.min(this.position.size, cfg.maxMktOrderQty ?? cfg.maxOrderQty) : decimalField(body.qty, 'qty');
    if (closeAll && qty.isZero()) throw new RetCodeError(110017, 'current position is zero, cannot fix reduce-only order qty');
    const orderLinkId = typeof body.orderLinkId === 'string' ? body.orderLinkId : '';
    if (orderLinkId && !/^[A-Za-z0-9_-]{1,36}$/.test(orderLinkId)) {
      throw new RetCodeError(10001, 'params error: orderLinkId invalid');
    }
    if (orderLinkId && this.orders.some((o) => o.orderLinkId === orderLinkId)) {
      throw spot ? new RetCodeError(170141, 'Duplicate clientOrderId.') : new RetCodeError(110072, 'OrderLinkedID is duplicate');
    }
    let price = ZERO;
    if (orderType === 'Limit') {
      price = decimalField(body.price, 'price');
      if (!price.mod(cfg.tickSize).isZero()) {
        throw spot ? new RetCodeError(170134, 'Order price has too many decimals.') : new RetCodeError(10001, 'params error: price not a multiple of tickSize');
      }
    }
    const marketUnit = typeof body.marketUnit === 'string' ? body.marketUnit : spot && side === 'Buy' && orderType === 'Market' ? 'quoteCoin' : 'baseCoin';
    const baseQty = marketUnit === 'quoteCoin' ? qty.div(this.price).toDecimalPlaces(new Decimal(cfg.qtyStep).decimalPlaces(), Decimal.ROUND_DOWN) : qty;
    if (marketUnit !== 'quoteCoin' && !closeAll) {
      if (!qty.mod(cfg.qtyStep).isZero()) {
        throw spot ? new RetCodeError(170137, 'Order quantity has too many decimals.') : new RetCodeError(110017, 'orderQty will be truncated to zero.');
      }
      if (qty.lt(cfg.minOrderQty)) {
        throw spot ? new RetCodeError(170136, 'Order quantity is lower than the minimum.') : new RetCodeError(10001, 'The number of contracts below min order qty.');
      }
      if (qty.gt(cfg.maxOrderQty)) throw new RetCodeError(10001, 'The number of contracts exceeds maximum limit allowed');
    }
    const refPrice = orderType === 'Limit' ? price : this.price;
    const notional = baseQty.mul(refPrice);
    if (!reduceOnly && notional.lt(cfg.minNotional)) {
      throw spot ? new RetCodeError(170140, 'Order value exceeded lower limit.') : new RetCodeError(110094, 'Order does not meet minimum order value 5USDT');
    }
    const takeProfit = body.takeProfit === undefined ? ZERO : decimalField(body.takeProfit, 'takeProfit');
    const stopLoss = body.stopLoss === undefined ? ZERO : decimalField(body.stopLoss, 'stopLoss');
    if (reduceOnly && (!takeProfit.isZero() || !stopLoss.isZero())) {
      throw new RetCodeError(10001, 'TP/SL cannot be set on a reduce-only order');
    }
    const triggerPrice = body.triggerPrice === undefined || body.triggerPrice === '' ? ZERO : decimalField(body.triggerPrice, 'triggerPrice');
    const triggerDirection = triggerPrice.isZero() ? 0 : Number(body.triggerDirection);
    if (!triggerPrice.isZero() && !spot) this.checkTrigger(triggerPrice, triggerDirection);
    if (!spot && !reduceOnly && this.strict.entryStops) {
      // Bybit checks the levels against the price the order would fill at: the limit price, the
      // trigger of a conditional order, else the last price.
      const base = orderType === 'Limit' ? price : !triggerPrice.isZero() ? triggerPrice : this.price;
      checkEntryLevel('sl', stopLoss, side, base);
      checkEntryLevel('tp', takeProfit, side, base);
    }
    if (spot) {
      if (side === 'Buy' && notional.gt(this.quoteBalance)) throw new RetCodeError(170131, 'Insufficient balance.');
      if (side === 'Sell' && baseQty.gt(this.baseBalance)) throw new RetCodeError(170131, 'Insufficient balance.');
    } else if (reduceOnly) {
      if (this.position.size.isZero() || this.position.side === side) {
        throw new RetCodeError(110017, 'current position is zero, cannot fix reduce-only order qty');
      }
    } else if (triggerPrice.isZero() && this.increasesExposure(side) && notional.div(this.position.leverage).gt(this.availableBalance())) {
      throw new RetCodeError(110007, 'ab not enough for new order');
    }
    const t = this.now();
    const order: FakeOrder = {
      orderId: this.id('f1a2b3c4'),
      orderLinkId,
      side,
      orderType,
      qty: baseQty,
      price,
      timeInForce: orderType === 'Market' ? 'IOC' : typeof body.timeInForce === 'string' ? body.timeInForce : 'GTC',
      reduceOnly,
      takeProfit,
      stopLoss,
      tpslMode: !takeProfit.isZero() || !stopLoss.isZero() ? (typeof body.tpslMode === 'string' ? body.tpslMode : 'Full') : '',
      status: 'New',
      cumExecQty: ZERO,
      cumExecValue: ZERO,
      cumExecFee: ZERO,
      createType: 'CreateByUser',
      stopOrderType: '',
      cancelType: 'UNKNOWN',
      rejectReason: 'EC_NoError',
      marketUnit,
      triggerPrice,
      triggerDirection,
      closeOnTrigger: body.closeOnTrigger === true,
      createdTime: t,
      updatedTime: t,
    };
    if (!triggerPrice.isZero()) {
      // A conditional order waits, holding no margin, until the price reaches its trigger.
      order.status = 'Untriggered';
      order.stopOrderType = 'Stop';
      order.createType = 'CreateByStopOrder';
    }
    if (this.partialFillFraction !== undefined) order.firstFillFraction = this.partialFillFraction;
    this.orders.push(order);
    this.pushOrder(order);
    this.pushPosition();
    this.match(order, true);
    // Levels accepted with strictness off on the wrong side trigger at once.
    this.checkStops();
    return order;
  }

  amendOrder(body: Record<string, unknown>): FakeOrder {
    const order = this.findOrder(str(body.orderId), str(body.orderLinkId));
    if (!order || !OPEN.has(order.status)) {
      throw this.cfg.category === 'spot' ? new RetCodeError(170213, 'Order does not exist.') : new RetCodeError(110001, 'order not exists or too late to replace');
    }
    let changed = false;
    if (body.qty !== undefined) { order.qty = decimalField(body.qty, 'qty'); changed = true; }
    if (body.price !== undefined) { order.price = decimalField(body.price, 'price'); changed = true; }
    if (body.takeProfit !== undefined) { order.takeProfit = decimalField(body.takeProfit, 'takeProfit'); changed = true; }
    if (body.stopLoss !== undefined) { order.stopLoss = decimalField(body.stopLoss, 'stopLoss'); changed = true; }
    if (!changed) throw new RetCodeError(34040, 'Not modified');
    if (order.cumExecQty.gte(order.qty)) order.status = 'Filled';
    order.updatedTime = this.now();
    this.pushOrder(order);
    this.pushPosition();
    if (OPEN.has(order.status)) this.match(order, true);
    return order;
  }

  cancelOrder(body: Record<string, unknown>): FakeOrder {
    const order = this.findOrder(str(body.orderId), str(body.orderLinkId));
    if (!order || !OPEN.has(order.status)) {
      throw this.cfg.category === 'spot' ? new RetCodeError(170213, 'Order does not exist.') : new RetCodeError(110001, 'order not exists or too late to cancel');
    }
    this.cancel(order, 'CancelByUser');
    // Cancelling one of the position's TP/SL orders removes that level from the position.
    if (order.stopOrderType === 'StopLoss') this.position.stopLoss = ZERO;
    if (order.stopOrderType === 'TakeProfit') this.position.takeProfit = ZERO;
    if (order.stopOrderType === 'TrailingStop') this.position.trailingStop = ZERO;
    this.pushPosition();
    return order;
  }

  /**
   * Linear without orderFilter cancels every kind of order, the position's TP/SL and trailing stop
   * included (Bybit "Cancel All Orders"); orderFilter 'Order' only plain orders, 'StopOrder' only
   * conditional ones.
   */
  cancelAll(orderFilter?: string): FakeOrder[] {
    const open = this.openOrders().filter((o) =>
      orderFilter === 'Order' ? o.triggerPrice.isZero() && !isTpSl(o) : orderFilter === 'StopOrder' ? !o.triggerPrice.isZero() || isTpSl(o) : true);
    for (const o of open) this.cancel(o, 'CancelByUser');
    if (open.some(isTpSl)) {
      const p = this.position;
      for (const o of open) {
        if (o.stopOrderType === 'StopLoss') p.stopLoss = ZERO;
        if (o.stopOrderType === 'TakeProfit') p.takeProfit = ZERO;
        if (o.stopOrderType === 'TrailingStop') p.trailingStop = ZERO;
      }
    }
    if (open.length) this.pushPosition();
    return open;
  }

  private cancel(order: FakeOrder, cancelType: string, rejectReason = 'EC_NoError'): void {
    // A conditional order cancelled before it triggered ends Deactivated, not Cancelled.
    order.status = order.status === 'Untriggered' ? 'Deactivated' : 'Cancelled';
    order.cancelType = cancelType;
    order.rejectReason = rejectReason;
    order.updatedTime = this.now();
    this.pushOrder(order);
  }

  // ---- position settings ----------------------------------------------------------------------

  setTradingStop(body: Record<string, unknown>): void {
    const p = this.position;
    if (p.size.isZero()) throw new RetCodeError(10001, 'can not set tp/sl/ts for zero position');
    const tp = body.takeProfit === undefined ? p.takeProfit : decimalField(body.takeProfit, 'takeProfit');
    const sl = body.stopLoss === undefined ? p.stopLoss : decimalField(body.stopLoss, 'stopLoss');
    const ts = body.trailingStop === undefined ? p.trailingStop : decimalField(body.trailingStop, 'trailingStop');
    const ap = body.activePrice === undefined ? p.activePrice : decimalField(body.activePrice, 'activePrice');
    const long = p.side === 'Buy';
    // Bybit refuses a level the price is already past (it would trigger at once), and the whole
    // call with it: the other level in the same request is not set either.
    if (this.strict.tradingStop && !sl.eq(p.stopLoss) && !sl.isZero() && (long ? sl.gte(this.price) : sl.lte(this.price))) {
      throw new RetCodeError(10001, `StopLoss:${scaledPrice(sl)} set for ${long ? 'Buy' : 'Sell'} position should ${long ? 'lower' : 'greater'} than base_price:${scaledPrice(this.price)}??LastPrice`);
    }
    if (this.strict.tradingStop && !tp.eq(p.takeProfit) && !tp.isZero() && (long ? tp.lte(this.price) : tp.gte(this.price))) {
      throw new RetCodeError(10001, `TakeProfit:${scaledPrice(tp)} set for ${long ? 'Buy' : 'Sell'} position should ${long ? 'greater' : 'lower'} than base_price:${scaledPrice(this.price)}??LastPrice`);
    }
    if (tp.eq(p.takeProfit) && sl.eq(p.stopLoss) && ts.eq(p.trailingStop) && ap.eq(p.activePrice)) {
      throw new RetCodeError(34040, 'not modified');
    }
    if (!ts.eq(p.trailingStop)) p.trailAnchor = this.price;
    Object.assign(p, { takeProfit: tp, stopLoss: sl, trailingStop: ts, activePrice: ap, updatedTime: this.now(), seq: this.seq++ });
    this.pushPosition();
    this.syncTpSl();
    // Accepted with strictness off on a level already crossed: it triggers at once.
    this.checkStops();
  }

  setLeverage(body: Record<string, unknown>): void {
    const buy = decimalField(body.buyLeverage, 'buyLeverage');
    const sell = decimalField(body.sellLeverage, 'sellLeverage');
    if (!buy.eq(sell)) throw new RetCodeError(10001, 'buy leverage must equal sell leverage in one-way mode');
    if (buy.lt(1) || buy.gt(this.cfg.maxLeverage)) throw new RetCodeError(10001, `leverage invalid, must be 1..${this.cfg.maxLeverage}`);
    if (buy.eq(this.position.leverage)) throw new RetCodeError(110043, 'Set leverage not modified');
    this.position.leverage = buy;
    this.position.updatedTime = this.now();
    this.pushPosition();
  }

  // ---- prices and matching --------------------------------------------------------------------

  /** Move the last price: rests limit orders that are touched, then position stops. */
  setPrice(p: number | string | Decimal): void {
    this.price = new Decimal(p);
    for (const o of this.openOrders()) if (!isTpSl(o)) this.match(o, false);
    this.checkStops();
    this.updateTrailAnchor();
  }

  private match(order: FakeOrder, onCreate: boolean): void {
    if (order.status === 'Untriggered') {
      if (isTpSl(order) || !this.crossed(order.triggerPrice, order.triggerDirection)) return;
      // Untriggered → Triggered (an instant) → New: from here it is an ordinary order.
      this.trigger(order);
      onCreate = true;
    }
    if (!OPEN.has(order.status)) return;
    const px = this.price;
    if (order.orderType === 'Market') {
      this.fill(order, px, false);
      if (OPEN.has(order.status)) {
        // IOC: whatever didn't fill now is cancelled, keeping the fills.
        this.cancel(order, 'UNKNOWN', 'EC_NoImmediateQtyToFill');
        if (this.cfg.category === 'spot') { order.status = 'PartiallyFilledCanceled'; this.pushOrder(order); }
      }
      return;
    }
    const touches = order.side === 'Buy' ? px.lte(order.price) : px.gte(order.price);
    if (!touches) return;
    if (onCreate && order.timeInForce === 'PostOnly') {
      this.cancel(order, 'UNKNOWN', 'EC_PostOnlyWillTakeLiquidity');
      return;
    }
    // A marketable limit takes at the current price; a resting one fills at its own price.
    this.fill(order, onCreate ? px : order.price, !onCreate);
  }

  private fill(order: FakeOrder, px: Decimal, isMaker: boolean, execType = 'Trade'): void {
    const leaves = order.qty.sub(order.cumExecQty);
    let qty = leaves;
    if (order.firstFillFraction !== undefined) {
      qty = order.qty.mul(order.firstFillFraction).toDecimalPlaces(new Decimal(this.cfg.qtyStep).decimalPlaces(), Decimal.ROUND_DOWN);
      delete order.firstFillFraction;
      if (qty.lte(0)) return;
    }
    if (order.reduceOnly) qty = Decimal.min(qty, this.position.size);
    if (qty.lte(0)) return;
    const value = qty.mul(px);
    // A liquidation takeover or an ADL fills at the bankruptcy price, with no trading fee on top.
    const feeRate = execType !== 'Trade' ? ZERO : new Decimal(isMaker ? this.cfg.makerFeeRate : this.cfg.takerFeeRate);
    const fee = value.mul(feeRate);
    order.cumExecQty = order.cumExecQty.add(qty);
    order.cumExecValue = order.cumExecValue.add(value);
    order.cumExecFee = order.cumExecFee.add(fee);
    order.status = order.cumExecQty.gte(order.qty) ? 'Filled' : 'PartiallyFilled';
    order.updatedTime = this.now();
    const closedSize = this.applyToPosition(order, qty, px, fee);
    const exec: FakeExecution = {
      execId: this.id('e0cbe81d'), orderId: order.orderId, orderLinkId: order.orderLinkId, side: order.side,
      orderType: order.orderType, stopOrderType: order.stopOrderType || 'UNKNOWN', orderPrice: order.price,
      orderQty: order.qty, leavesQty: order.qty.sub(order.cumExecQty), execPrice: px, execQty: qty, execValue: value,
      execFee: fee, feeRate, isMaker, closedSize, execTime: this.now(), seq: this.seq++, execType, createType: order.createType,
    };
    this.executions.push(exec);
    this.push('execution', [this.execView(exec)]);
    this.pushOrder(order);
    this.pushPosition();
    this.push('wallet', [this.walletView()]);
    this.syncTpSl();
  }

  /** Returns the closed size. */
  private applyToPosition(order: FakeOrder, qty: Decimal, px: Decimal, fee: Decimal): Decimal {
    if (this.cfg.category === 'spot') {
      if (order.side === 'Buy') { this.baseBalance = this.baseBalance.add(qty); this.quoteBalance = this.quoteBalance.sub(qty.mul(px)).sub(fee); }
      else { this.baseBalance = this.baseBalance.sub(qty); this.quoteBalance = this.quoteBalance.add(qty.mul(px)).sub(fee); }
      return ZERO;
    }
    const p = this.position;
    this.quoteBalance = this.quoteBalance.sub(fee);
    let closed = ZERO;
    let rest = qty;
    if (p.side !== '' && p.side !== order.side) {
      closed = Decimal.min(p.size, qty);
      const dir = p.side === 'Buy' ? 1 : -1;
      const pnl = px.sub(p.avgPrice).mul(closed).mul(dir);
      this.quoteBalance = this.quoteBalance.add(pnl);
      p.cumRealisedPnl = p.cumRealisedPnl.add(pnl).sub(fee);
      p.size = p.size.sub(closed);
      rest = qty.sub(closed);
      if (p.size.isZero()) {
        this.position = this.flatPosition(p.leverage);
        this.cancelStopsOfClosedPosition();
      }
    }
    const q = this.position;
    if (rest.gt(0)) {
      const newSize = q.size.add(rest);
      q.avgPrice = q.avgPrice.mul(q.size).add(px.mul(rest)).div(newSize);
      if (q.side === '') { q.createdTime = this.now(); q.side = order.side; }
      q.size = newSize;
    }
    // Full-mode TP/SL from the entry order become the position's stops once it exists.
    if (!order.reduceOnly && q.side === order.side && order.tpslMode === 'Full' && !this.ignoreEntryTpSl) {
      if (!order.takeProfit.isZero()) q.takeProfit = order.takeProfit;
      if (!order.stopLoss.isZero()) q.stopLoss = order.stopLoss;
    }
    q.updatedTime = this.now();
    q.seq = this.seq++;
    return closed;
  }

  private cancelStopsOfClosedPosition(): void {
    // Bybit cancels reduce-only orders that no longer have a position to reduce; the position's own
    // TP/SL orders are deactivated by syncTpSl.
    for (const o of this.openOrders()) if (o.reduceOnly && !isTpSl(o)) this.cancel(o, 'CancelByReduceOnly');
  }

  private checkStops(): void {
    const p = this.position;
    if (p.size.isZero() || this.cfg.category === 'spot') return;
    const px = this.price;
    const long = p.side === 'Buy';
    let trigger: TpSlKind | undefined;
    if (!p.stopLoss.isZero() && (long ? px.lte(p.stopLoss) : px.gte(p.stopLoss))) trigger = 'StopLoss';
    else if (!p.takeProfit.isZero() && (long ? px.gte(p.takeProfit) : px.lte(p.takeProfit))) trigger = 'TakeProfit';
    else if (!p.trailingStop.isZero() && this.trailingActive()) {
      const stop = long ? p.trailAnchor.sub(p.trailingStop) : p.trailAnchor.add(p.trailingStop);
      if (long ? px.lte(stop) : px.gte(stop)) trigger = 'TrailingStop';
    }
    if (!trigger) return;
    let order = this.strict.tpslOrders ? this.openTpSl(trigger) : undefined;
    if (order) {
      order.qty = p.size;
      this.trigger(order);
    } else {
      const t = this.now();
      order = {
        orderId: this.id('5a5b5c5d'), orderLinkId: '', side: long ? 'Sell' : 'Buy', orderType: 'Market', qty: p.size,
        price: ZERO, timeInForce: 'IOC', reduceOnly: true, takeProfit: ZERO, stopLoss: ZERO, tpslMode: 'Full',
        status: 'New', cumExecQty: ZERO, cumExecValue: ZERO, cumExecFee: ZERO, createType: `CreateBy${trigger}`,
        stopOrderType: trigger, cancelType: 'UNKNOWN', rejectReason: 'EC_NoError', marketUnit: 'baseCoin',
        triggerPrice: ZERO, triggerDirection: 0, closeOnTrigger: true, createdTime: t, updatedTime: t,
      };
      this.orders.push(order);
    }
    const close = order;
    // The fill is final at once (REST shows it); with a lag its frames reach the stream later.
    if (this.stopFillLagMs > 0) this.deferPushes(this.stopFillLagMs, () => this.fill(close, px, false));
    else this.fill(order, px, false);
  }

  /** Untriggered → Triggered (pushed) → New, as Bybit moves a conditional order whose price came. */
  private trigger(order: FakeOrder): void {
    order.status = 'Triggered';
    order.updatedTime = this.now();
    this.pushOrder(order);
    order.status = 'New';
  }

  private crossed(trigger: Decimal, direction: number): boolean {
    return direction === 1 ? this.price.gte(trigger) : this.price.lte(trigger);
  }

  /** Bybit's trigger-direction check for a new conditional order (error codes page: 110092 / 110093). */
  private checkTrigger(trigger: Decimal, direction: number): void {
    if (direction !== 1 && direction !== 2) throw new RetCodeError(10001, 'params error: TriggerDirection invalid');
    if (!this.strict.triggerDirection) return;
    if (direction === 1 && trigger.lte(this.price)) {
      throw new RetCodeError(110092, `expect Rising, but trigger_price[${scaledPrice(trigger)}] <= current[${scaledPrice(this.price)}]??LastPrice`);
    }
    if (direction === 2 && trigger.gte(this.price)) {
      throw new RetCodeError(110093, `expect Falling, but trigger_price[${scaledPrice(trigger)}] >= current[${scaledPrice(this.price)}]??LastPrice`);
    }
  }

  private openTpSl(kind: TpSlKind): FakeOrder | undefined {
    return this.orders.find((o) => o.stopOrderType === kind && o.status === 'Untriggered');
  }

  /**
   * The position's TP/SL/trailing conditional orders follow its levels and size: created when a
   * level is set, re-priced in place (same orderId) when it moves, Deactivated when it is removed
   * or the position closes (cancelType CancelByTpSlTsClear).
   */
  private syncTpSl(): void {
    if (!this.strict.tpslOrders || this.cfg.category === 'spot') return;
    const p = this.position;
    const open = !p.size.isZero();
    const long = p.side === 'Buy';
    for (const kind of ['StopLoss', 'TakeProfit', 'TrailingStop'] as const) {
      const level = kind === 'StopLoss' ? p.stopLoss : kind === 'TakeProfit' ? p.takeProfit : this.trailingLevel();
      const existing = this.openTpSl(kind);
      if (!open || level.isZero()) {
        if (existing) this.cancel(existing, open ? 'CancelByUser' : 'CancelByTpSlTsClear');
        continue;
      }
      // A long's stop triggers on a fall, its target on a rise.
      const direction = (kind === 'TakeProfit') === long ? 1 : 2;
      if (existing) {
        if (existing.triggerPrice.eq(level) && existing.qty.eq(p.size) && existing.triggerDirection === direction) continue;
        Object.assign(existing, { triggerPrice: level, qty: p.size, triggerDirection: direction, side: long ? 'Sell' : 'Buy', updatedTime: this.now() });
        this.pushOrder(existing);
        continue;
      }
      const t = this.now();
      const order: FakeOrder = {
        orderId: this.id('5a5b5c5d'), orderLinkId: '', side: long ? 'Sell' : 'Buy', orderType: 'Market', qty: p.size,
        price: ZERO, timeInForce: 'IOC', reduceOnly: true, takeProfit: ZERO, stopLoss: ZERO, tpslMode: 'Full',
        status: 'Untriggered', cumExecQty: ZERO, cumExecValue: ZERO, cumExecFee: ZERO, createType: `CreateBy${kind}`,
        stopOrderType: kind, cancelType: 'UNKNOWN', rejectReason: 'EC_NoError', marketUnit: 'baseCoin',
        triggerPrice: level, triggerDirection: direction, closeOnTrigger: true, createdTime: t, updatedTime: t,
      };
      this.orders.push(order);
      this.pushOrder(order);
    }
  }

  /** The trailing stop's trigger: its activation price until active, then anchor ∓ distance. */
  private trailingLevel(): Decimal {
    const p = this.position;
    if (p.trailingStop.isZero()) return ZERO;
    if (!this.trailingActive()) return p.activePrice;
    return p.side === 'Buy' ? p.trailAnchor.sub(p.trailingStop) : p.trailAnchor.add(p.trailingStop);
  }

  private trailingActive(): boolean {
    const p = this.position;
    if (p.activePrice.isZero()) return true;
    return p.side === 'Buy' ? p.trailAnchor.gte(p.activePrice) : p.trailAnchor.lte(p.activePrice);
  }

  private updateTrailAnchor(): void {
    const p = this.position;
    if (p.trailingStop.isZero() || p.size.isZero()) return;
    p.trailAnchor = p.side === 'Buy' ? Decimal.max(p.trailAnchor, this.price) : Decimal.min(p.trailAnchor, this.price);
    this.syncTpSl();
  }

  // ---- what the exchange does on its own (risk.ts) --------------------------------------------

  /**
   * Bybit closes (part of) the position itself: a liquidation takeover (BustTrade, the whole
   * position, createType CreateByTakeOver_PassThrough) or auto-deleveraging (AdlTrade, often
   * partial, CreateByAdl_PassThrough), at `price` (the bankruptcy price), without an orderLinkId.
   */
  systemClose(execType: 'BustTrade' | 'AdlTrade', qty: Decimal, price: Decimal): FakeOrder {
    const p = this.position;
    if (p.size.isZero()) throw new Error('systemClose: no position');
    const t = this.now();
    const order: FakeOrder = {
      orderId: this.id(execType === 'BustTrade' ? '1b1b1b1b' : 'ad1ad1ad'), orderLinkId: '', side: p.side === 'Buy' ? 'Sell' : 'Buy',
      orderType: 'Market', qty: Decimal.min(qty, p.size), price, timeInForce: 'IOC', reduceOnly: true, takeProfit: ZERO, stopLoss: ZERO,
      tpslMode: '', status: 'New', cumExecQty: ZERO, cumExecValue: ZERO, cumExecFee: ZERO,
      createType: execType === 'BustTrade' ? 'CreateByTakeOver_PassThrough' : 'CreateByAdl_PassThrough',
      stopOrderType: '', cancelType: 'UNKNOWN', rejectReason: 'EC_NoError', marketUnit: 'baseCoin',
      triggerPrice: ZERO, triggerDirection: 0, closeOnTrigger: true, createdTime: t, updatedTime: t,
    };
    this.orders.push(order);
    this.price = price;
    this.fill(order, price, false, execType);
    return order;
  }

  /**
   * A funding settlement on the open position (Bybit's Funding execution: no order, execQty the
   * position size, execPrice the mark price, execFee what was paid; negative when received).
   * A positive rate: longs pay shorts.
   */
  fund(rate: Decimal): FakeExecution | undefined {
    const p = this.position;
    if (p.size.isZero()) return undefined;
    const value = p.size.mul(this.price);
    const fee = value.mul(rate).mul(p.side === 'Buy' ? 1 : -1);
    this.quoteBalance = this.quoteBalance.sub(fee);
    p.cumRealisedPnl = p.cumRealisedPnl.sub(fee);
    const exec: FakeExecution = {
      execId: this.id('f0f0f0f0'), orderId: '', orderLinkId: '', side: p.side as BSide, orderType: 'UNKNOWN', stopOrderType: 'UNKNOWN',
      orderPrice: ZERO, orderQty: ZERO, leavesQty: ZERO, execPrice: this.price, execQty: p.size, execValue: value, execFee: fee,
      feeRate: rate, isMaker: false, closedSize: ZERO, execTime: this.now(), seq: this.seq++, execType: 'Funding',
    };
    this.executions.push(exec);
    this.push('execution', [this.execView(exec)]);
    this.push('wallet', [this.walletView()]);
    return exec;
  }

  // ---- balances --------------------------------------------------------------------------------

  private increasesExposure(side: BSide): boolean {
    return this.position.side === '' || this.position.side === side;
  }

  private positionIM(): Decimal {
    return this.position.size.mul(this.position.avgPrice).div(this.position.leverage);
  }

  private ordersIM(): Decimal {
    let im = ZERO;
    for (const o of this.openOrders()) {
      if (o.reduceOnly || o.orderType !== 'Limit') continue;
      im = im.add(o.qty.sub(o.cumExecQty).mul(o.price).div(this.position.leverage));
    }
    return im;
  }

  unrealisedPnl(): Decimal {
    const p = this.position;
    if (p.size.isZero()) return ZERO;
    return this.price.sub(p.avgPrice).mul(p.size).mul(p.side === 'Buy' ? 1 : -1);
  }

  availableBalance(): Decimal {
    if (this.cfg.category === 'spot') return this.quoteBalance;
    return this.quoteBalance.add(Decimal.min(this.unrealisedPnl(), 0)).sub(this.positionIM()).sub(this.ordersIM());
  }

  // ---- wire views ------------------------------------------------------------------------------

  orderView(o: FakeOrder): Record<string, unknown> {
    const avg = o.cumExecQty.isZero() ? '0' : o.cumExecValue.div(o.cumExecQty).toString();
    return {
      orderId: o.orderId, orderLinkId: o.orderLinkId, blockTradeId: '', symbol: this.cfg.symbol,
      price: o.price.toString(), qty: o.qty.toString(), side: o.side, isLeverage: '', positionIdx: 0,
      orderStatus: o.status, createType: o.createType, cancelType: o.cancelType, rejectReason: o.rejectReason,
      avgPrice: avg, leavesQty: OPEN.has(o.status) ? o.qty.sub(o.cumExecQty).toString() : '0',
      leavesValue: OPEN.has(o.status) ? o.qty.sub(o.cumExecQty).mul(o.price).toString() : '0',
      cumExecQty: o.cumExecQty.toString(), cumExecValue: o.cumExecValue.toString(), cumExecFee: o.cumExecFee.toString(),
      cumFeeDetail: { [this.cfg.quoteCoin]: o.cumExecFee.toString() },
      timeInForce: o.timeInForce, orderType: o.orderType, stopOrderType: o.stopOrderType || 'UNKNOWN', orderIv: '',
      marketUnit: this.cfg.category === 'spot' ? o.marketUnit : '', triggerPrice: o.triggerPrice.toString(), takeProfit: o.takeProfit.toString(),
      stopLoss: o.stopLoss.toString(), tpslMode: o.tpslMode, tpLimitPrice: '', slLimitPrice: '',
      tpTriggerBy: o.takeProfit.isZero() ? '' : 'LastPrice', slTriggerBy: o.stopLoss.isZero() ? '' : 'LastPrice',
      triggerDirection: o.triggerDirection, triggerBy: o.triggerDirection ? 'LastPrice' : 'UNKNOWN', lastPriceOnCreated: this.price.toString(), reduceOnly: o.reduceOnly,
      closeOnTrigger: o.closeOnTrigger, placeType: '', smpType: 'None', smpGroup: 0, smpOrderId: '',
      createdTime: String(o.createdTime), updatedTime: String(o.updatedTime),
    };
  }

  execView(e: FakeExecution): Record<string, unknown> {
    return {
      category: this.cfg.category, symbol: this.cfg.symbol, isLeverage: '', orderId: e.orderId, orderLinkId: e.orderLinkId,
      side: e.side, orderPrice: e.orderPrice.toString(), orderQty: e.orderQty.toString(), leavesQty: e.leavesQty.toString(),
      createType: e.createType ?? (e.execType === 'Funding' ? '' : 'CreateByUser'), orderType: e.orderType, stopOrderType: e.stopOrderType, execFee: e.execFee.toString(),
      feeCurrency: this.cfg.quoteCoin, execId: e.execId, execPrice: e.execPrice.toString(), execQty: e.execQty.toString(),
      execPnl: '0', execType: e.execType ?? 'Trade', execValue: e.execValue.toString(), execTime: String(e.execTime), isMaker: e.isMaker,
      feeRate: e.feeRate.toString(), tradeIv: '', markIv: '', markPrice: this.price.toString(), indexPrice: '',
      underlyingPrice: '', blockTradeId: '', closedSize: e.closedSize.toString(), extraFees: '', seq: e.seq, marketUnit: '',
    };
  }

  /** REST shape (avgPrice); the WS topic adds entryPrice. */
  positionView(): Record<string, unknown> {
    const p = this.position;
    const value = p.size.mul(p.avgPrice);
    return {
      positionIdx: 0, riskId: 1, riskLimitValue: '2000000', symbol: this.cfg.symbol, side: p.side, size: p.size.toString(),
      avgPrice: p.avgPrice.toString(), positionValue: value.toString(), tradeMode: 0, positionStatus: 'Normal',
      autoAddMargin: 0, adlRankIndicator: p.size.isZero() ? 0 : 2, leverage: p.leverage.toString(), breakEvenPrice: '',
      positionBalance: value.div(p.leverage).toString(), markPrice: this.price.toString(), liqPrice: '', bustPrice: '',
      positionMM: '0', positionMMByMp: '0', positionIM: value.div(p.leverage).toString(), positionIMByMp: '0',
      tpslMode: 'Full', takeProfit: p.takeProfit.toString(), stopLoss: p.stopLoss.toString(),
      trailingStop: p.trailingStop.toString(), unrealisedPnl: this.unrealisedPnl().toString(), curRealisedPnl: '0',
      cumRealisedPnl: p.cumRealisedPnl.toString(), seq: p.seq, isReduceOnly: false, mmrSysUpdatedTime: '',
      leverageSysUpdatedTime: '', sessionAvgPrice: '', createdTime: String(p.createdTime),
      updatedTime: String(p.updatedTime), openTime: 0,
    };
  }

  walletView(): Record<string, unknown> {
    const upl = this.unrealisedPnl();
    const equity = this.quoteBalance.add(upl);
    const coin = (name: string, bal: Decimal, pnl: Decimal) => ({
      coin: name, equity: bal.add(pnl).toString(), usdValue: bal.add(pnl).toString(), walletBalance: bal.toString(), locked: '0',
      spotHedgingQty: '0', borrowAmount: '0', availableToBorrow: '0', accruedInterest: '0', totalOrderIM: '0',
      totalPositionIM: '0', totalPositionMM: '0', unrealisedPnl: pnl.toString(), cumRealisedPnl: '0', bonus: '0',
      collateralSwitch: true, marginCollateral: true, spotBorrow: '0', availableToWithdraw: '', free: '',
    });
    const coins = [coin(this.cfg.quoteCoin, this.quoteBalance, upl)];
    if (this.cfg.category === 'spot') coins.push(coin(this.cfg.baseCoin, this.baseBalance, ZERO));
    return {
      accountType: 'UNIFIED', totalEquity: equity.toString(), accountIMRate: '0', accountMMRate: '0',
      accountIMRateByMp: '0', accountMMRateByMp: '0', totalInitialMarginByMp: '0', totalMaintenanceMarginByMp: '0',
      totalMarginBalance: equity.toString(), totalInitialMargin: this.positionIM().toString(),
      totalAvailableBalance: this.availableBalance().toString(), totalPerpUPL: upl.toString(),
      totalWalletBalance: this.quoteBalance.toString(), accountLTV: '0', totalMaintenanceMargin: '0', coin: coins,
    };
  }

  private pushOrder(o: FakeOrder): void {
    this.push('order', [{ category: this.cfg.category, ...this.orderView(o), closedPnl: '0', feeCurrency: this.cfg.quoteCoin }]);
  }

  private pushPosition(): void {
    if (this.cfg.category === 'spot') return;
    const v = this.positionView();
    this.push('position', [{ category: 'linear', ...v, entryPrice: v.avgPrice }]);
  }
}

function isTpSl(o: FakeOrder): boolean {
  return o.stopOrderType === 'StopLoss' || o.stopOrderType === 'TakeProfit' || o.stopOrderType === 'TrailingStop';
}

/**
 * create-order's stop-loss / take-profit must lie on the protective side of the price the order
 * fills at; otherwise Bybit refuses the whole order (10001, e.g. "sl:257970000 set for Sell
 * position should greater base_price:259477000??LastPrice", ccxt/ccxt#19089).
 */
function checkEntryLevel(which: 'sl' | 'tp', level: Decimal, side: BSide, base: Decimal): void {
  if (level.isZero()) return;
  const buy = side === 'Buy';
  const below = (which === 'sl') === buy;
  if (below ? level.lt(base) : level.gt(base)) return;
  throw new RetCodeError(10001, `${which}:${scaledPrice(level)} set for ${side} position should ${below ? 'lower' : 'greater'} base_price:${scaledPrice(base)}??LastPrice`);
}

function str(x: unknown): string | undefined {
  return typeof x === 'string' && x !== '' ? x : undefined;
}

function decimalField(x: unknown, name: string): Decimal {
  if (typeof x !== 'string' || !/^\d+(\.\d+)?$/.test(x)) {
    throw new RetCodeError(10001, `params error: ${name} must be a decimal string`);
  }
  return new Decimal(x);
}

// Bybit wire objects (strings for every number) → the Venue's typed values. Each parser throws
// MalformedError on anything it doesn't recognise, so callers can count and skip bad pushes.
import { Decimal } from 'decimal.js';
import type { Candle } from '../../market/candle.ts';
import type { InstrumentRules } from '../../market/instrument.ts';
import type { Equity, Fill, FillKind, OrderState, OrderStatus, PositionState } from '../venue.ts';

export class MalformedError extends Error {
  constructor(readonly kind: string, detail: string) {
    super(`${kind}: ${detail}`);
    this.name = 'MalformedError';
  }
}

type Obj = Record<string, unknown>;

export function obj(x: unknown, kind: string): Obj {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new MalformedError(kind, 'not an object');
  return x as Obj;
}

const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

function dec(o: Obj, field: string, kind: string): Decimal {
  const v = o[field];
  if (typeof v !== 'string' || !DECIMAL_TEXT.test(v)) throw new MalformedError(kind, `${field} is not a decimal string`);
  return new Decimal(v);
}

/** '' / '0' / '0.00' / absent mean "not set" on Bybit. */
function optionalPrice(o: Obj, field: string, kind: string): Decimal | undefined {
  const v = o[field];
  if (v === undefined || v === null || v === '') return undefined;
  const d = dec(o, field, kind);
  return d.isZero() ? undefined : d;
}

function str(o: Obj, field: string, kind: string): string {
  const v = o[field];
  if (typeof v !== 'string') throw new MalformedError(kind, `${field} is not a string`);
  return v;
}

function ms(o: Obj, field: string, kind: string): number {
  const v = o[field];
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new MalformedError(kind, `${field} is not a timestamp`);
  return n;
}

function side(o: Obj, kind: string): 'buy' | 'sell' {
  const s = o.side;
  if (s === 'Buy') return 'buy';
  if (s === 'Sell') return 'sell';
  throw new MalformedError(kind, 'side is not Buy/Sell');
}

const STATUS: Record<string, OrderStatus> = {
  New: 'New',
  Created: 'New',
  Active: 'New',
  PartiallyFilled: 'PartiallyFilled',
  Filled: 'Filled',
  Cancelled: 'Cancelled',
  // Spot's "partially filled, rest cancelled": the fills are in filledQty.
  PartiallyFilledCanceled: 'Cancelled',
  Rejected: 'Rejected',
  Untriggered: 'Untriggered',
  Triggered: 'Triggered',
  Deactivated: 'Deactivated',
};

const ORIGIN: Record<string, OrderState['origin']> = {
  CreateByUser: 'user',
  CreateByStopLoss: 'stopLoss',
  CreateByPartialStopLoss: 'stopLoss',
  CreateByTakeProfit: 'takeProfit',
  CreateByPartialTakeProfit: 'takeProfit',
  CreateByTrailingStop: 'trailingStop',
  // Liquidation: laddered (CreateByLiq) or taken over at the bankruptcy price (BustTrade).
  CreateByLiq: 'liquidation',
  CreateByTakeOver_PassThrough: 'liquidation',
  CreateByAdl_PassThrough: 'adl',
};

/** docs/v5/enum.mdx#exectype */
const EXEC_KIND: Record<string, FillKind> = { Trade: 'trade', BustTrade: 'liquidation', AdlTrade: 'adl', Funding: 'funding' };

/** A position's own TP/SL orders may show `CreateByUser`; their stopOrderType says what they are. */
const STOP_ORIGIN: Record<string, OrderState['origin']> = {
  StopLoss: 'stopLoss',
  PartialStopLoss: 'stopLoss',
  TakeProfit: 'takeProfit',
  PartialTakeProfit: 'takeProfit',
  TrailingStop: 'trailingStop',
};

export function parseOrder(x: unknown): OrderState {
  const K = 'order';
  const o = obj(x, K);
  const status = STATUS[str(o, 'orderStatus', K)];
  if (!status) throw new MalformedError(K, `unknown orderStatus "${String(o.orderStatus)}"`);
  const orderType = o.orderType === 'Market' ? 'market' : o.orderType === 'Limit' ? 'limit' : undefined;
  if (!orderType) throw new MalformedError(K, 'orderType is not Market/Limit');
  const filledQty = dec(o, 'cumExecQty', K);
  const createType = typeof o.createType === 'string' ? o.createType : 'CreateByUser';
  const reject = typeof o.rejectReason === 'string' && o.rejectReason !== 'EC_NoError' ? o.rejectReason : undefined;
  const cancel = typeof o.cancelType === 'string' && o.cancelType !== 'UNKNOWN' ? o.cancelType : undefined;
  const state: OrderState = {
    orderLinkId: str(o, 'orderLinkId', K),
    orderId: str(o, 'orderId', K),
    side: side(o, K),
    type: orderType,
    status,
    qty: dec(o, 'qty', K),
    filledQty,
    fee: o.cumExecFee === undefined || o.cumExecFee === '' ? new Decimal(0) : dec(o, 'cumExecFee', K),
    reduceOnly: o.reduceOnly === true,
    origin: STOP_ORIGIN[String(o.stopOrderType)] ?? ORIGIN[createType] ?? (createType.startsWith('CreateBy') ? 'other' : 'user'),
    createdAt: ms(o, 'createdTime', K),
    updatedAt: ms(o, 'updatedTime', K),
  };
  const price = orderType === 'limit' ? optionalPrice(o, 'price', K) : undefined;
  if (price) state.price = price;
  const avg = filledQty.isZero() ? undefined : optionalPrice(o, 'avgPrice', K);
  if (avg) state.avgFillPrice = avg;
  const sl = optionalPrice(o, 'stopLoss', K);
  if (sl) state.stopLoss = sl;
  const tp = optionalPrice(o, 'takeProfit', K);
  if (tp) state.takeProfit = tp;
  const reason = reject ?? cancel;
  if (reason) state.reason = reason;
  return state;
}

export function parseFill(x: unknown): Fill {
  const K = 'execution';
  const o = obj(x, K);
  return {
    execId: str(o, 'execId', K),
    orderId: str(o, 'orderId', K),
    orderLinkId: typeof o.orderLinkId === 'string' ? o.orderLinkId : '',
    side: side(o, K),
    price: dec(o, 'execPrice', K),
    qty: dec(o, 'execQty', K),
    fee: o.execFee === '' ? new Decimal(0) : dec(o, 'execFee', K),
    feeCurrency: typeof o.feeCurrency === 'string' ? o.feeCurrency : '',
    isMaker: o.isMaker === true,
    time: ms(o, 'execTime', K),
    kind: typeof o.execType === 'string' ? EXEC_KIND[o.execType] ?? 'other' : 'trade',
    ...(typeof o.createType === 'string' && ORIGIN[o.createType] ? { origin: ORIGIN[o.createType] } : {}),
  };
}

/** REST rows carry `avgPrice`, WS pushes `entryPrice`. */
export function parsePosition(x: unknown): PositionState {
  const K = 'position';
  const o = obj(x, K);
  const size = dec(o, 'size', K);
  const s = o.side;
  const posSide = size.isZero() || s === '' || s === 'None' ? 'flat' : s === 'Buy' ? 'long' : s === 'Sell' ? 'short' : undefined;
  if (!posSide) throw new MalformedError(K, 'side is not Buy/Sell/""');
  const priceField = o.avgPrice !== undefined ? 'avgPrice' : 'entryPrice';
  const avg = o[priceField] === '' || o[priceField] === undefined ? new Decimal(0) : dec(o, priceField, K);
  const p: PositionState = {
    side: posSide,
    size,
    avgPrice: posSide === 'flat' ? new Decimal(0) : avg,
    updatedAt: o.updatedTime === undefined || o.updatedTime === '' ? Date.now() : ms(o, 'updatedTime', K),
  };
  const sl = optionalPrice(o, 'stopLoss', K);
  if (sl) p.stopLoss = sl;
  const tp = optionalPrice(o, 'takeProfit', K);
  if (tp) p.takeProfit = tp;
  const ts = optionalPrice(o, 'trailingStop', K);
  if (ts) p.trailingStop = ts;
  const lev = optionalPrice(o, 'leverage', K);
  if (lev) p.leverage = lev;
  if (typeof o.unrealisedPnl === 'string' && DECIMAL_TEXT.test(o.unrealisedPnl)) p.unrealisedPnl = new Decimal(o.unrealisedPnl);
  return p;
}

/** One wallet-balance account entry → equity in `coin`. */
export function parseWallet(x: unknown, coin: string, time: number): Equity {
  const K = 'wallet';
  const o = obj(x, K);
  const coins = o.coin;
  if (!Array.isArray(coins)) throw new MalformedError(K, 'coin is not a list');
  const c = coins.map((e) => obj(e, K)).find((e) => e.coin === coin);
  if (!c) {
    const zero = new Decimal(0);
    return { coin, equity: zero, walletBalance: zero, available: zero, time };
  }
  const walletBalance = dec(c, 'walletBalance', K);
  const equity = c.equity === '' || c.equity === undefined ? walletBalance : dec(c, 'equity', K);
  const locked = typeof c.locked === 'string' && DECIMAL_TEXT.test(c.locked) ? new Decimal(c.locked) : new Decimal(0);
  // Unified accounts state spendable margin at account level; older shapes only per coin.
  const total = o.totalAvailableBalance;
  const available = typeof total === 'string' && DECIMAL_TEXT.test(total) ? new Decimal(total) : walletBalance.sub(locked);
  return { coin, equity, walletBalance, available, time };
}

/** A coin's wallet balance (spot holdings), 0 if absent. */
export function coinBalance(x: unknown, coin: string): Decimal {
  const o = obj(x, 'wallet');
  const coins = Array.isArray(o.coin) ? o.coin : [];
  for (const e of coins) {
    const c = obj(e, 'wallet');
    if (c.coin === coin) return dec(c, 'walletBalance', 'wallet');
  }
  return new Decimal(0);
}

export function parseInstrument(x: unknown, category: 'linear' | 'spot'): InstrumentRules {
  const K = 'instrument';
  const o = obj(x, K);
  const pf = obj(o.priceFilter, K);
  const lf = obj(o.lotSizeFilter, K);
  if (category === 'spot') {
    const rules: InstrumentRules = {
      symbol: str(o, 'symbol', K),
      category,
      tickSize: dec(pf, 'tickSize', K),
      qtyStep: dec(lf, 'basePrecision', K),
      minQty: dec(lf, 'minOrderQty', K),
      minNotional: dec(lf, 'minOrderAmt', K),
    };
    const max = lf.maxMarketOrderQty ?? lf.maxOrderQty;
    if (typeof max === 'string' && DECIMAL_TEXT.test(max)) rules.maxQty = new Decimal(max);
    if (typeof o.status === 'string') rules.status = o.status;
    return rules;
  }
  const rules: InstrumentRules = {
    symbol: str(o, 'symbol', K),
    category,
    tickSize: dec(pf, 'tickSize', K),
    qtyStep: dec(lf, 'qtyStep', K),
    minQty: dec(lf, 'minOrderQty', K),
    minNotional: lf.minNotionalValue === undefined ? new Decimal(0) : dec(lf, 'minNotionalValue', K),
  };
  // Market orders have the lower ceiling; botctl's entries are mostly market orders.
  const max = lf.maxMktOrderQty ?? lf.maxOrderQty;
  if (typeof max === 'string' && DECIMAL_TEXT.test(max)) rules.maxQty = new Decimal(max);
  if (o.leverageFilter !== undefined) rules.maxLeverage = dec(obj(o.leverageFilter, K), 'maxLeverage', K);
  if (typeof o.status === 'string') rules.status = o.status;
  return rules;
}

/** REST kline row: [start, open, high, low, close, volume, turnover], all strings. */
export function parseKlineRow(x: unknown): Candle {
  if (!Array.isArray(x) || x.length < 6) throw new MalformedError('kline', 'row is not a 7-string array');
  const [s, o, h, l, c, v] = x as unknown[];
  return checkCandle({ start: num(s), open: num(o), high: num(h), low: num(l), close: num(c), volume: num(v) });
}

export interface StreamKline {
  candle: Candle;
  confirm: boolean;
  interval: string;
}

/** WS kline item: numeric start, string prices, boolean confirm. */
export function parseKlinePush(x: unknown): StreamKline {
  const o = obj(x, 'kline');
  if (typeof o.confirm !== 'boolean') throw new MalformedError('kline', 'confirm is not a boolean');
  if (typeof o.interval !== 'string') throw new MalformedError('kline', 'interval is not a string');
  const candle = checkCandle({
    start: typeof o.start === 'number' ? o.start : NaN,
    open: num(o.open),
    high: num(o.high),
    low: num(o.low),
    close: num(o.close),
    volume: num(o.volume),
  });
  return { candle, confirm: o.confirm, interval: o.interval };
}

function num(x: unknown): number {
  return typeof x === 'string' && DECIMAL_TEXT.test(x) ? Number(x) : NaN;
}

function checkCandle(c: Candle): Candle {
  if (!Number.isSafeInteger(c.start) || c.start < 0) throw new MalformedError('kline', 'start is not a timestamp');
  for (const k of ['open', 'high', 'low', 'close', 'volume'] as const) {
    if (!Number.isFinite(c[k]) || c[k] < 0) throw new MalformedError('kline', `${k} is not a number`);
  }
  if (c.high < c.low || c.high < Math.max(c.open, c.close) || c.low > Math.min(c.open, c.close)) {
    throw new MalformedError('kline', 'high/low do not bracket open/close');
  }
  return c;
}

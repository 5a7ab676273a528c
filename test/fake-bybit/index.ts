// A faithful loopback Bybit v5 (REST + WebSocket) for tests: the real bybit-api client talks to it
// over 127.0.0.1. One symbol, one category per instance. Tests drive prices and candles through
// the control API and inject faults per path or per socket.
//
//   const fake = await FakeBybit.start({ candles, interval: '1' });
//   new RestClientV5({ key: fake.apiKey, secret: fake.apiSecret, baseUrl: fake.restUrl }, { timeout: 500 });
//   ws base: fake.wsBase (+ '/v5/public/linear' | '/v5/public/spot' | '/v5/private')
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Decimal } from 'decimal.js';
import { intervalMs, type Candle, type Interval } from '../../engine/market/candle.ts';
import { FakeExchange, type ExchangeConfig, type FakeExecution, type FakeOrder, type Strictness } from './exchange.ts';
import { PushGate, type PushTiming } from './pushes.ts';
import { RetCodeError } from './exchange.ts';
import { NotFound, WRITES, handleRest, route, type Fault, type RecordedRequest } from './rest.ts';
import { RateLimits } from './limits.ts';
import { FakeAccount, type MarginMode, type PositionMode } from './account.ts';
import { FakeWs, type SocketKind, type SocketSelector, type TradeOp, type TradeOutcome, type TradeReply } from './ws.ts';

export type { Fault, PushTiming, RecordedRequest, SocketKind, SocketSelector, Strictness };

/**
 * Bybit does not order its private pushes against its replies: by default each write request's
 * pushes go before or after its reply, chosen by this seed (`pushTiming` to pin or re-seed).
 */
export const DEFAULT_PUSH_TIMING: PushTiming = { seed: 1 };

export interface FakeBybitOptions {
  category?: 'linear' | 'spot';
  symbol?: string;
  interval?: Interval;
  /** Closed candles known to the kline endpoint (any order). */
  candles?: Candle[];
  /** Starting last price; default: the last candle's close, else 50000. */
  price?: number | string;
  /** Quote-coin (USDT) wallet balance; default '10000'. */
  balance?: string;
  /** Spot: starting base-coin balance; default '0'. */
  baseBalance?: string;
  /** Current leverage on the symbol; default '10'. */
  leverage?: string;
  apiKey?: string;
  apiSecret?: string;
  /** The key may only read: writes get 10005. */
  readOnlyKey?: boolean;
  /** 'hedge': two positions per symbol (positionIdx 1/2); orders with positionIdx 0 are refused. Default one-way. */
  positionMode?: PositionMode;
  /** Default REGULAR_MARGIN (cross). */
  marginMode?: MarginMode;
  /** 1: classic account; 3..6: unified (default 6). */
  unifiedMarginStatus?: number;
  /** Overrides for the instrument's rules (strings, as on the wire). */
  instrument?: Partial<Pick<ExchangeConfig, 'tickSize' | 'qtyStep' | 'minOrderQty' | 'maxOrderQty' | 'minNotional' | 'maxLeverage'>>;
  /** When private pushes go out relative to the reply of the write that caused them (default DEFAULT_PUSH_TIMING). */
  pushTiming?: PushTiming;
}

export interface PushCandleOptions {
  /** true: the candle closed (final update); false: an in-progress update. Default true. */
  confirm?: boolean;
  /** Send the same frame twice. */
  duplicate?: boolean;
  /** Don't move the price through the candle's OHLC path. */
  keepPrice?: boolean;
}

export class FakeBybit {
  readonly restUrl: string;
  readonly wsBase: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly category: 'linear' | 'spot';
  readonly symbol: string;
  readonly interval: Interval;
  readonly exchange: FakeExchange;
  /** Every REST request received, in order. */
  readonly requests: RecordedRequest[] = [];
  /** Server clock = Date.now() + clockOffsetMs (negative: the server is behind the client). */
  clockOffsetMs = 0;
  /** Fault: trading-stop answers with this retCode instead of working. */
  tradingStopFault: { retCode: number; retMsg: string } | undefined;
  /** Per-endpoint rate limits (10006 with real headers) and the IP limit (HTTP 403 ban): limits.ts. */
  readonly limits = new RateLimits();
  /** Position mode, margin mode and account type (account.ts); tests may change them mid-run. */
  readonly account = new FakeAccount();
  /** instruments-info `status`: Trading, PreLaunch, Delivering, Closed (docs/v5/enum.mdx#status). */
  instrumentStatus = 'Trading';

  private readonly closed = new Map<number, Candle>();
  private open: Candle | undefined;
  private readonly faults = new Map<string, Array<{ fault: Fault; times: number }>>();
  private readonly hung = new Set<ServerResponse>();
  private closedDown = false;
  private readonly readOnlyKey: boolean;
  /** Private pushes go through it: before or after the reply of the write request that caused them. */
  private readonly pushes: PushGate;

  private constructor(
    private readonly server: Server,
    private readonly ws: FakeWs,
    opts: Required<Pick<FakeBybitOptions, 'apiKey' | 'apiSecret' | 'category' | 'symbol' | 'interval'>> & FakeBybitOptions,
    exchange: FakeExchange,
    pushes: PushGate,
  ) {
    const { port } = server.address() as AddressInfo;
    this.pushes = pushes;
    this.restUrl = `http://127.0.0.1:${port}`;
    this.wsBase = `ws://127.0.0.1:${port}`;
    this.apiKey = opts.apiKey;
    this.apiSecret = opts.apiSecret;
    this.category = opts.category;
    this.symbol = opts.symbol;
    this.interval = opts.interval;
    this.exchange = exchange;
    this.readOnlyKey = opts.readOnlyKey ?? false;
    if (opts.positionMode) this.account.positionMode = opts.positionMode;
    if (opts.marginMode) this.account.marginMode = opts.marginMode;
    if (opts.unifiedMarginStatus !== undefined) this.account.unifiedMarginStatus = opts.unifiedMarginStatus;
    for (const c of opts.candles ?? []) this.closed.set(c.start, c);
  }

  static async start(options: FakeBybitOptions = {}): Promise<FakeBybit> {
    const opts = {
      apiKey: 'fake-api-key',
      apiSecret: 'fake-api-secret',
      category: 'linear' as const,
      symbol: 'BTCUSDT',
      interval: '60' as Interval,
      ...options,
    };
    const spot = opts.category === 'spot';
    const cfg: ExchangeConfig = {
      category: opts.category,
      symbol: opts.symbol,
      baseCoin: opts.symbol.replace(/USDT$/, ''),
      quoteCoin: 'USDT',
      tickSize: spot ? '0.01' : '0.10',
      qtyStep: spot ? '0.000001' : '0.001',
      minOrderQty: spot ? '0.000048' : '0.001',
      maxOrderQty: spot ? '71.73956243' : '1190.000',
      minNotional: '5',
      maxLeverage: '100.00',
      takerFeeRate: spot ? '0.001' : '0.00055',
      makerFeeRate: spot ? '0.001' : '0.0002',
      ...opts.instrument,
    };
    const last = opts.candles?.length ? opts.candles.reduce((a, b) => (a.start > b.start ? a : b)).close : 50000;
    let self: FakeBybit | undefined;
    const now = () => Date.now() + (self?.clockOffsetMs ?? 0);
    const ws = new FakeWs({
      apiKey: opts.apiKey,
      apiSecret: opts.apiSecret,
      serverNow: now,
      trade: (op, body) => self?.tradeOp(op, body) ?? {},
    });
    const pushes = new PushGate();
    pushes.timing = opts.pushTiming ?? DEFAULT_PUSH_TIMING;
    const exchange = new FakeExchange(cfg, opts.price ?? last, opts.balance ?? '10000', opts.leverage ?? '10', now, (topic, data) =>
      pushes.send(() => ws.publishPrivate(topic, cfg.category, data)),
    );
    if (opts.baseBalance) exchange.baseBalance = new Decimal(opts.baseBalance);
    exchange.deferPushes = (ms, fill) => {
      const held = pushes.hold(fill);
      setTimeout(held.release, ms);
    };
    const server = createServer((req, res) => {
      if (!self) return;
      handleRest(self.restContext(), req, res).catch((e: unknown) => {
        res.writeHead(500);
        res.end(String(e));
      });
    });
    server.on('upgrade', (req, socket, head) => ws.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new FakeBybit(server, ws, opts, exchange, pushes);
    return self;
  }

  private restContext() {
    return {
      apiKey: this.apiKey,
      apiSecret: this.apiSecret,
      readOnly: this.readOnlyKey,
      exchange: this.exchange,
      serverNow: () => this.now(),
      klines: () => this.klines(),
      intervalMs: intervalMs(this.interval),
      interval: this.interval,
      instrumentItem: () => this.instrumentItem(),
      tickerItem: () => this.tickerItem(),
      takeFault: (path: string) => this.takeFault(path),
      record: (r: RecordedRequest) => this.requests.push(r),
      limits: this.limits,
      account: this.account,
      pushes: this.pushes,
      instrumentStatus: () => this.instrumentStatus,
      tradingStopFault: this.tradingStopFault,
      hung: this.hung,
    };
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /**
   * An order op from the WS trade socket: recorded under its REST path (method 'WS'), so
   * orderCreates() and requestsTo() see every attempt whichever way it came, and carried out by
   * the same matching engine. Per-path faults apply where a socket has an equivalent (retCode,
   * rate limit, delay, acceptThenHang, hang); HTTP-status faults are REST-only and stay queued.
   */
  private tradeOp(op: TradeOp, body: Record<string, unknown>): TradeOutcome {
    const path = `/v5/${op.replace('.', '/')}`;
    const rec: RecordedRequest = { method: 'WS', path, params: body, retCode: 0, httpStatus: 0, time: Date.now() };
    const fault = this.faults.get(path)?.[0]?.fault.kind === 'http' ? undefined : this.takeFault(path);
    if (fault?.kind === 'hang') {
      rec.retCode = -1;
      this.requests.push(rec);
      return {};
    }
    if (fault?.kind === 'retCode') {
      rec.retCode = fault.retCode;
      this.requests.push(rec);
      return { reply: { retCode: fault.retCode, retMsg: fault.retMsg, data: {} } };
    }
    this.requests.push(rec);
    if (fault?.kind === 'emptyAck') return { reply: { retCode: 0, retMsg: 'OK', data: { orderId: '', orderLinkId: '' } } };
    const limit = this.limits.take(path, this.now());
    if (limit?.exceeded) {
      rec.retCode = 10006;
      return { reply: { retCode: 10006, retMsg: 'Too many visits!', data: {}, header: RateLimits.headers(limit) } };
    }
    let replied = () => {};
    const run = (): TradeReply => {
      let reply: TradeReply;
      try {
        if (WRITES.has(path) && this.readOnlyKey) throw new RetCodeError(10005, 'Permission denied, please check your API key permissions.');
        const r = this.pushes.around(() => route(this.restContext(), 'POST', path, body));
        replied = r.replied;
        reply = { retCode: 0, retMsg: 'OK', data: r.value, header: RateLimits.headers(limit) };
      } catch (e) {
        if (e instanceof RetCodeError) reply = { retCode: e.retCode, retMsg: e.retMsg, data: {} };
        else if (e instanceof NotFound) reply = { retCode: 10001, retMsg: 'unknown op', data: {} };
        else throw e;
      }
      rec.retCode = reply.retCode;
      return reply;
    };
    if (fault?.kind === 'delay') return { later: { delayMs: fault.ms, run }, replied: () => replied() };
    const reply = run();
    if (fault?.kind === 'acceptThenHang') {
      rec.retCode = -1;
      replied();
      return {};
    }
    return { reply, replied: () => replied() };
  }

  // ---- market control --------------------------------------------------------------------------

  /** Known candles for the kline endpoint: closed ones plus the in-progress one, by start. */
  klines(): Candle[] {
    const all = new Map(this.closed);
    if (this.open && !all.has(this.open.start)) all.set(this.open.start, this.open);
    return [...all.values()].sort((a, b) => a.start - b.start);
  }

  /** Add closed candles to history without pushing them (as if they happened while nobody listened). */
  addCandles(candles: Candle[]): void {
    for (const c of candles) this.closed.set(c.start, c);
  }

  /**
   * Push a kline update on `kline.{interval}.{symbol}`: confirm=false is an in-progress update,
   * confirm=true the close (also recorded for the REST history). Moves the price through the
   * candle's path (open, then the nearer extreme, the other extreme, close) so resting orders and
   * TP/SL trigger as they would on the exchange. Returns how many sockets got it.
   */
  pushCandle(c: Candle, opts: PushCandleOptions = {}): number {
    const confirm = opts.confirm ?? true;
    if (confirm) {
      this.closed.set(c.start, c);
      if (this.open?.start === c.start) this.open = undefined;
    } else {
      // The stream moved on to a later candle: the one forming until now has closed (Bybit's
      // history has it, whether or not its confirm frame went out).
      if (this.open && this.open.start < c.start && !this.closed.has(this.open.start)) this.closed.set(this.open.start, this.open);
      this.open = c;
    }
    if (!opts.keepPrice) {
      const path = c.close >= c.open ? [c.open, c.low, c.high, c.close] : [c.open, c.high, c.low, c.close];
      for (const p of path) this.setPrice(p);
    }
    const step = intervalMs(this.interval);
    const ts = this.now();
    const data = [{
      start: c.start, end: c.start + step - 1, interval: this.interval, open: String(c.open), close: String(c.close),
      high: String(c.high), low: String(c.low), volume: String(c.volume), turnover: new Decimal(c.close).mul(c.volume).toString(),
      confirm, timestamp: ts,
    }];
    const topic = `kline.${this.interval}.${this.symbol}`;
    let n = this.ws.publishPublic(this.category, topic, data, ts);
    if (opts.duplicate) n += this.ws.publishPublic(this.category, topic, data, ts);
    return n;
  }

  /** Move the last price; resting orders and position stops react. */
  setPrice(p: number | string): void {
    this.exchange.setPrice(String(p));
  }

  /**
   * Bybit's liquidation engine takes the whole position over at `price`, its bankruptcy price
   * (execType BustTrade, createType CreateByTakeOver_PassThrough, no orderLinkId).
   */
  liquidate(price: number | string): void {
    this.exchange.systemClose('BustTrade', this.exchange.position.size, new Decimal(price));
  }

  /** Auto-deleveraging closes `qty` of the position at `price` (execType AdlTrade, CreateByAdl_PassThrough). */
  adl(qty: number | string, price: number | string): void {
    this.exchange.systemClose('AdlTrade', new Decimal(qty), new Decimal(price));
  }

  /** A funding settlement at `rate` on the open position (execType Funding; positive: longs pay shorts). */
  fund(rate: number | string): void {
    this.exchange.fund(new Decimal(rate));
  }

  // ---- faults ----------------------------------------------------------------------------------

  /** The next `times` requests to `path` (e.g. '/v5/order/create') get this fault. Queued in order. */
  inject(path: string, fault: Fault, times = 1): void {
    const q = this.faults.get(path) ?? [];
    q.push({ fault, times });
    this.faults.set(path, q);
  }

  httpError(path: string, status = 500, times = 1): void {
    this.inject(path, { kind: 'http', status }, times);
  }

  retCode(path: string, retCode: number, retMsg = 'injected', times = 1): void {
    this.inject(path, { kind: 'retCode', retCode, retMsg }, times);
  }

  rateLimit(path: string, times = 1): void {
    this.inject(path, { kind: 'retCode', retCode: 10006, retMsg: 'Too many visits!' }, times);
  }

  delay(path: string, ms: number, times = 1): void {
    this.inject(path, { kind: 'delay', ms }, times);
  }

  /** The request is carried out (e.g. the order is created) but no response is ever sent. */
  acceptThenHang(path: string, times = 1): void {
    this.inject(path, { kind: 'acceptThenHang' }, times);
  }

  /** The request is neither carried out nor answered. */
  hang(path: string, times = 1): void {
    this.inject(path, { kind: 'hang' }, times);
  }

  /** Ban this IP as Bybit does after too many requests: every REST request gets HTTP 403 for `ms`. */
  banIp(ms = 600_000): void {
    this.limits.bannedUntil = this.now() + ms;
  }

  /** retCode 0 with an empty orderId, and nothing carried out: an acknowledgement with no order behind it. */
  emptyAck(path = '/v5/order/create', times = 1): void {
    this.inject(path, { kind: 'emptyAck' }, times);
  }

  /** Where the fake is as strict as Bybit (all on by default); switch single checks off per test. */
  get strict(): Strictness {
    return this.exchange.strict;
  }

  /** A triggered TP/SL's fill frames reach the stream this long after its `Triggered` frame (default 0). */
  set stopFillLagMs(ms: number) {
    this.exchange.stopFillLagMs = ms;
  }

  /** Private pushes before or after the reply of the write that caused them; `{ seed }` mixes both, replayably. */
  set pushTiming(t: PushTiming) {
    this.pushes.timing = t;
  }

  /** How each write request's pushes went ('before' | 'after' its reply), in order: print it with the seed. */
  pushDecisions(): ReadonlyArray<'before' | 'after'> {
    return this.pushes.decisions;
  }

  /** Drops the faults still queued for `path` (every path when omitted): the storm is over. */
  clearFaults(path?: string): void {
    if (path === undefined) this.faults.clear();
    else this.faults.delete(path);
  }

  private takeFault(path: string): Fault | undefined {
    const q = this.faults.get(path);
    const head = q?.[0];
    if (!q || !head) return undefined;
    head.times--;
    if (head.times <= 0) q.shift();
    return head.fault;
  }

  /**
   * Bybit changes the symbol's rules (tick size, quantity step, minimums, maximum leverage) or its
   * status mid-run; instruments-info shows the new ones and orders are checked against them.
   */
  setInstrument(rules: Partial<Pick<ExchangeConfig, 'tickSize' | 'qtyStep' | 'minOrderQty' | 'maxOrderQty' | 'maxMktOrderQty' | 'minNotional' | 'maxLeverage'>> & { status?: string }): void {
    const { status, ...grid } = rules;
    Object.assign(this.exchange.cfg, grid);
    if (status) this.instrumentStatus = status;
  }

  /** Entry orders accept stopLoss/takeProfit but don't attach them to the position. */
  set ignoreEntryTpSl(v: boolean) {
    this.exchange.ignoreEntryTpSl = v;
  }

  /** Fill only this fraction of each new order on its first match (undefined: fill fully). */
  set partialFill(fraction: number | undefined) {
    this.exchange.partialFillFraction = fraction;
  }

  /** Don't answer pings: the client's pong timeout forces a reconnect. */
  set withholdPongs(v: boolean) {
    this.ws.withholdPongs = v;
  }

  set rejectWsAuth(v: boolean) {
    this.ws.rejectAuth = v;
  }

  /** The trade socket's login fails; the account stream still logs in. */
  set rejectTradeAuth(v: boolean) {
    this.ws.rejectTradeAuth = v;
  }

  /** Refuse /v5/trade connections (like Bybit's demo network). */
  set noTradeSocket(v: boolean) {
    this.ws.noTradeSocket = v;
  }

  /** The network is down: new connections are refused until this is set back (drop the open ones with dropSockets). */
  set refuseConnections(v: boolean) {
    this.ws.refuseConnections = v;
  }

  dropSockets(sel: SocketSelector = 'all'): number {
    return this.ws.drop(sel);
  }

  stallSockets(sel: SocketSelector = 'all'): number {
    return this.ws.stall(sel);
  }

  /** Connected but silent: the sockets answer pings yet deliver no pushes (new connections are fine). */
  silenceSockets(sel: SocketSelector = 'all'): number {
    return this.ws.silence(sel);
  }

  /** Cut connections that sent nothing (not even a ping) for `ms`, as Bybit does after 10 minutes; 0 turns it off. */
  set idleTimeoutMs(ms: number) {
    this.ws.setIdleTimeout(ms);
  }

  sendRaw(sel: SocketSelector, text: string): void {
    this.ws.sendRaw(sel, text);
  }

  // ---- inspection ------------------------------------------------------------------------------

  /** Bodies of every POST /v5/order/create received (including rejected and withheld ones). */
  orderCreates(): Array<Record<string, unknown>> {
    return this.requests.filter((r) => r.path === '/v5/order/create').map((r) => r.params);
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Every order the exchange knows, the position's own TP/SL conditional orders included. */
  orders(): FakeOrder[] {
    return this.exchange.orders;
  }

  /** Orders placed through order/create (plain and conditional), without the position's TP/SL orders. */
  placedOrders(): FakeOrder[] {
    return this.exchange.orders.filter((o) => o.createType === 'CreateByUser' || o.createType === 'CreateByStopOrder');
  }

  executions(): FakeExecution[] {
    return this.exchange.executions;
  }

  position() {
    return this.exchange.position;
  }

  /** Open sockets of a kind with at least one subscription (or subscribed to `topic`). */
  subscribers(sel: SocketSelector, topic?: string): number {
    return this.ws.subscribers(sel, topic);
  }

  connectCount(kind: SocketKind): number {
    return this.ws.connectCount[kind] ?? 0;
  }

  wsReceived() {
    return this.ws.received;
  }

  async close(): Promise<void> {
    if (this.closedDown) return;
    this.closedDown = true;
    for (const r of this.hung) r.destroy();
    this.ws.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private instrumentItem(): Record<string, unknown> {
    const c = this.exchange.cfg;
    if (c.category === 'spot') {
      return {
        symbol: c.symbol, baseCoin: c.baseCoin, quoteCoin: c.quoteCoin, innovation: '0', status: this.instrumentStatus,
        marginTrading: 'utaOnly', stTag: '0', symbolType: '',
        lotSizeFilter: {
          basePrecision: c.qtyStep, quotePrecision: '0.00000001', minOrderQty: c.minOrderQty, maxOrderQty: c.maxOrderQty,
          minOrderAmt: c.minNotional, maxOrderAmt: '4000000', maxLimitOrderQty: c.maxOrderQty,
          maxMarketOrderQty: c.maxOrderQty, postOnlyMaxLimitOrderSize: '60000',
        },
        priceFilter: { tickSize: c.tickSize },
        riskParameters: { priceLimitRatioX: '0.005', priceLimitRatioY: '0.01' },
      };
    }
    return {
      symbol: c.symbol, contractType: 'LinearPerpetual', status: this.instrumentStatus, baseCoin: c.baseCoin, quoteCoin: c.quoteCoin,
      launchTime: '1584230400000', deliveryTime: '0', deliveryFeeRate: '', priceScale: '2',
      leverageFilter: { minLeverage: '1', maxLeverage: c.maxLeverage, leverageStep: '0.01' },
      priceFilter: { minPrice: c.tickSize, maxPrice: '1999999.80', tickSize: c.tickSize },
      lotSizeFilter: {
        maxOrderQty: c.maxOrderQty, maxMktOrderQty: c.maxMktOrderQty ?? '500.000', minOrderQty: c.minOrderQty, qtyStep: c.qtyStep,
        postOnlyMaxOrderQty: c.maxOrderQty, minNotionalValue: c.minNotional,
      },
      unifiedMarginTrade: true, fundingInterval: 480, settleCoin: c.quoteCoin, copyTrading: 'both',
      upperFundingRate: '0.005', lowerFundingRate: '-0.005', isPreListing: false, preListingInfo: null,
    };
  }

  private tickerItem(): Record<string, unknown> {
    const p = this.exchange.price.toString();
    const base = {
      symbol: this.symbol, lastPrice: p, bid1Price: p, bid1Size: '1', ask1Price: p, ask1Size: '1', prevPrice24h: p,
      price24hPcnt: '0', highPrice24h: p, lowPrice24h: p, turnover24h: '0', volume24h: '0',
    };
    if (this.category === 'spot') return { ...base, usdIndexPrice: p };
    return {
      ...base, indexPrice: p, markPrice: p, prevPrice1h: p, openInterest: '0', openInterestValue: '0', fundingRate: '0.0001',
      nextFundingTime: String(this.now() + 3_600_000), predictedDeliveryPrice: '', basisRate: '', deliveryFeeRate: '',
      deliveryTime: '0', basis: '', fundingIntervalHour: '8', fundingCap: '0.005',
    };
  }
}

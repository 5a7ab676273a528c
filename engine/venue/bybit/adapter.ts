// botctl's Bybit venue: the one module that talks to Bybit (REST via RestClientV5, streams via
// WebsocketClient). Implements the Venue contract for one symbol in one category.
import { Decimal } from 'decimal.js';
import type { Candle, Interval } from '../../market/candle.ts';
import type { InstrumentRules } from '../../market/instrument.ts';
import type { Category, Network } from '../../plan/plan.ts';
import { Redactor, silentLogger, type Logger } from '../../log/index.ts';
import {
  InsufficientBalanceError,
  OrderNotFoundError,
  OrderRejectedError,
  OrderStateUnknownError,
  VenueAuthError,
  VenueError,
  VenueUnavailableError,
  VenueUnsupportedError,
} from '../errors.ts';
import type {
  AmendRequest,
  Equity,
  Fill,
  OrderRequest,
  OrderState,
  PositionState,
  TradingStopRequest,
  Unsubscribe,
  Venue,
  VenueEvent,
} from '../venue.ts';
import { Caller, type Envelope, type RetryOptions } from './call.ts';
import { CandleSequencer, fetchClosedCandles, lookbackMs, nextStart } from './candles.ts';
import { BotRestClient, BotWsClient } from './clients.ts';
import {
  DUPLICATE_ORDER_LINK_ID,
  INSUFFICIENT_BALANCE,
  LEVERAGE_NOT_MODIFIED,
  NOT_MODIFIED,
  ORDER_NOT_FOUND,
} from './codes.ts';
import { StreamHealth } from './health.ts';
import {
  MalformedError,
  coinBalance,
  parseFill,
  parseInstrument,
  parseKlinePush,
  parseOrder,
  parsePosition,
  parseWallet,
} from './parse.ts';

export interface BybitVenueOptions {
  network: Network;
  category: Category;
  symbol: string;
  interval: Interval;
  /** From the environment (BYBIT_API_KEY / BYBIT_API_SECRET). Without them only market data works. */
  key?: string;
  secret?: string;
  /** Set on the exchange by start() (linear only). */
  leverage?: Decimal;
  /** Tests: REST base URL, e.g. http://127.0.0.1:PORT (no trailing slash). */
  restBaseUrl?: string;
  /** Tests: WebSocket base, e.g. ws://127.0.0.1:PORT; paths /v5/public/{category} and /v5/private are appended. */
  wsBaseUrl?: string;
  logger?: Logger;
  /** HTTP timeout per request (default 10 s; the library's own default is 5 minutes). */
  httpTimeoutMs?: number;
  recvWindowMs?: number;
  retry?: RetryOptions;
  /** Heartbeat: ping every pingIntervalMs, reconnect if no frame within pongTimeoutMs. */
  ws?: { pingIntervalMs?: number; pongTimeoutMs?: number; reconnectDelayMs?: number; readyTimeoutMs?: number };
}

type Raw = Record<string, unknown>;

const QUOTE_COIN = /(USDT|USDC|USD)$/;

export class BybitVenue implements Venue {
  private readonly rest: BotRestClient;
  private ws: BotWsClient | undefined;
  private readonly caller: Caller;
  private readonly log: Logger;
  private readonly redactor: Redactor;
  private readonly listeners = new Set<(e: VenueEvent) => void>();
  private rules: InstrumentRules | undefined;
  private clockOffsetMs = 0;
  private sequencer: CandleSequencer | undefined;
  private accountStreamOpen = false;
  private closed = false;
  private readonly quoteCoin: string;
  private readonly baseCoin: string;
  /** Malformed/unexpected stream frames, counted per kind and logged once per kind. */
  readonly health: StreamHealth;

  constructor(private readonly opts: BybitVenueOptions) {
    this.redactor = new Redactor({ secrets: [opts.key ?? '', opts.secret ?? ''] });
    const log = opts.logger ?? silentLogger(this.redactor);
    if (opts.key) log.redactor.addSecret(opts.key);
    if (opts.secret) log.redactor.addSecret(opts.secret);
    this.log = log.child({ venue: 'bybit', symbol: opts.symbol });
    this.health = new StreamHealth(this.log);
    this.quoteCoin = QUOTE_COIN.exec(opts.symbol)?.[1] ?? 'USDT';
    this.baseCoin = opts.symbol.slice(0, opts.symbol.length - this.quoteCoin.length);
    const net = networkFlags(opts.network);
    this.rest = new BotRestClient(
      {
        ...(opts.key && opts.secret ? { key: opts.key, secret: opts.secret } : {}),
        ...(opts.restBaseUrl ? { baseUrl: opts.restBaseUrl } : net),
        recv_window: opts.recvWindowMs ?? 5000,
      },
      { timeout: opts.httpTimeoutMs ?? 10_000 },
    );
    this.caller = new Caller(opts.retry ?? {}, this.redactor, this.log, () => this.syncClock());
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  async start(): Promise<void> {
    await this.syncClock();
    await this.instrument();
    if (this.hasKeys()) {
      if (this.opts.leverage && this.opts.category === 'linear') await this.setLeverage(this.opts.leverage);
      await this.openAccountStream();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ws?.closeAll(true);
    this.ws?.removeAllListeners();
    this.listeners.clear();
  }

  onEvent(listener: (event: VenueEvent) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Bybit's clock as we estimate it. */
  serverNow(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /**
   * Measure the offset to Bybit's clock. Leans 300 ms behind: Bybit accepts timestamps up to the
   * recv window late but only 1 s early (reference §2.1).
   */
  async syncClock(): Promise<void> {
    const t0 = Date.now();
    const env = await this.rawCall('server time', () => this.rest.getServerTime());
    const t1 = Date.now();
    const serverMs = Number(env.time);
    if (!Number.isFinite(serverMs)) throw new VenueError('Bybit server time response has no numeric "time"');
    this.clockOffsetMs = Math.round(serverMs + (t1 - t0) / 2 - t1) - 300;
    this.rest.clockOffsetMs = this.clockOffsetMs;
    this.ws?.setTimeOffsetMs(this.clockOffsetMs);
  }

  // ---- market data -----------------------------------------------------------------------------

  async instrument(): Promise<InstrumentRules> {
    if (this.rules) return this.rules;
    const { category, symbol } = this.opts;
    const env = await this.checked<{ list?: unknown[] }>('instruments-info', () =>
      this.rest.getInstrumentsInfo({ category, symbol }),
    );
    const item = env.result.list?.find((x) => (x as Raw)?.symbol === symbol);
    if (!item) {
      throw new VenueError(`Bybit has no ${category} instrument "${symbol}" on ${this.opts.network}; check market.symbol and market.category`);
    }
    try {
      this.rules = parseInstrument(item, category);
    } catch (e) {
      throw new VenueError(`Bybit sent unreadable instrument rules for ${symbol}: ${(e as Error).message}`);
    }
    return this.rules;
  }

  async closedCandles(fromMs: number, toMs: number): Promise<Candle[]> {
    const { category, symbol, interval } = this.opts;
    const res = await fetchClosedCandles(
      async (start, end, limit) => {
        const env = await this.checked<{ list?: unknown[] }>('kline', () =>
          this.rest.getKline({ category, symbol, interval, start, end, limit }),
        );
        return Array.isArray(env.result.list) ? env.result.list : [];
      },
      interval,
      fromMs,
      toMs,
      this.serverNow(),
    );
    if (res.malformed) this.health.count('kline-rest-row', `${res.malformed} unreadable kline rows skipped`);
    return res.candles;
  }

  async recentClosedCandles(count: number): Promise<Candle[]> {
    const now = this.serverNow();
    const all = await this.closedCandles(now - lookbackMs(this.opts.interval, count), now);
    return all.slice(-count);
  }

  async subscribeCandles(onClosedCandle: (candle: Candle) => void | Promise<void>, afterStart?: number): Promise<Unsubscribe> {
    if (this.sequencer) throw new VenueError('subscribeCandles may be called once per venue');
    const { interval, symbol, category } = this.opts;
    let last = afterStart;
    if (last === undefined) {
      const recent = await this.recentClosedCandles(1);
      last = recent[0]?.start ?? this.serverNow() - lookbackMs(interval, 1);
    }
    let active = true;
    const seq = new CandleSequencer(
      last,
      interval,
      (from, to) => this.closedCandles(from, to),
      (c) => (active ? onClosedCandle(c) : undefined),
      (e) => this.log.warn('candle stream: backfill or handler failed; the next candle retries the backfill', { error: this.describe(e) }),
    );
    this.sequencer = seq;
    const topic = `kline.${interval}.${symbol}`;
    const ws = this.wsClient();
    ws.on('update', (msg: Raw) => {
      if (msg.topic !== topic) return;
      const data = msg.data;
      if (!Array.isArray(data)) {
        this.health.count('kline-frame', 'kline frame without a data list');
        return;
      }
      for (const item of data) {
        try {
          const k = parseKlinePush(item);
          if (k.interval !== interval) throw new MalformedError('kline', `interval ${k.interval} instead of ${interval}`);
          if (k.confirm) seq.pushed(k.candle);
        } catch (e) {
          if (!(e instanceof MalformedError)) throw e;
          this.health.count('kline-frame', e.message);
        }
      }
    });
    await this.subscribe([topic], category, 'market');
    // Anything that closed between the caller's history and this subscription.
    void seq.catchUp(this.serverNow());
    return () => {
      active = false;
      this.ws?.unsubscribeV5(topic, category);
    };
  }

  /** Resolves when queued candle deliveries and backfills are done (tests, orderly shutdown). */
  candlesIdle(): Promise<void> {
    return this.sequencer?.idle() ?? Promise.resolve();
  }

  /** Counters for status output: duplicates skipped, candles recovered from REST, bad frames. */
  streamStats(): { duplicates: number; backfilled: number; malformed: Record<string, number> } {
    return {
      duplicates: this.sequencer?.duplicates ?? 0,
      backfilled: this.sequencer?.backfilled ?? 0,
      malformed: this.health.counts(),
    };
  }

  // ---- orders ----------------------------------------------------------------------------------

  async placeOrder(req: OrderRequest): Promise<OrderState> {
    this.requireKeys('place orders');
    if (!/^[A-Za-z0-9_-]{1,36}$/.test(req.orderLinkId)) {
      throw new OrderRejectedError(`orderLinkId "${req.orderLinkId}" must be 1-36 characters of A-Z a-z 0-9 _ -`);
    }
    if (req.type === 'limit' && !req.price) throw new OrderRejectedError('a limit order needs a price');
    const linear = this.opts.category === 'linear';
    if (req.reduceOnly && (req.stopLoss || req.takeProfit)) {
      throw new OrderRejectedError('a reduce-only order cannot carry a stop-loss or take-profit');
    }
    const body: Raw = {
      category: this.opts.category,
      symbol: this.opts.symbol,
      side: req.side === 'buy' ? 'Buy' : 'Sell',
      orderType: req.type === 'market' ? 'Market' : 'Limit',
      qty: req.qty.toFixed(),
      orderLinkId: req.orderLinkId,
    };
    if (req.type === 'limit' && req.price) {
      body.price = req.price.toFixed();
      body.timeInForce = req.timeInForce ?? 'GTC';
    }
    if (linear) {
      body.positionIdx = 0;
      if (req.reduceOnly) body.reduceOnly = true;
    } else if (req.type === 'market') {
      // Spot market buys are quote-denominated unless told otherwise (reference §3.5).
      body.marketUnit = 'baseCoin';
    }
    if (req.stopLoss || req.takeProfit) {
      if (!linear && req.type === 'market') throw new VenueUnsupportedError('Bybit spot accepts stop-loss/take-profit only on limit orders');
      if (req.stopLoss) body.stopLoss = req.stopLoss.toFixed();
      if (req.takeProfit) body.takeProfit = req.takeProfit.toFixed();
      if (linear) {
        body.tpslMode = 'Full';
        if (req.stopLoss) body.slTriggerBy = 'LastPrice';
        if (req.takeProfit) body.tpTriggerBy = 'LastPrice';
      }
    }
    let env: Envelope<{ orderId?: string }>;
    let sends = 0;
    try {
      env = await this.caller.call('order/create', () => {
        sends++;
        return this.rest.submitOrder(body as never);
      });
    } catch (e) {
      if (!(e instanceof VenueUnavailableError)) throw e;
      // Sent, never answered: the order may exist. Ask before declaring anything.
      const found = await this.orderStatus(req.orderLinkId).catch(() => undefined);
      if (found) return found;
      throw new OrderStateUnknownError(req.orderLinkId, e.message);
    }
    if (DUPLICATE_ORDER_LINK_ID.has(env.retCode)) {
      // An earlier attempt (ours, or before a restart) already placed it.
      const found = await this.orderStatus(req.orderLinkId);
      if (found) {
        this.log.info('order already placed; using the existing one', { orderLinkId: req.orderLinkId, status: found.status });
        return found;
      }
      throw new OrderStateUnknownError(req.orderLinkId, 'Bybit says the orderLinkId is taken but cannot find the order');
    }
    if (env.retCode !== 0 && sends > 1) {
      // An earlier, unanswered attempt may have gone through and be the reason this one was
      // refused (e.g. its margin is now in use): the order that exists wins over the refusal.
      const found = await this.orderStatus(req.orderLinkId).catch(() => undefined);
      if (found) return found;
    }
    this.throwOrderError(env, `place ${body.side} ${body.orderType} ${body.qty}`);
    const now = this.serverNow();
    const state: OrderState = {
      orderLinkId: req.orderLinkId,
      orderId: String(env.result.orderId ?? ''),
      side: req.side,
      type: req.type,
      status: 'New',
      qty: req.qty,
      filledQty: new Decimal(0),
      fee: new Decimal(0),
      reduceOnly: req.reduceOnly ?? false,
      origin: 'user',
      createdAt: now,
      updatedAt: now,
    };
    if (req.type === 'limit' && req.price) state.price = req.price;
    if (req.stopLoss) state.stopLoss = req.stopLoss;
    if (req.takeProfit) state.takeProfit = req.takeProfit;
    return state;
  }

  async amendOrder(req: AmendRequest): Promise<OrderState> {
    this.requireKeys('amend orders');
    const body: Raw = { category: this.opts.category, symbol: this.opts.symbol, orderLinkId: req.orderLinkId };
    if (req.qty) body.qty = req.qty.toFixed();
    if (req.price) body.price = req.price.toFixed();
    if (req.stopLoss) body.stopLoss = req.stopLoss.toFixed();
    if (req.takeProfit) body.takeProfit = req.takeProfit.toFixed();
    const env = await this.caller.call('order/amend', () => this.rest.amendOrder(body as never));
    if (env.retCode !== 0 && env.retCode !== NOT_MODIFIED) {
      if (ORDER_NOT_FOUND.has(env.retCode)) return this.finalOrMissing(req.orderLinkId, env.retCode);
      this.throwOrderError(env, `amend ${req.orderLinkId}`);
    }
    return this.finalOrMissing(req.orderLinkId, env.retCode);
  }

  async cancelOrder(orderLinkId: string): Promise<OrderState> {
    this.requireKeys('cancel orders');
    const env = await this.caller.call('order/cancel', () =>
      this.rest.cancelOrder({ category: this.opts.category, symbol: this.opts.symbol, orderLinkId }),
    );
    // Already filled/cancelled (or a retry of a cancel that went through): report the final state.
    if (env.retCode !== 0 && !ORDER_NOT_FOUND.has(env.retCode)) this.throwOrderError(env, `cancel ${orderLinkId}`);
    return this.finalOrMissing(orderLinkId, env.retCode);
  }

  async cancelAllOrders(): Promise<string[]> {
    this.requireKeys('cancel orders');
    const env = await this.checked<{ list?: Raw[] }>('order/cancel-all', () =>
      this.rest.cancelAllOrders({ category: this.opts.category, symbol: this.opts.symbol }),
    );
    return (env.result.list ?? []).map((o) => String(o.orderLinkId ?? ''));
  }

  async openOrders(): Promise<OrderState[]> {
    this.requireKeys('read orders');
    const out: OrderState[] = [];
    let cursor: string | undefined;
    do {
      const params = { category: this.opts.category, symbol: this.opts.symbol, openOnly: 0 as const, limit: 50, ...(cursor ? { cursor } : {}) };
      const env = await this.checked<{ list?: unknown[]; nextPageCursor?: string }>('order/realtime', () => this.rest.getActiveOrders(params));
      for (const o of env.result.list ?? []) out.push(this.parseRestOrder(o));
      cursor = env.result.nextPageCursor || undefined;
    } while (cursor);
    return out;
  }

  async orderStatus(orderLinkId: string): Promise<OrderState | undefined> {
    this.requireKeys('read orders');
    const { category, symbol } = this.opts;
    // realtime answers for open and recently closed orders when asked by id; history covers the rest.
    const live = await this.checked<{ list?: unknown[] }>('order/realtime', () =>
      this.rest.getActiveOrders({ category, symbol, orderLinkId }),
    );
    const hit = live.result.list?.[0];
    if (hit) return this.parseRestOrder(hit);
    const hist = await this.checked<{ list?: unknown[] }>('order/history', () =>
      this.rest.getHistoricOrders({ category, symbol, orderLinkId }),
    );
    const old = hist.result.list?.[0];
    return old ? this.parseRestOrder(old) : undefined;
  }

  async fills(sinceMs: number): Promise<Fill[]> {
    this.requireKeys('read fills');
    const out = new Map<string, Fill>();
    let cursor: string | undefined;
    do {
      const params = { category: this.opts.category, symbol: this.opts.symbol, startTime: sinceMs, limit: 100, ...(cursor ? { cursor } : {}) };
      const env = await this.checked<{ list?: unknown[]; nextPageCursor?: string }>('execution/list', () => this.rest.getExecutionList(params));
      for (const x of env.result.list ?? []) {
        const f = this.parseOr(x, parseFill);
        if (f) out.set(f.execId, f);
      }
      cursor = env.result.nextPageCursor || undefined;
    } while (cursor);
    return [...out.values()].sort((a, b) => a.time - b.time);
  }

  // ---- position and account -------------------------------------------------------------------

  async position(): Promise<PositionState> {
    this.requireKeys('read the position');
    if (this.opts.category === 'spot') {
      // Spot has no position: the base-coin holding is the position, without an entry price.
      const w = await this.walletEntry();
      const size = coinBalance(w, this.baseCoin);
      return { side: size.gt(0) ? 'long' : 'flat', size, avgPrice: new Decimal(0), updatedAt: this.serverNow() };
    }
    const env = await this.checked<{ list?: unknown[] }>('position/list', () =>
      this.rest.getPositionInfo({ category: 'linear', symbol: this.opts.symbol }),
    );
    const row = env.result.list?.find((p) => (p as Raw)?.symbol === this.opts.symbol);
    if (!row) return { side: 'flat', size: new Decimal(0), avgPrice: new Decimal(0), updatedAt: this.serverNow() };
    try {
      return parsePosition(row);
    } catch (e) {
      throw new VenueError(`Bybit sent an unreadable position: ${(e as Error).message}`);
    }
  }

  async setTradingStop(req: TradingStopRequest): Promise<void> {
    this.requireKeys('set stops');
    if (this.opts.category !== 'linear') throw new VenueUnsupportedError('position stops exist only for linear contracts on Bybit');
    const body: Raw = { category: 'linear', symbol: this.opts.symbol, tpslMode: 'Full', positionIdx: 0 };
    const put = (field: string, v: Decimal | null | undefined) => {
      if (v === undefined) return;
      body[field] = v === null ? '0' : v.toFixed();
    };
    put('stopLoss', req.stopLoss);
    put('takeProfit', req.takeProfit);
    put('trailingStop', req.trailingStop);
    if (req.trailingActivation) body.activePrice = req.trailingActivation.toFixed();
    if (req.stopLoss) body.slTriggerBy = 'LastPrice';
    if (req.takeProfit) body.tpTriggerBy = 'LastPrice';
    const env = await this.caller.call('position/trading-stop', () => this.rest.setTradingStop(body as never));
    if (env.retCode === 0 || env.retCode === NOT_MODIFIED) return;
    throw new OrderRejectedError(`Bybit refused the position stops (retCode ${env.retCode}): ${this.redactor.redactString(env.retMsg)}`, env.retCode);
  }

  async setLeverage(leverage: Decimal): Promise<void> {
    this.requireKeys('set leverage');
    if (this.opts.category !== 'linear') return;
    const x = leverage.toFixed();
    const env = await this.caller.call('position/set-leverage', () =>
      this.rest.setLeverage({ category: 'linear', symbol: this.opts.symbol, buyLeverage: x, sellLeverage: x }),
    );
    if (env.retCode === 0 || env.retCode === LEVERAGE_NOT_MODIFIED) return;
    throw new VenueError(`Bybit refused leverage ${x} on ${this.opts.symbol} (retCode ${env.retCode}): ${this.redactor.redactString(env.retMsg)}`, env.retCode);
  }

  async equity(): Promise<Equity> {
    this.requireKeys('read the wallet');
    const w = await this.walletEntry();
    try {
      return parseWallet(w, this.quoteCoin, this.serverNow());
    } catch (e) {
      throw new VenueError(`Bybit sent an unreadable wallet balance: ${(e as Error).message}`);
    }
  }

  private async walletEntry(): Promise<unknown> {
    const coin = this.opts.category === 'spot' ? `${this.quoteCoin},${this.baseCoin}` : this.quoteCoin;
    const env = await this.checked<{ list?: unknown[] }>('wallet-balance', () =>
      this.rest.getWalletBalance({ accountType: 'UNIFIED', coin }),
    );
    const entry = env.result.list?.[0];
    if (!entry) throw new VenueError('Bybit returned no UNIFIED wallet; botctl needs a Unified Trading Account');
    return entry;
  }

  // ---- streams ---------------------------------------------------------------------------------

  private wsClient(): BotWsClient {
    if (this.ws) return this.ws;
    const w = this.opts.ws ?? {};
    const ws = new BotWsClient(
      {
        ...(this.hasKeys() ? { key: this.opts.key, secret: this.opts.secret } : {}),
        ...(this.opts.wsBaseUrl ? {} : networkFlags(this.opts.network)),
        recvWindow: this.opts.recvWindowMs ?? 5000,
        pingInterval: w.pingIntervalMs ?? 10_000,
        pongTimeout: w.pongTimeoutMs ?? 2_000,
        reconnectTimeout: w.reconnectDelayMs ?? 500,
      },
      this.log,
      this.opts.wsBaseUrl,
    );
    ws.setTimeOffsetMs(this.clockOffsetMs);
    const streamOf = (wsKey: unknown) => (wsKey === 'v5Private' ? 'account' : 'market');
    ws.on('reconnect', ({ wsKey }) => {
      this.log.warn('stream connection lost; reconnecting', { stream: streamOf(wsKey) });
      this.emit({ kind: 'connection', time: this.serverNow(), stream: streamOf(wsKey), state: 'down' });
    });
    ws.on('reconnected', ({ wsKey }) => {
      this.log.info('stream reconnected', { stream: streamOf(wsKey) });
      if (streamOf(wsKey) === 'market') void this.sequencer?.catchUp(this.serverNow());
      this.emit({ kind: 'connection', time: this.serverNow(), stream: streamOf(wsKey), state: 'up' });
    });
    ws.on('exception', (e: Raw) => {
      if (e?.op === 'auth') {
        this.log.error('Bybit refused the stream login: check BYBIT_API_KEY and BYBIT_API_SECRET', {});
        return;
      }
      const text = typeof e?.message === 'string' ? e.message : 'stream error';
      this.health.count(text.startsWith('Failed to parse') ? 'unparseable-frame' : 'stream-exception', text);
    });
    ws.on('update', (msg: Raw) => this.onPrivateUpdate(msg));
    this.ws = ws;
    return ws;
  }

  private async openAccountStream(): Promise<void> {
    if (this.accountStreamOpen) return;
    await this.subscribe(['order', 'execution', 'position', 'wallet'], this.opts.category, 'account');
    this.accountStreamOpen = true;
  }

  /**
   * Subscribe and wait for Bybit's ack. The library's own promise settles on connect, not on the
   * ack, and never for private topics whose login failed, so we watch the replies ourselves.
   */
  private async subscribe(topics: string[], category: Category, stream: 'market' | 'account'): Promise<void> {
    const ws = this.wsClient();
    const wsKey = stream === 'account' ? 'v5Private' : category === 'spot' ? 'v5SpotPublic' : 'v5LinearPublic';
    const timeoutMs = this.opts.ws?.readyTimeoutMs ?? 15_000;
    let onResponse: ((r: Raw) => void) | undefined;
    let onException: ((r: Raw) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const acked = new Promise<void>((resolve, reject) => {
      onResponse = (r) => {
        if (r?.wsKey !== wsKey || r.op !== 'subscribe' || r.success !== true) return;
        const reqId = typeof r.req_id === 'string' ? r.req_id : '';
        if (reqId === '' || topics.some((t) => reqId.split(',').includes(t))) resolve();
      };
      onException = (r) => {
        if (r?.wsKey !== wsKey) return;
        if (r.op === 'auth') reject(new VenueAuthError("Bybit refused the account stream login: check BYBIT_API_KEY and BYBIT_API_SECRET and the key's network."));
        else if (r.op === 'subscribe' && r.success === false) {
          reject(new VenueError(`Bybit refused the ${stream} stream subscription: ${this.redactor.redactString(String(r.ret_msg ?? ''))}`));
        }
      };
      timer = setTimeout(
        () => reject(new VenueUnavailableError(`Bybit ${stream} stream did not confirm the subscription within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    ws.on('response', onResponse!);
    ws.on('exception', onException!);
    try {
      for (const p of ws.subscribeV5(topics, category)) {
        p.catch(() => {}); // failures surface as exception events, handled above
      }
      await acked;
    } finally {
      clearTimeout(timer);
      ws.off('response', onResponse!);
      ws.off('exception', onException!);
    }
  }

  private onPrivateUpdate(msg: Raw): void {
    const topic = typeof msg.topic === 'string' ? msg.topic.split('.')[0] : undefined;
    if (topic !== 'order' && topic !== 'execution' && topic !== 'position' && topic !== 'wallet') return;
    if (!Array.isArray(msg.data)) {
      this.health.count(`${topic}-frame`, `${topic} frame without a data list`);
      return;
    }
    const time = typeof msg.creationTime === 'number' ? msg.creationTime : this.serverNow();
    for (const item of msg.data) {
      const it = item as Raw;
      if (topic !== 'wallet' && (it?.symbol !== this.opts.symbol || (it.category !== undefined && it.category !== this.opts.category))) continue;
      try {
        if (topic === 'order') {
          const order = parseOrder(item);
          this.emit({ kind: 'order', time: order.updatedAt, order });
        } else if (topic === 'execution') {
          const fill = parseFill(item);
          this.emit({ kind: 'fill', time: fill.time, fill });
        } else if (topic === 'position') {
          const position = parsePosition(item);
          this.emit({ kind: 'position', time: position.updatedAt, position });
        } else {
          if (it?.accountType !== undefined && it.accountType !== 'UNIFIED') continue;
          this.emit({ kind: 'wallet', time, equity: parseWallet(item, this.quoteCoin, time) });
        }
      } catch (e) {
        if (!(e instanceof MalformedError)) throw e;
        this.health.count(`${topic}-frame`, e.message);
      }
    }
  }

  private emit(e: VenueEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log.error('venue event listener threw', { error: this.describe(err) });
      }
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private hasKeys(): boolean {
    return Boolean(this.opts.key && this.opts.secret);
  }

  private requireKeys(what: string): void {
    if (!this.hasKeys()) {
      throw new VenueAuthError(`botctl needs BYBIT_API_KEY and BYBIT_API_SECRET in the environment to ${what} on Bybit ${this.opts.network}.`);
    }
  }

  /** A call whose only acceptable business result is retCode 0. */
  private async checked<T>(label: string, send: () => Promise<unknown>): Promise<Envelope<T>> {
    const env = await this.caller.call<T>(label, send);
    if (env.retCode !== 0) {
      throw new VenueError(`Bybit ${label} failed (retCode ${env.retCode}): ${this.redactor.redactString(env.retMsg)}`, env.retCode);
    }
    return env;
  }

  /** Server time is public and needed to fix 10002 itself, so it bypasses the resync path. */
  private async rawCall(label: string, send: () => Promise<unknown>): Promise<Envelope> {
    const inner = new Caller(this.opts.retry ?? {}, this.redactor, this.log, async () => {});
    return inner.call(label, send);
  }

  private throwOrderError(env: Envelope, what: string): void {
    if (env.retCode === 0) return;
    const msg = this.redactor.redactString(env.retMsg);
    if (INSUFFICIENT_BALANCE.has(env.retCode)) {
      throw new InsufficientBalanceError(`not enough balance to ${what} (Bybit ${env.retCode}: ${msg})`, env.retCode);
    }
    throw new OrderRejectedError(`Bybit rejected the order (${what}): ${env.retCode} ${msg}`, env.retCode);
  }

  private async finalOrMissing(orderLinkId: string, code: number): Promise<OrderState> {
    const state = await this.orderStatus(orderLinkId);
    if (!state) throw new OrderNotFoundError(orderLinkId, code || undefined);
    return state;
  }

  private parseRestOrder(x: unknown): OrderState {
    try {
      return parseOrder(x);
    } catch (e) {
      throw new VenueError(`Bybit sent an unreadable order: ${(e as Error).message}`);
    }
  }

  private parseOr<T>(x: unknown, parse: (x: unknown) => T): T | undefined {
    try {
      return parse(x);
    } catch (e) {
      if (!(e instanceof MalformedError)) throw e;
      this.health.count(e.kind, e.message);
      return undefined;
    }
  }

  private describe(e: unknown): string {
    const text = e instanceof Error ? e.message : typeof e === 'string' ? e : 'unknown error';
    return this.redactor.redactString(text);
  }
}

function networkFlags(network: Network): { testnet?: boolean; demoTrading?: boolean } {
  if (network === 'testnet') return { testnet: true };
  if (network === 'demo') return { demoTrading: true };
  return {};
}

export { nextStart };

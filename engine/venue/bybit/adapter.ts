// botctl's Bybit venue: the one module that talks to Bybit (REST via RestClientV5, streams via
// WebsocketClient, orders over the WS Trade API when enabled, REST otherwise or as the fallback).
// Implements the Venue contract for one symbol in one category.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Decimal } from 'decimal.js';
import { intervalMs, type Candle, type Interval } from '../../market/candle.ts';
import type { InstrumentRules } from '../../market/instrument.ts';
import type { Category, Network } from '../../plan/plan.ts';
import { Redactor, silentLogger, type Logger } from '../../log/index.ts';
import {
  InsufficientBalanceError,
  OrderNotFoundError,
  OrderRejectedError,
  OrderStateUnknownError,
  StopBeyondPriceError,
  VenueAuthError,
  VenueBannedError,
  VenueError,
  VenueSetupError,
  VenueUnavailableError,
  type RejectionKind,
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
import { CandleSequencer, fetchClosedCandles, lookbackMs } from './candles.ts';
import { BotRestClient } from './clients.ts';
import { acceptedOrder, orderCreateBody } from './orders.ts';
import { BybitStreams } from './streams.ts';
import { TradeSocket } from './trade-socket.ts';
import {
  AUTH_FAILED,
  DUPLICATE_ORDER_LINK_ID,
  RATE_LIMITED,
  SERVER_BUSY,
  TIMESTAMP_OUT_OF_WINDOW,
  INSUFFICIENT_BALANCE,
  LEVERAGE_NOT_MODIFIED,
  NOT_MODIFIED,
  ORDER_NOT_FOUND,
  levelPastPrice,
  PRECISION,
} from './codes.ts';
import { StreamHealth } from './health.ts';
import {
  MalformedError,
  coinBalance,
  parseFill,
  parseInstrument,
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
  /**
   * How orders are placed: 'websocket' uses Bybit's WS Trade API (lower latency) with REST as the
   * fallback whenever the trade socket is down, refused or silent; 'rest' (default) only REST.
   * The demo network has no WS trade, so it always uses REST.
   */
  orderEntry?: 'websocket' | 'rest';
  /** Heartbeat: ping every pingIntervalMs, reconnect if no frame within pongTimeoutMs. */
  ws?: {
    pingIntervalMs?: number;
    pongTimeoutMs?: number;
    /** First reconnect delay; each consecutive failure doubles it (with jitter) up to maxReconnectDelayMs (30 s). */
    reconnectDelayMs?: number;
    maxReconnectDelayMs?: number;
    /** The account stream is reconnected when it received nothing, not even a pong, for this long (default 2 ping intervals + the pong timeout). */
    staleAfterMs?: number;
    /** Wait this long for a subscription ack / stream login (default 15 s). */
    readyTimeoutMs?: number;
    /** When history lacks candles the stream skipped, or cannot be read, look again after this long (default 1 s, doubling). */
    historyRetryMs?: number;
    /** How long a failed backfill is retried before the candle is decided without the gap (default: a quarter of the interval, at most 60 s). */
    backfillWindowMs?: number;
    /** Trade socket: an order request without a reply after this long goes to REST (default 2 s). */
    tradeReplyTimeoutMs?: number;
    /** start() waits this long for the trade socket login before going on with REST (default 3 s). */
    tradeReadyTimeoutMs?: number;
  };
}

type Raw = Record<string, unknown>;

const QUOTE_COIN = /(USDT|USDC|USD)$/;
/** execution/list answers at most 7 days per request, and keeps 2 years. */
const EXECUTION_WINDOW_MS = 7 * 86_400_000;
const EXECUTION_HISTORY_MS = 730 * 86_400_000;
/** Lookups of an order Bybit acknowledged without an order id before calling its fate unknown. */
const ACK_LOOKUPS = 3;

export class BybitVenue implements Venue {
  private readonly rest: BotRestClient;
  private readonly streams: BybitStreams;
  private readonly caller: Caller;
  private trade: TradeSocket | undefined;
  private readonly log: Logger;
  private readonly redactor: Redactor;
  private readonly listeners = new Set<(e: VenueEvent) => void>();
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true });
  private rules: InstrumentRules | undefined;
  private clockOffsetMs = 0;
  private sequencer: CandleSequencer | undefined;
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
      // Keep-alive: an order must not wait for a new TCP (and TLS) handshake. bybit-api's own
      // keepAlive option only covers https; these cover the loopback fake too.
      { timeout: opts.httpTimeoutMs ?? 10_000, httpAgent: this.httpAgent, httpsAgent: this.httpsAgent },
    );
    this.caller = new Caller(opts.retry ?? {}, this.redactor, this.log, () => this.syncClock());
    const w = opts.ws ?? {};
    this.streams = new BybitStreams(
      {
        network: opts.network,
        category: opts.category,
        symbol: opts.symbol,
        quoteCoin: this.quoteCoin,
        key: opts.key,
        secret: opts.secret,
        wsBaseUrl: opts.wsBaseUrl,
        recvWindowMs: opts.recvWindowMs ?? 5000,
        pingIntervalMs: w.pingIntervalMs ?? 10_000,
        pongTimeoutMs: w.pongTimeoutMs ?? 2_000,
        reconnectDelayMs: w.reconnectDelayMs ?? 500,
        maxReconnectDelayMs: w.maxReconnectDelayMs ?? 30_000,
        readyTimeoutMs: w.readyTimeoutMs ?? 15_000,
        // A pong is due every ping interval: two missed intervals and a pong timeout is stale.
        staleAfterMs: w.staleAfterMs ?? 2 * (w.pingIntervalMs ?? 10_000) + (w.pongTimeoutMs ?? 2_000),
      },
      this.log,
      this.redactor,
      this.health,
      (e) => this.emit(e),
      () => this.serverNow(),
    );
    this.streams.onMarketReconnected = () => void this.sequencer?.catchUp(this.serverNow());
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  async start(): Promise<void> {
    await this.syncClock();
    await this.instrument();
    if (this.hasKeys()) {
      await this.streams.openAccount();
      // Before any order (and before leverage is set): an account the bot cannot trade is refused.
      await this.checkAccount();
      if (this.opts.leverage && this.opts.category === 'linear') await this.setLeverage(this.opts.leverage);
      await this.openTradeSocket();
    }
  }

  /**
   * The account settings a one-way bot needs, checked before any order: a unified account, a
   * margin mode in which leverage can be set, and one-way position mode on the symbol
   * (docs/v5/account/account-info.mdx, docs/v5/position/position-mode.mdx).
   */
  private async checkAccount(): Promise<void> {
    const env = await this.checked<{ unifiedMarginStatus?: unknown; marginMode?: unknown }>('account/info', () => this.rest.getAccountInfo());
    const { symbol, category } = this.opts;
    if (Number(env.result.unifiedMarginStatus) === 1) {
      throw new VenueSetupError(
        'botctl needs a Unified Trading Account, and the account of this API key is a classic account. ' +
          'Upgrade it on Bybit (Assets → Unified Trading Account → Upgrade), then start botctl again.',
      );
    }
    if (category !== 'linear') return;
    if (env.result.marginMode === 'PORTFOLIO_MARGIN') throw new VenueSetupError(portfolioMarginText(symbol), 110038);
    if (env.result.marginMode === 'ISOLATED_MARGIN') this.log.info('account margin mode: isolated (each position carries its own margin)');
    await this.positionRows();
  }

  private async openTradeSocket(): Promise<void> {
    const { orderEntry, network, key, secret } = this.opts;
    if (orderEntry !== 'websocket' || network === 'demo' || !key || !secret || this.trade) return;
    const w = this.opts.ws ?? {};
    this.trade = new TradeSocket(
      {
        key,
        secret,
        testnet: network === 'testnet',
        wsBaseUrl: this.opts.wsBaseUrl,
        recvWindowMs: this.opts.recvWindowMs ?? 5000,
        pingIntervalMs: w.pingIntervalMs ?? 10_000,
        pongTimeoutMs: w.pongTimeoutMs ?? 2_000,
        reconnectDelayMs: w.reconnectDelayMs ?? 500,
        maxReconnectDelayMs: w.maxReconnectDelayMs ?? 30_000,
        replyTimeoutMs: w.tradeReplyTimeoutMs ?? 2_000,
      },
      this.log,
    );
    this.trade.setTimeOffsetMs(this.clockOffsetMs);
    await this.trade.open(w.tradeReadyTimeoutMs ?? 3_000);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.streams.close();
    this.trade?.close();
    this.listeners.clear();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  reconnectAccountStream(why: string): void {
    this.streams.reconnectAccount(why);
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
    this.streams.setTimeOffsetMs(this.clockOffsetMs);
    this.trade?.setTimeOffsetMs(this.clockOffsetMs);
  }

  // ---- market data -----------------------------------------------------------------------------

  async instrument(opts: { refresh?: boolean } = {}): Promise<InstrumentRules> {
    if (this.rules && !opts.refresh) return this.rules;
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
    const { interval, symbol } = this.opts;
    let last = afterStart;
    if (last === undefined) {
      const recent = await this.recentClosedCandles(1);
      last = recent[0]?.start ?? this.serverNow() - lookbackMs(interval, 1);
    }
    let active = true;
    const step = intervalMs(interval);
    const seq = new CandleSequencer(last, interval, {
      backfill: (from, to) => this.closedCandles(from, to),
      deliver: (c) => (active ? onClosedCandle(c) : undefined),
      onError: (e) => this.log.warn('candle stream: backfill or handler failed; deciding without the missing candles', { error: this.describe(e) }),
      onHole: (from, to) =>
        this.log.error('Bybit history has no candles for a stretch the stream skipped; continuing without them', {
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
        }),
      onRetry: (e, attempt, delayMs) => this.log.warn('candle history could not be read; trying again within the candle', { attempt, delayMs, error: this.describe(e) }),
      onUnconfirmed: (start, from) =>
        this.log.warn(`the stream moved to the next candle without confirming ${new Date(start).toISOString()}: closed from ${from === 'history' ? 'REST history' : "the stream's last update"}`),
      retryMs: this.opts.ws?.historyRetryMs ?? 1000,
      // Retried for a quarter of the candle (at most a minute), then decided without the gap.
      retryWindowMs: this.opts.ws?.backfillWindowMs ?? Math.min(step / 4, 60_000),
    });
    this.sequencer = seq;
    const topic = `kline.${interval}.${symbol}`;
    await this.streams.openKlines(topic, (k) => {
      if (k.interval !== interval) this.health.count('kline-frame', `interval ${k.interval} instead of ${interval}`);
      else if (k.confirm) seq.pushed(k.candle);
      else seq.updated(k.candle);
    });
    // Anything that closed between the caller's history and this subscription.
    void seq.catchUp(this.serverNow());
    return () => {
      active = false;
      this.streams.closeKlines();
    };
  }

  /** Resolves when queued candle deliveries and backfills are done (tests, orderly shutdown). */
  candlesIdle(): Promise<void> {
    return this.sequencer?.idle() ?? Promise.resolve();
  }

  /** Counters for status output: duplicates skipped, candles recovered from REST, bad frames. */
  streamStats(): { duplicates: number; backfilled: number; unconfirmed: number; malformed: Record<string, number> } {
    return {
      duplicates: this.sequencer?.duplicates ?? 0,
      backfilled: this.sequencer?.backfilled ?? 0,
      unconfirmed: this.sequencer?.unconfirmed ?? 0,
      malformed: this.health.counts(),
    };
  }

  // ---- orders ----------------------------------------------------------------------------------

  async placeOrder(req: OrderRequest): Promise<OrderState> {
    this.requireKeys('place orders');
    const body = orderCreateBody(req, this.opts.category, this.opts.symbol);
    let unanswered = false;
    if (this.trade?.usable()) {
      const res = await this.trade.request('order.create', body);
      if (res.answered && !retryOverRest(res.env.retCode)) return this.judgeCreate(req, body, res.env as Envelope<{ orderId?: string }>, false);
      if (!res.answered) {
        // The request may have reached Bybit. Look before sending it again; the REST attempt
        // carries the same orderLinkId, so Bybit refuses it (110072) if the first one lands late.
        unanswered = true;
        this.log.warn('order over the trade socket got no answer; checking for it, then placing over REST', { orderLinkId: req.orderLinkId, reason: res.reason });
        const found = await this.orderStatus(req.orderLinkId).catch(() => undefined);
        if (found) return found;
      } else {
        this.log.warn('order over the trade socket refused for a reason REST retries; placing over REST', { orderLinkId: req.orderLinkId, retCode: res.env.retCode });
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
      // A ban (HTTP 403) means Bybit refused the request before looking at it: no order exists.
      if (!(e instanceof VenueUnavailableError) || e instanceof VenueBannedError) throw e;
      // Sent, never answered: the order may exist. Ask before declaring anything.
      const found = await this.orderStatus(req.orderLinkId).catch(() => undefined);
      if (found) return found;
      throw new OrderStateUnknownError(req.orderLinkId, e.message);
    }
    return this.judgeCreate(req, body, env, unanswered || sends > 1);
  }

  /** Bybit's answer to an order/create, whichever way it went; `earlierUnanswered`: an earlier send may have landed. */
  private async judgeCreate(req: OrderRequest, body: Raw, env: Envelope<{ orderId?: string }>, earlierUnanswered: boolean): Promise<OrderState> {
    if (DUPLICATE_ORDER_LINK_ID.has(env.retCode)) {
      // An earlier attempt (ours, or before a restart) already placed it.
      const found = await this.orderStatus(req.orderLinkId);
      if (found) {
        this.log.info('order already placed; using the existing one', { orderLinkId: req.orderLinkId, status: found.status });
        return found;
      }
      throw new OrderStateUnknownError(req.orderLinkId, 'Bybit says the orderLinkId is taken but cannot find the order');
    }
    if (env.retCode !== 0 && earlierUnanswered) {
      // An earlier, unanswered attempt may have gone through and be the reason this one was
      // refused (e.g. its margin is now in use): the order that exists wins over the refusal.
      const found = await this.orderStatus(req.orderLinkId).catch(() => undefined);
      if (found) return found;
    }
    this.throwOrderError(env, `place ${String(body.side)} ${String(body.orderType)} ${String(body.qty)}`);
    const orderId = String(env.result?.orderId ?? '');
    if (!orderId) return this.confirmAck(req);
    return acceptedOrder(req, orderId, this.serverNow());
  }

  /**
   * retCode 0 without an orderId is no acceptance: look the order up by its orderLinkId a few times
   * (the retry delays apart). Found: that is its state. Never found: its fate is unknown to the
   * caller, which settles it like an unanswered order, and a retry with the same orderLinkId
   * cannot double it.
   */
  private async confirmAck(req: OrderRequest): Promise<OrderState> {
    this.log.warn('Bybit acknowledged the order without an order id; looking it up', { orderLinkId: req.orderLinkId });
    for (let i = 0; i < ACK_LOOKUPS; i++) {
      if (i > 0) await this.caller.wait(i);
      const found = await this.orderStatus(req.orderLinkId).catch(() => undefined);
      if (found) return found;
    }
    throw new OrderStateUnknownError(req.orderLinkId, `Bybit acknowledged it without an order id and lists no order under its orderLinkId after ${ACK_LOOKUPS} lookups`);
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
    // orderFilter Order: without it Bybit also cancels the position's TP/SL and trailing stop.
    const env = await this.checked<{ list?: Raw[] }>('order/cancel-all', () =>
      this.rest.cancelAllOrders({ category: this.opts.category, symbol: this.opts.symbol, orderFilter: 'Order' }),
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

  /**
   * Bybit answers at most 7 days per execution/list request (docs/v5/order/execution.mdx: with
   * only startTime, the 7 days after it): the span since `sinceMs` is read window by window, each
   * page by page. History older than Bybit's two years is not asked for.
   */
  async fills(sinceMs: number): Promise<Fill[]> {
    this.requireKeys('read fills');
    const out = new Map<string, Fill>();
    // A little past our estimate of Bybit's clock (it leans behind), so the newest fill is included.
    const end = this.serverNow() + 5_000;
    for (let from = Math.max(sinceMs, end - EXECUTION_HISTORY_MS); from <= end; from += EXECUTION_WINDOW_MS) {
      const to = Math.min(end, from + EXECUTION_WINDOW_MS - 1);
      let cursor: string | undefined;
      do {
        const params = { category: this.opts.category, symbol: this.opts.symbol, startTime: from, endTime: to, limit: 100, ...(cursor ? { cursor } : {}) };
        const env = await this.checked<{ list?: unknown[]; nextPageCursor?: string }>('execution/list', () => this.rest.getExecutionList(params));
        for (const x of env.result.list ?? []) {
          const f = this.parseOr(x, parseFill);
          if (f) out.set(f.execId, f);
        }
        cursor = env.result.nextPageCursor || undefined;
      } while (cursor);
    }
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
    const row = (await this.positionRows())[0];
    if (!row) return { side: 'flat', size: new Decimal(0), avgPrice: new Decimal(0), updatedAt: this.serverNow() };
    try {
      return parsePosition(row);
    } catch (e) {
      throw new VenueError(`Bybit sent an unreadable position: ${(e as Error).message}`);
    }
  }

  /**
   * The symbol's position rows. Two rows (positionIdx 1 and 2) mean hedge mode, where every
   * one-way order is refused (10001) and a short can hide on the second row: refused with how to
   * switch, at start and whenever a read shows it (the mode can be switched while flat).
   */
  private async positionRows(): Promise<unknown[]> {
    const env = await this.checked<{ list?: unknown[] }>('position/list', () =>
      this.rest.getPositionInfo({ category: 'linear', symbol: this.opts.symbol }),
    );
    const rows = (env.result.list ?? []).filter((p) => (p as Raw)?.symbol === this.opts.symbol);
    if (rows.some((p) => Number((p as Raw).positionIdx) !== 0 && (p as Raw).positionIdx !== undefined)) {
      throw new VenueSetupError(hedgeModeText(this.opts.symbol, rows as Raw[]));
    }
    return rows;
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
    const msg = this.redactor.redactString(env.retMsg);
    const past = levelPastPrice(env.retCode, env.retMsg);
    if (past === 'stopLoss' || past === 'takeProfit') {
      throw new StopBeyondPriceError(`Bybit refused the ${past === 'stopLoss' ? 'stop-loss' : 'take-profit'}: the price is already past it (retCode ${env.retCode}): ${msg}`, past, `${env.retCode} ${msg}`, env.retCode);
    }
    throw new OrderRejectedError(`Bybit refused the position stops (retCode ${env.retCode}): ${msg}`, env.retCode);
  }

  async setLeverage(leverage: Decimal): Promise<void> {
    this.requireKeys('set leverage');
    if (this.opts.category !== 'linear') return;
    const x = leverage.toFixed();
    const env = await this.caller.call('position/set-leverage', () =>
      this.rest.setLeverage({ category: 'linear', symbol: this.opts.symbol, buyLeverage: x, sellLeverage: x }),
    );
    if (env.retCode === 0 || env.retCode === LEVERAGE_NOT_MODIFIED) return;
    const { symbol } = this.opts;
    const msg = this.redactor.redactString(env.retMsg);
    if (env.retCode === 110038) throw new VenueSetupError(portfolioMarginText(symbol), env.retCode);
    if (env.retCode === 110013) {
      throw new VenueSetupError(`Bybit refused leverage ${x} on ${symbol}: the position's risk limit tier does not allow it (110013 ${msg}). Lower risk.leverage, or pick a lower risk limit for ${symbol} on Bybit.`, env.retCode);
    }
    throw new VenueSetupError(`Bybit refused leverage ${x} on ${symbol} (retCode ${env.retCode}: ${msg}); set risk.leverage to a value Bybit allows for ${symbol}.`, env.retCode);
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
    return this.caller.call(label, send, { resync: false });
  }

  private throwOrderError(env: Envelope, what: string): void {
    if (env.retCode === 0) return;
    const msg = this.redactor.redactString(env.retMsg);
    // The symbol was switched to hedge mode (possible while flat): every one-way order fails so.
    if (/position ?idx not match position mode/i.test(msg)) throw new VenueSetupError(hedgeModeText(this.opts.symbol, []), env.retCode);
    if (INSUFFICIENT_BALANCE.has(env.retCode)) {
      throw new InsufficientBalanceError(`not enough balance to ${what} (Bybit ${env.retCode}: ${msg})`, env.retCode);
    }
    const past = levelPastPrice(env.retCode, env.retMsg);
    if (past) {
      const which = past === 'stopLoss' ? 'its stop-loss' : past === 'takeProfit' ? 'its take-profit' : 'its trigger price';
      throw new StopBeyondPriceError(`Bybit rejected the order (${what}): the price is already past ${which} (${env.retCode} ${msg})`, past, `${env.retCode} ${msg}`, env.retCode);
    }
    throw new OrderRejectedError(`Bybit rejected the order (${what}): ${env.retCode} ${msg}`, env.retCode, rejectionKind(env.retCode, msg));
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

/**
 * What a refusal means for the runner. 110017 is both "current position is zero, cannot fix
 * reduce-only order qty" and "orderQty will be truncated to zero" (a quantity off the step).
 */
function rejectionKind(code: number, msg: string): RejectionKind | undefined {
  if (/position (is )?zero|position.*not (exist|found)|no position/i.test(msg)) return 'nothing_to_reduce';
  if (code === 110074 || /not live|symbol status/i.test(msg)) return 'not_trading';
  if (PRECISION.has(code) || /tick ?size|too many decimals|multiple of|truncated to zero|qty ?step|precision/i.test(msg)) return 'precision';
  return undefined;
}

function hedgeModeText(symbol: string, rows: Raw[]): string {
  const open = rows.filter((r) => typeof r.size === 'string' && Number(r.size) > 0).map((r) => `${r.side === 'Buy' ? 'long' : 'short'} ${String(r.size)}`);
  return `${symbol} is in hedge mode on this Bybit account (two positions per symbol: positionIdx 1 and 2${open.length ? `; open: ${open.join(', ')}` : ''}), and botctl trades one-way mode. ` +
    `Switch ${symbol} to one-way mode: on Bybit's ${symbol} trading screen, Settings → Position Mode → One-Way Mode, or with the API ` +
    `POST /v5/position/switch-mode {"category":"linear","symbol":"${symbol}","mode":0}. Bybit switches only while ${symbol} has no position and no open order.`;
}

function portfolioMarginText(symbol: string): string {
  return `this Bybit account uses portfolio margin, where Bybit lets no one set the leverage of ${symbol} (110038); botctl sets risk.leverage on the symbol and sizes positions by it. ` +
    'Switch the account to cross margin (or isolated margin): on Bybit, Assets → Unified Trading Account → Margin Mode, or with the API ' +
    'POST /v5/account/set-margin-mode {"setMarginMode":"REGULAR_MARGIN"}.';
}

/** Refusals REST's retry loop knows how to handle (rate limit, busy, clock, login): send it there. */
function retryOverRest(code: number): boolean {
  return code === RATE_LIMITED || SERVER_BUSY.has(code) || code === TIMESTAMP_OUT_OF_WINDOW || AUTH_FAILED.has(code);
}

function networkFlags(network: Network): { testnet?: boolean; demoTrading?: boolean } {
  if (network === 'testnet') return { testnet: true };
  if (network === 'demo') return { demoTrading: true };
  return {};
}


// The WebSocket side of the Bybit venue: one bybit-api client for the public kline stream and the
// private account stream, subscriptions that wait for Bybit's ack, connection events, and the
// translation of private pushes into typed VenueEvents. Bad frames are counted, never fatal.
import type { Category, Network } from '../../plan/plan.ts';
import type { Logger, Redactor } from '../../log/index.ts';
import { VenueAuthError, VenueError, VenueUnavailableError } from '../errors.ts';
import type { VenueEvent } from '../venue.ts';
import { BotWsClient } from './clients.ts';
import type { StreamHealth } from './health.ts';
import { MalformedError, parseFill, parseKlinePush, parseOrder, parsePosition, parseWallet, type StreamKline } from './parse.ts';

type Raw = Record<string, unknown>;

export interface StreamSettings {
  network: Network;
  category: Category;
  symbol: string;
  quoteCoin: string;
  key?: string | undefined;
  secret?: string | undefined;
  wsBaseUrl?: string | undefined;
  recvWindowMs: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  reconnectDelayMs: number;
  /** Reconnects back off exponentially from reconnectDelayMs up to this (with jitter). */
  maxReconnectDelayMs: number;
  /** How long to wait for a subscription ack (or login) before giving up. */
  readyTimeoutMs: number;
  /** The account socket is stale when it received nothing (no push, no pong) for this long. */
  staleAfterMs: number;
}

export class BybitStreams {
  private ws: BotWsClient | undefined;
  private klineHandler: ((k: StreamKline) => void) | undefined;
  private klineTopic: string | undefined;
  private offsetMs = 0;
  private watch: NodeJS.Timeout | undefined;
  /** Streams whose loss has been reported and whose return has not: one log line per change. */
  private readonly down = new Map<'market' | 'account', number>();
  /** Called when the public socket is back, so missed candles can be fetched. */
  onMarketReconnected: () => void = () => {};

  constructor(
    private readonly s: StreamSettings,
    private readonly log: Logger,
    private readonly redactor: Redactor,
    private readonly health: StreamHealth,
    private readonly emit: (e: VenueEvent) => void,
    private readonly serverNow: () => number,
  ) {}

  setTimeOffsetMs(ms: number): void {
    this.offsetMs = ms;
    this.ws?.setTimeOffsetMs(ms);
  }

  /** Subscribe to order/execution/position/wallet; rejects with VenueAuthError if the login fails. */
  async openAccount(): Promise<void> {
    await this.subscribe(['order', 'execution', 'position', 'wallet'], 'account');
    this.watchAccount();
  }

  /**
   * Staleness watch on the account socket: bybit-api pings and reconnects when no pong comes, but
   * a socket that receives nothing at all for staleAfterMs (its heartbeat stuck, a half-open link)
   * is reconnected here too, whatever the library believes. The bound is a few ping intervals.
   */
  private watchAccount(): void {
    if (this.watch) return;
    const every = Math.max(50, Math.floor(this.s.staleAfterMs / 3));
    this.watch = setInterval(() => {
      const last = this.ws?.lastFrameAt('v5Private');
      if (last === undefined || this.down.has('account') || Date.now() - last < this.s.staleAfterMs) return;
      this.reconnectAccount(`account stream silent for ${Math.round((Date.now() - last) / 1000)} s (no pushes, no pongs)`);
    }, every);
    this.watch.unref();
  }

  /** Drop the account socket and open it again; its return triggers the runner's REST reconcile. */
  reconnectAccount(why: string): void {
    if (!this.ws || this.down.has('account')) return;
    this.log.warn(`${why}: reconnecting it`, { stream: 'account' });
    this.ws.forceReconnect('v5Private', why);
  }

  /** Subscribe to `kline.{interval}.{symbol}`; `onKline` gets every well-formed update. */
  async openKlines(topic: string, onKline: (k: StreamKline) => void): Promise<void> {
    this.klineTopic = topic;
    this.klineHandler = onKline;
    await this.subscribe([topic], 'market');
  }

  closeKlines(): void {
    if (!this.klineTopic) return;
    this.ws?.unsubscribeV5(this.klineTopic, this.s.category);
    this.klineTopic = undefined;
    this.klineHandler = undefined;
  }

  close(): void {
    clearInterval(this.watch);
    this.ws?.closeAll(true);
    this.ws?.removeAllListeners();
  }

  private client(): BotWsClient {
    if (this.ws) return this.ws;
    const s = this.s;
    const ws = new BotWsClient(
      {
        ...(s.key && s.secret ? { key: s.key, secret: s.secret } : {}),
        ...(s.wsBaseUrl ? {} : s.network === 'testnet' ? { testnet: true } : s.network === 'demo' ? { demoTrading: true } : {}),
        recvWindow: s.recvWindowMs,
        pingInterval: s.pingIntervalMs,
        pongTimeout: s.pongTimeoutMs,
        reconnectTimeout: s.reconnectDelayMs,
      },
      this.log,
      s.wsBaseUrl,
      { maxDelayMs: s.maxReconnectDelayMs },
    );
    ws.setTimeOffsetMs(this.offsetMs);
    const streamOf = (wsKey: unknown) => (wsKey === 'v5Private' ? 'account' : 'market');
    ws.on('reconnect', ({ wsKey }) => {
      // Once per loss: while the network stays down the reconnects back off silently.
      const stream = streamOf(wsKey);
      if (this.down.has(stream)) return;
      this.down.set(stream, Date.now());
      this.log.warn('stream connection lost; reconnecting', { stream });
      this.emit({ kind: 'connection', time: this.serverNow(), stream, state: 'down' });
    });
    const back = ({ wsKey }: { wsKey: unknown }) => {
      const stream = streamOf(wsKey);
      const since = this.down.get(stream);
      if (since === undefined) return;
      this.down.delete(stream);
      this.log.info('stream reconnected', { stream, downMs: Date.now() - since });
      if (stream === 'market') this.onMarketReconnected();
      this.emit({ kind: 'connection', time: this.serverNow(), stream, state: 'up' });
    };
    // Back means subscribed again (pushes flow only from then on). bybit-api's own 'reconnected'
    // is not emitted for a connection that follows failed attempts, so the ack is the signal.
    ws.on('response', (r: Raw) => {
      if (r?.op === 'subscribe' && r.success === true) back({ wsKey: r.wsKey });
    });
    ws.on('exception', (e: Raw) => {
      if (e?.op === 'auth') {
        this.log.error('Bybit refused the stream login: check BYBIT_API_KEY and BYBIT_API_SECRET', {});
        return;
      }
      const text = typeof e?.message === 'string' ? e.message : 'stream error';
      this.health.count(text.startsWith('Failed to parse') ? 'unparseable-frame' : 'stream-exception', text);
    });
    ws.on('update', (msg: Raw) => {
      if (typeof msg?.topic !== 'string') return;
      if (msg.topic === this.klineTopic) this.onKlineFrame(msg);
      else this.onPrivateFrame(msg);
    });
    this.ws = ws;
    return ws;
  }

  /**
   * Subscribe and wait for Bybit's ack. The library's own promise settles on connect, not on the
   * ack, and never for private topics whose login failed, so we watch the replies ourselves.
   */
  private async subscribe(topics: string[], stream: 'market' | 'account'): Promise<void> {
    const ws = this.client();
    const category = this.s.category;
    const wsKey = stream === 'account' ? 'v5Private' : category === 'spot' ? 'v5SpotPublic' : 'v5LinearPublic';
    const timeoutMs = this.s.readyTimeoutMs;
    let onResponse: (r: Raw) => void = () => {};
    let onException: (r: Raw) => void = () => {};
    let timer: NodeJS.Timeout | undefined;
    const acked = new Promise<void>((resolve, reject) => {
      onResponse = (r) => {
        if (r?.wsKey !== wsKey || r.op !== 'subscribe' || r.success !== true) return;
        const reqId = typeof r.req_id === 'string' ? r.req_id : '';
        if (reqId === '' || topics.some((t) => reqId.split(',').includes(t))) resolve();
      };
      onException = (r) => {
        if (r?.wsKey !== wsKey) return;
        if (r.op === 'auth') {
          reject(new VenueAuthError("Bybit refused the account stream login: check BYBIT_API_KEY and BYBIT_API_SECRET and the key's network."));
        } else if (r.op === 'subscribe' && r.success === false) {
          reject(new VenueError(`Bybit refused the ${stream} stream subscription: ${this.redactor.redactString(String(r.ret_msg ?? ''))}`));
        }
      };
      timer = setTimeout(
        () => reject(new VenueUnavailableError(`Bybit ${stream} stream did not confirm the subscription within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    ws.on('response', onResponse);
    ws.on('exception', onException);
    try {
      for (const p of ws.subscribeV5(topics, category)) {
        p.catch(() => {}); // failures surface as exception events, handled above
      }
      await acked;
    } finally {
      clearTimeout(timer);
      ws.off('response', onResponse);
      ws.off('exception', onException);
    }
  }

  private onKlineFrame(msg: Raw): void {
    if (!Array.isArray(msg.data)) {
      this.health.count('kline-frame', 'kline frame without a data list');
      return;
    }
    for (const item of msg.data) {
      try {
        this.klineHandler?.(parseKlinePush(item));
      } catch (e) {
        if (!(e instanceof MalformedError)) throw e;
        this.health.count('kline-frame', e.message);
      }
    }
  }

  private onPrivateFrame(msg: Raw): void {
    const topic = String(msg.topic).split('.')[0];
    if (topic !== 'order' && topic !== 'execution' && topic !== 'position' && topic !== 'wallet') {
      if (!String(msg.topic).startsWith('kline.')) this.health.count('unexpected-topic', String(msg.topic));
      return;
    }
    if (!Array.isArray(msg.data)) {
      this.health.count(`${topic}-frame`, `${topic} frame without a data list`);
      return;
    }
    const time = typeof msg.creationTime === 'number' ? msg.creationTime : this.serverNow();
    for (const item of msg.data) {
      const it = item as Raw;
      // The all-in-one topics carry every symbol and category of the account.
      if (topic !== 'wallet' && (it?.symbol !== this.s.symbol || (it.category !== undefined && it.category !== this.s.category))) continue;
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
        } else if (it?.accountType === undefined || it.accountType === 'UNIFIED') {
          this.emit({ kind: 'wallet', time, equity: parseWallet(item, this.s.quoteCoin, time) });
        }
      } catch (e) {
        if (!(e instanceof MalformedError)) throw e;
        this.health.count(`${topic}-frame`, e.message);
      }
    }
  }
}

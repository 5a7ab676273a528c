// Thin subclasses of bybit-api's clients: the REST client takes its clock offset from us (so a
// 10002 can be fixed by a resync we control, with no console output from the library), and the
// WebSocket client can be pointed at a loopback fake for every socket and every reconnect
// (reference §1.2: getWsUrl is consulted on each connect).
import { createHmac } from 'node:crypto';
import { RestClientV5, WebsocketClient, type WsKey } from 'bybit-api';
import type { WSClientConfigurableOptions } from 'bybit-api';
import type { Logger } from '../../log/index.ts';

export class BotRestClient extends RestClientV5 {
  /** Added to Date.now() for X-BAPI-TIMESTAMP. Set by the adapter's time sync. */
  clockOffsetMs = 0;

  constructor(options: ConstructorParameters<typeof RestClientV5>[0], network: ConstructorParameters<typeof RestClientV5>[1]) {
    // syncTimeBeforePrivateRequests makes the library ask fetchTimeOffset() before each signed
    // request; we answer from memory, so it costs no network call.
    // parseAPIRateLimits: every answer carries Bybit's X-Bapi-Limit headers (call.ts honours them).
    super({ ...options, ...fastSigning(options?.secret), syncTimeBeforePrivateRequests: true, enable_time_sync: false, parseAPIRateLimits: true }, network);
  }

  override async fetchTimeOffset(): Promise<number> {
    return this.clockOffsetMs;
  }
}

const LOOPBACK_PATHS: Partial<Record<WsKey, string>> = {
  v5SpotPublic: '/v5/public/spot',
  v5LinearPublic: '/v5/public/linear',
  v5InversePublic: '/v5/public/inverse',
  v5OptionPublic: '/v5/public/option',
  v5Private: '/v5/private',
  v5PrivateTrade: '/v5/trade',
};

/** How stream reconnects back off: exponential from `reconnectTimeout`, with jitter, capped. */
export interface ReconnectBackoff {
  /** Ceiling of one delay (default 30 s). */
  maxDelayMs?: number;
  /** 0..1; jitter source (injectable for tests). */
  random?: () => number;
  /** Clock for "the connection stayed up" (injectable for tests). */
  now?: () => number;
}

/**
 * The delays between reconnect attempts of each socket: each consecutive failure doubles the
 * delay from `baseMs` ("equal jitter": at least half of it), up to the ceiling. A connection that
 * stayed up for a ceiling's length counts as stable: the next loss starts again from `baseMs`.
 */
export class ReconnectSchedule {
  /** Consecutive failed connections per socket; reset once one has stayed up. */
  private readonly failures = new Map<string, number>();
  private readonly upSince = new Map<string, number>();
  private readonly maxMs: number;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly baseMs: number, o: ReconnectBackoff = {}) {
    this.maxMs = Math.max(baseMs, o.maxDelayMs ?? 30_000);
    this.random = o.random ?? Math.random;
    this.now = o.now ?? Date.now;
  }

  /** How long to wait before the next connection attempt of `key`. */
  next(key: string): number {
    const exp = Math.min(this.maxMs, this.baseMs * 2 ** (this.stable(key) ? 0 : this.failures.get(key) ?? 0));
    return Math.round(exp / 2 + (exp / 2) * this.random());
  }

  /** The socket was lost, or an attempt to connect it failed. */
  lost(key: string): void {
    this.failures.set(key, this.stable(key) ? 1 : (this.failures.get(key) ?? 0) + 1);
    this.upSince.delete(key);
  }

  /** The socket is connected. */
  up(key: string): void {
    this.upSince.set(key, this.now());
  }

  /** Connected for a ceiling's length: what came before is forgotten (one that drops soon after opening is not). */
  private stable(key: string): boolean {
    const up = this.upSince.get(key);
    return up !== undefined && this.now() - up >= this.maxMs;
  }
}

export class BotWsClient extends WebsocketClient {
  constructor(options: WSClientConfigurableOptions, logger: Logger, private readonly baseUrl?: string, backoff: ReconnectBackoff = {}) {
    super({ ...options, ...fastSigning(options.secret) }, libraryLogger(logger));
    // bybit-api retries a lost socket every `reconnectTimeout` forever (a dead network: every
    // 0.5 s). Its scheduler is private, so the instance's copy is wrapped to back off instead.
    const reconnects = new ReconnectSchedule(options.reconnectTimeout ?? 500, backoff);
    const self = this as unknown as { reconnectWithDelay(wsKey: WsKey, ms: number): void };
    const schedule = self.reconnectWithDelay.bind(this);
    self.reconnectWithDelay = (wsKey) => schedule(wsKey, reconnects.next(wsKey));
    this.on('reconnect', ({ wsKey }) => reconnects.lost(wsKey));
    this.on('reconnected', ({ wsKey }) => reconnects.up(wsKey));
    this.on('open', ({ wsKey }) => reconnects.up(wsKey));
    // Every frame a socket receives (a pong included) stamps it, for the staleness watch.
    const lib = this as unknown as { onWsMessage(event: unknown, wsKey: WsKey, ws: unknown): unknown };
    const onMessage = lib.onWsMessage.bind(this);
    lib.onWsMessage = (event, wsKey, ws) => {
      this.heard.set(wsKey, Date.now());
      return onMessage(event, wsKey, ws);
    };
  }

  private readonly heard = new Map<WsKey, number>();

  /** When the socket last received anything (a push or a pong); undefined before its first frame. */
  lastFrameAt(wsKey: WsKey): number | undefined {
    return this.heard.get(wsKey);
  }

  /** Drop the socket and reconnect it (bybit-api resubscribes its topics). */
  forceReconnect(wsKey: WsKey, reason: string): void {
    this.heard.delete(wsKey);
    (this as unknown as { executeReconnectableClose(wsKey: WsKey, reason: string): void }).executeReconnectableClose(wsKey, reason);
  }

  /** Last word on every outgoing frame: false drops it (see TradeSocket's abandoned requests). */
  sendFilter: ((wsMessage: string) => boolean) | undefined;

  override tryWsSend(wsKey: WsKey, wsMessage: string, throwExceptions?: boolean): void {
    if (this.sendFilter && !this.sendFilter(wsMessage)) return;
    super.tryWsSend(wsKey, wsMessage, throwExceptions);
  }

  protected override async getWsUrl(wsKey: WsKey): Promise<string> {
    if (this.baseUrl === undefined) return super.getWsUrl(wsKey);
    const path = LOOPBACK_PATHS[wsKey];
    if (!path) throw new Error(`no WebSocket path for ${wsKey}`);
    return this.baseUrl + path;
  }
}

/**
 * HMAC-SHA256 hex with node:crypto instead of the library's WebCrypto path (importKey on every
 * request, then an async sign): same bytes, measurably less time per signed request. RSA keys
 * (PEM) keep the library's own signing.
 */
function fastSigning(secret: string | undefined): { customSignMessageFn?: (message: string, secret: string) => Promise<string> } {
  if (!secret || secret.includes('-----BEGIN')) return {};
  return { customSignMessageFn: (message, key) => Promise.resolve(createHmac('sha256', key).update(message).digest('hex')) };
}

/**
 * bybit-api logs with (message, ...objects), where objects may hold live sockets. Keep the
 * message and the small scalar fields (wsKey, ...) only; our logger redacts them.
 */
function libraryLogger(log: Logger) {
  const fields = (params: unknown[]) => {
    const out: Record<string, unknown> = {};
    for (const p of params) {
      if (typeof p !== 'object' || p === null) continue;
      for (const [k, v] of Object.entries(p)) {
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
      }
    }
    return out;
  };
  const text = (p: unknown) => (typeof p === 'string' ? p : p instanceof Error ? p.message : 'bybit-api');
  return {
    trace: () => {},
    // The library chatters on every frame: build nothing unless debug logging is on.
    info: (msg: unknown, ...rest: unknown[]) => { if (log.isLevelEnabled('debug')) log.debug(`bybit-api: ${text(msg)}`, fields(rest)); },
    error: (msg: unknown, ...rest: unknown[]) => { if (log.isLevelEnabled('debug')) log.debug(`bybit-api: ${text(msg)}`, fields(rest)); },
  };
}

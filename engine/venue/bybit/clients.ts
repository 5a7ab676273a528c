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
}

export class BotWsClient extends WebsocketClient {
  /** Consecutive failed connections per socket; reset once one has stayed up. */
  private readonly failures = new Map<WsKey, number>();
  private readonly upSince = new Map<WsKey, number>();

  constructor(options: WSClientConfigurableOptions, logger: Logger, private readonly baseUrl?: string, backoff: ReconnectBackoff = {}) {
    super({ ...options, ...fastSigning(options.secret) }, libraryLogger(logger));
    // bybit-api retries a lost socket every `reconnectTimeout` forever (a dead network: every
    // 0.5 s). Its scheduler is private, so the instance's copy is wrapped: each consecutive failure
    // doubles the delay ("equal jitter": at least half of it), up to maxDelayMs.
    const base = options.reconnectTimeout ?? 500;
    const max = Math.max(base, backoff.maxDelayMs ?? 30_000);
    const random = backoff.random ?? Math.random;
    const self = this as unknown as { reconnectWithDelay(wsKey: WsKey, ms: number): void };
    const schedule = self.reconnectWithDelay.bind(this);
    self.reconnectWithDelay = (wsKey) => {
      const exp = Math.min(max, base * 2 ** (this.failures.get(wsKey) ?? 0));
      schedule(wsKey, Math.round(exp / 2 + (exp / 2) * random()));
    };
    this.on('reconnect', ({ wsKey }) => {
      // A connection that dropped soon after opening does not reset the back-off.
      const up = this.upSince.get(wsKey);
      const stable = up !== undefined && Date.now() - up >= max;
      this.failures.set(wsKey, stable ? 1 : (this.failures.get(wsKey) ?? 0) + 1);
      this.upSince.delete(wsKey);
    });
    this.on('reconnected', ({ wsKey }) => this.upSince.set(wsKey, Date.now()));
    this.on('open', ({ wsKey }) => this.upSince.set(wsKey, Date.now()));
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

  /** Consecutive failed connections of a socket (0 while it is up and has been for a while). */
  failuresOf(wsKey: WsKey): number {
    return this.failures.get(wsKey) ?? 0;
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

// Bybit's WebSocket Trade API (reference §7) through bybit-api's sendWSAPIRequest on the
// v5PrivateTrade socket: an order request without the HTTP machinery per call. This class only
// says "here is Bybit's reply" or "no reply"; deciding what a missing reply means (look the order
// up, fall back to REST with the same orderLinkId) is the adapter's job.
import type { Logger } from '../../log/index.ts';
import type { Envelope } from './call.ts';
import { BotWsClient } from './clients.ts';
import { REPEAT_AUTH } from './codes.ts';

type Raw = Record<string, unknown>;
const WS_KEY = 'v5PrivateTrade';

export interface TradeSocketSettings {
  key: string;
  secret: string;
  testnet: boolean;
  wsBaseUrl?: string | undefined;
  recvWindowMs: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  reconnectDelayMs: number;
  maxReconnectDelayMs: number;
  /** A request without a reply after this long counts as unanswered. */
  replyTimeoutMs: number;
}

/** Bybit answered (any retCode), or it did not within the bound / the socket was not usable. */
export type TradeResult = { answered: true; env: Envelope<Raw> } | { answered: false; reason: string };

export class TradeSocket {
  private readonly ws: BotWsClient;
  /** Connected and logged in with retCode 0 (the library alone would call a refused login "authenticated"). */
  private ready = false;
  private refusalLogged = false;
  private closed = false;
  private readyWaiters: Array<() => void> = [];
  /**
   * orderLinkIds whose request we stopped waiting for (and handed to REST). The library computes
   * the request's timestamp after its own connect/login awaits, so a request stuck there could
   * still go out much later with a fresh timestamp: the send filter drops it instead.
   */
  private readonly abandoned = new Set<string>();

  constructor(private readonly s: TradeSocketSettings, private readonly log: Logger) {
    this.ws = new BotWsClient(
      {
        key: s.key,
        secret: s.secret,
        ...(s.wsBaseUrl ? {} : s.testnet ? { testnet: true } : {}),
        recvWindow: s.recvWindowMs,
        pingInterval: s.pingIntervalMs,
        pongTimeout: s.pongTimeoutMs,
        reconnectTimeout: s.reconnectDelayMs,
      },
      log,
      s.wsBaseUrl,
      { maxDelayMs: s.maxReconnectDelayMs },
    );
    this.ws.on('authenticated', (e: Raw) => {
      // bybit-api logs in on connect and again for the first request; Bybit answers the second
      // with 20001, which says nothing new about the socket.
      if (e?.wsKey !== WS_KEY || e.retCode === REPEAT_AUTH) return;
      if (e.retCode === 0 || e.success === true) {
        if (!this.ready) this.log.info('trade socket logged in; orders go over WebSocket', {});
        this.ready = true;
        for (const w of this.readyWaiters.splice(0)) w();
        return;
      }
      this.ready = false;
      if (!this.refusalLogged) {
        this.refusalLogged = true;
        this.log.error('Bybit refused the trade socket login; placing orders over REST', { retCode: typeof e.retCode === 'number' ? e.retCode : undefined });
      }
    });
    this.ws.on('reconnect', (e: Raw) => {
      if (e?.wsKey !== WS_KEY || !this.ready) return;
      this.ready = false;
      this.log.warn('trade socket lost; orders go over REST until it is back', {});
    });
    // WS-API refusals arrive as exceptions too; the request's own promise carries them to us.
    this.ws.on('exception', () => {});
    this.ws.sendFilter = (text) => this.abandoned.size === 0 || !this.abandoned.has(orderLinkIdOf(text));
  }

  setTimeOffsetMs(ms: number): void {
    this.ws.setTimeOffsetMs(ms);
  }

  /** Connect and log in, waiting at most `timeoutMs`. Never throws: without it orders use REST. */
  async open(timeoutMs: number): Promise<boolean> {
    this.ws.connectWSAPI().catch(() => {});
    if (!this.ready) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.readyWaiters.push(resolve);
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
    }
    if (!this.ready && !this.refusalLogged) {
      this.log.warn(`trade socket not logged in within ${timeoutMs} ms; orders go over REST until it is`, {});
    }
    return this.ready;
  }

  usable(): boolean {
    return this.ready && !this.closed;
  }

  async request(op: 'order.create', body: Raw): Promise<TradeResult> {
    if (!this.usable()) return { answered: false, reason: 'trade socket not logged in' };
    let timer: NodeJS.Timeout | undefined;
    const link = String(body.orderLinkId ?? '');
    const timeout = new Promise<TradeResult>((resolve) => {
      timer = setTimeout(() => {
        this.abandon(link);
        resolve({ answered: false, reason: `no reply within ${this.s.replyTimeoutMs} ms` });
      }, this.s.replyTimeoutMs);
    });
    const reply = this.ws.sendWSAPIRequest(WS_KEY, op, body as never).then(
      (r) => envelopeOf(r) ?? { answered: false as const, reason: 'reply without retCode' },
      // Refusals (retCode ≠ 0) reject with the reply; anything else is a lost connection.
      (e: unknown) => envelopeOf(e) ?? { answered: false as const, reason: 'connection lost before the reply' },
    );
    try {
      return await Promise.race([reply, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private abandon(orderLinkId: string): void {
    if (!orderLinkId) return;
    this.abandoned.add(orderLinkId);
    // Bounded: a request held back this long by the library is long past its usefulness anyway.
    if (this.abandoned.size > 1000) this.abandoned.delete(this.abandoned.values().next().value as string);
  }

  close(): void {
    this.closed = true;
    this.ready = false;
    for (const w of this.readyWaiters.splice(0)) w();
    this.ws.closeAll(true);
    this.ws.removeAllListeners();
  }
}

/** The orderLinkId of an order.create frame, '' for anything else. */
function orderLinkIdOf(text: string): string {
  if (!text.includes('"order.create"')) return '';
  try {
    const msg = JSON.parse(text) as { op?: unknown; args?: Array<{ orderLinkId?: unknown }> };
    return msg.op === 'order.create' ? String(msg.args?.[0]?.orderLinkId ?? '') : '';
  } catch {
    return '';
  }
}

function envelopeOf(x: unknown): TradeResult | undefined {
  if (typeof x !== 'object' || x === null || typeof (x as Raw).retCode !== 'number') return undefined;
  const r = x as Raw;
  const data = typeof r.data === 'object' && r.data !== null ? (r.data as Raw) : {};
  return { answered: true, env: { retCode: r.retCode as number, retMsg: String(r.retMsg ?? ''), result: data } };
}

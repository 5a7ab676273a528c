// WebSocket side of the fake: public (kline) and private (order/execution/position/wallet)
// streams, auth, ping/pong, subscribe acks, and the socket faults (drop, stall, no pongs, junk).
import { createHmac, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';

export type SocketKind = 'spot' | 'linear' | 'inverse' | 'option' | 'private' | 'trade';
export type SocketSelector = SocketKind | 'public' | 'all';

interface Conn {
  ws: WebSocket;
  kind: SocketKind;
  connId: string;
  authed: boolean;
  topics: Set<string>;
  /** Sends nothing at all (half-open connection). */
  stalled: boolean;
  /** Answers pings but delivers no pushes (connected but silent). */
  silent: boolean;
  /** Last frame the client sent (a ping counts): for the idle disconnect. */
  heardAt: number;
}

export interface WsOptions {
  apiKey: string;
  apiSecret: string;
  serverNow(): number;
  /** Carries out an order op from the trade socket; `reply` undefined = never answer. */
  trade(op: TradeOp, body: Record<string, unknown>): TradeOutcome;
}

export type TradeOp = 'order.create' | 'order.amend' | 'order.cancel';
const TRADE_OPS = new Set<unknown>(['order.create', 'order.amend', 'order.cancel']);

export interface TradeReply {
  retCode: number;
  retMsg: string;
  data: unknown;
  /** Rate-limit headers (X-Bapi-Limit...); default: the limit untouched. */
  header?: Record<string, string>;
}

export interface TradeOutcome {
  reply?: TradeReply;
  /** Slow exchange: carry the op out after `delayMs`, then answer. */
  later?: { delayMs: number; run: () => TradeReply };
  /** Called once the reply is sent (pushes held until after the reply go out then). */
  replied?: () => void;
}

const PATHS: Record<string, SocketKind> = {
  '/v5/public/spot': 'spot',
  '/v5/public/linear': 'linear',
  '/v5/public/inverse': 'inverse',
  '/v5/public/option': 'option',
  '/v5/private': 'private',
  '/v5/trade': 'trade',
};

export class FakeWs {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly conns = new Set<Conn>();
  /** Fault: don't answer pings (the client's pong timeout then forces a reconnect). */
  withholdPongs = false;
  /** Fault: reject private auth. */
  rejectAuth = false;
  /** Fault: reject auth on the trade socket only (the account stream still logs in). */
  rejectTradeAuth = false;
  /** Fault: refuse /v5/trade upgrades (as on Bybit's demo network, which has no WS trade). */
  noTradeSocket = false;
  /** Fault: refuse every new connection (the network is down: reconnects fail until it is back). */
  refuseConnections = false;
  /**
   * Bybit cuts a connection that sent no ping and got no data for 10 minutes
   * (docs/v5/websocket/wss-authentication.mdx, max_active_time). 0: off (default); tests shorten it.
   */
  idleTimeoutMs = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Every message a client sent, for assertions. */
  readonly received: Array<{ kind: SocketKind; msg: unknown }> = [];
  /** Connections ever accepted, per kind (reconnects count). */
  readonly connectCount: Partial<Record<SocketKind, number>> = {};

  constructor(private readonly opts: WsOptions) {}

  /** Starts (or stops, with 0) the idle-disconnect check. */
  setIdleTimeout(ms: number): void {
    this.idleTimeoutMs = ms;
    clearInterval(this.idleTimer);
    this.idleTimer = undefined;
    if (ms <= 0) return;
    this.idleTimer = setInterval(() => {
      const now = Date.now();
      for (const c of [...this.conns]) {
        if (now - c.heardAt < ms) continue;
        this.conns.delete(c);
        c.ws.close(1000, 'idle');
      }
    }, Math.max(10, Math.floor(ms / 4)));
    this.idleTimer.unref();
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const kind = PATHS[path];
    if (!kind || (kind === 'trade' && this.noTradeSocket) || this.refuseConnections) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, kind));
  }

  private accept(ws: WebSocket, kind: SocketKind): void {
    const conn: Conn = { ws, kind, connId: randomUUID(), authed: false, topics: new Set(), stalled: false, silent: false, heardAt: Date.now() };
    this.conns.add(conn);
    this.connectCount[kind] = (this.connectCount[kind] ?? 0) + 1;
    ws.on('close', () => this.conns.delete(conn));
    ws.on('error', () => this.conns.delete(conn));
    ws.on('message', (data) => this.onMessage(conn, data.toString()));
  }

  private onMessage(c: Conn, text: string): void {
    c.heardAt = Date.now();
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    this.received.push({ kind: c.kind, msg });
    const reqId = typeof msg.req_id === 'string' ? msg.req_id : undefined;
    const isPrivate = c.kind === 'private' || c.kind === 'trade';
    switch (msg.op) {
      case 'ping':
        if (this.withholdPongs) return;
        if (isPrivate) this.send(c, { req_id: '', op: 'pong', args: [String(Date.now())], conn_id: c.connId });
        else this.send(c, { success: true, ret_msg: 'pong', conn_id: c.connId, ...(c.kind === 'spot' ? {} : { req_id: '' }), op: 'ping' });
        return;
      case 'auth': {
        const ok = !this.rejectAuth && !(c.kind === 'trade' && this.rejectTradeAuth) && this.verifyAuth(msg.args);
        if (c.kind === 'trade' && c.authed && ok) {
          // Real Bybit answers a repeat login on the trade socket with 20001 (reference §7).
          this.send(c, { retCode: 20001, retMsg: 'Repeat auth', op: 'auth', connId: c.connId });
        } else if (c.kind === 'trade') {
          this.send(c, { retCode: ok ? 0 : 10004, retMsg: ok ? 'OK' : 'Invalid sign', op: 'auth', connId: c.connId });
        } else {
          this.send(c, { success: ok, ret_msg: ok ? '' : 'Request not authorized', op: 'auth', conn_id: c.connId, ...(reqId ? { req_id: reqId } : {}) });
        }
        if (ok) c.authed = true;
        return;
      }
      case 'subscribe':
      case 'unsubscribe': {
        const args = Array.isArray(msg.args) ? msg.args.filter((a): a is string => typeof a === 'string') : [];
        if (isPrivate && !c.authed) {
          this.send(c, { success: false, ret_msg: 'Request not authorized', op: msg.op, conn_id: c.connId, ...(reqId ? { req_id: reqId } : {}) });
          return;
        }
        for (const a of args) {
          if (msg.op === 'subscribe') c.topics.add(a);
          else c.topics.delete(a);
        }
        const retMsg = c.kind === 'spot' ? String(msg.op) : '';
        this.send(c, { success: true, ret_msg: retMsg, conn_id: c.connId, ...(reqId ? { req_id: reqId } : {}), op: msg.op });
        return;
      }
      default:
        if (c.kind === 'trade' && TRADE_OPS.has(msg.op)) this.onTradeOp(c, msg);
        return;
    }
  }

  /** WS Trade API (reference §7): one REST-style body in args, reply echoing reqId and op. */
  private onTradeOp(c: Conn, msg: Record<string, unknown>): void {
    const op = msg.op as TradeOp;
    const reqId = typeof msg.reqId === 'string' ? msg.reqId : '';
    const body = Array.isArray(msg.args) && typeof msg.args[0] === 'object' && msg.args[0] !== null ? (msg.args[0] as Record<string, unknown>) : {};
    const header = msg.header as Record<string, unknown> | undefined;
    const ts = Number(header?.['X-BAPI-TIMESTAMP']);
    const rw = Number(header?.['X-BAPI-RECV-WINDOW'] ?? 5000);
    const now = this.opts.serverNow();
    let outcome: TradeOutcome;
    if (!c.authed) outcome = { reply: { retCode: 10003, retMsg: 'Request not authorized', data: {} } };
    else if (!Number.isFinite(ts) || !(now - rw <= ts && ts < now + 1000)) {
      outcome = { reply: { retCode: 10002, retMsg: `invalid request, please check your server timestamp or recv_window param. req_timestamp[${ts}],server_timestamp[${now}],recv_window[${rw}]`, data: {} } };
    } else outcome = this.opts.trade(op, body);
    const answer = (reply: TradeReply) => {
      const t = String(this.opts.serverNow());
      this.send(c, {
        reqId, retCode: reply.retCode, retMsg: reply.retMsg, op, data: reply.data, retExtInfo: {},
        header: {
          'X-Bapi-Limit': reply.header?.['x-bapi-limit'] ?? '10', 'X-Bapi-Limit-Status': reply.header?.['x-bapi-limit-status'] ?? '9',
          'X-Bapi-Limit-Reset-Timestamp': reply.header?.['x-bapi-limit-reset-timestamp'] ?? t, Traceid: randomUUID(), Timenow: t,
        },
        connId: c.connId,
      });
    };
    const later = outcome.later;
    if (later) {
      setTimeout(() => {
        answer(later.run());
        outcome.replied?.();
      }, later.delayMs);
    } else if (outcome.reply) {
      answer(outcome.reply);
      outcome.replied?.();
    }
  }

  private verifyAuth(args: unknown): boolean {
    if (!Array.isArray(args) || args.length !== 3) return false;
    const [key, expires, sig] = args as [unknown, unknown, unknown];
    if (key !== this.opts.apiKey || typeof expires !== 'number' || expires <= this.opts.serverNow()) return false;
    const expected = createHmac('sha256', this.opts.apiSecret).update(`GET/realtime${expires}`).digest('hex');
    return sig === expected;
  }

  private send(c: Conn, payload: unknown): boolean {
    if (c.stalled || c.ws.readyState !== WebSocket.OPEN) return false;
    c.ws.send(typeof payload === 'string' ? payload : JSON.stringify(payload));
    return true;
  }

  private select(sel: SocketSelector): Conn[] {
    return [...this.conns].filter((c) =>
      sel === 'all' ? true : sel === 'public' ? c.kind !== 'private' && c.kind !== 'trade' : c.kind === sel,
    );
  }

  /** Push a public topic message to every subscriber on sockets of `kind`. */
  publishPublic(kind: SocketKind, topic: string, data: object[], ts: number): number {
    let n = 0;
    for (const c of this.select(kind)) {
      if (!c.topics.has(topic) || c.silent) continue;
      if (this.send(c, { topic, type: 'snapshot', ts, data })) n++;
    }
    return n;
  }

  /** Push a private topic (all-in-one `order` or categorised `order.linear`) to authed subscribers. */
  publishPrivate(topic: string, category: string, data: object[]): void {
    for (const c of this.select('private')) {
      if (!c.authed || c.silent) continue;
      const name = c.topics.has(topic) ? topic : c.topics.has(`${topic}.${category}`) ? `${topic}.${category}` : undefined;
      if (!name) continue;
      this.send(c, { id: randomUUID(), topic: name, creationTime: Date.now(), data });
    }
  }

  /** Send a raw text frame (malformed or duplicate frames). */
  sendRaw(sel: SocketSelector, text: string): void {
    for (const c of this.select(sel)) this.send(c, text);
  }

  /** Kill connections abruptly (TCP reset): the client notices at once and reconnects. */
  drop(sel: SocketSelector): number {
    const cs = this.select(sel);
    for (const c of cs) {
      c.ws.terminate();
      this.conns.delete(c);
    }
    return cs.length;
  }

  /** Keep connections open but send nothing (no pongs, no pushes): a dead link the client must detect. */
  stall(sel: SocketSelector): number {
    const cs = this.select(sel);
    for (const c of cs) c.stalled = true;
    return cs.length;
  }

  /** Keep connections open and answering pings, but deliver no pushes: connected but silent. */
  silence(sel: SocketSelector): number {
    const cs = this.select(sel);
    for (const c of cs) c.silent = true;
    return cs.length;
  }

  /** Currently open connections of a kind that have subscribed to `topic` (or any, if omitted). */
  subscribers(sel: SocketSelector, topic?: string): number {
    return this.select(sel).filter((c) => !c.stalled && (topic === undefined ? c.topics.size > 0 : c.topics.has(topic))).length;
  }

  close(): void {
    clearInterval(this.idleTimer);
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
    this.wss.close();
  }
}

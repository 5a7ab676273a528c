// REST side of the fake: signature and recv-window checks on the raw bytes, the v5 envelope,
// market data, trading endpoints, and per-path fault injection.
import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Decimal } from 'decimal.js';
import type { Candle } from '../../engine/market/candle.ts';
import { RetCodeError, type FakeExchange } from './exchange.ts';
import { RateLimits, type LimitVerdict } from './limits.ts';
import type { FakeAccount } from './account.ts';
import type { PushGate } from './pushes.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  /** Parsed query (GET) or JSON body (POST). */
  params: Record<string, unknown>;
  /** retCode sent back, HTTP status for HTTP-level faults, or -1 when the response was withheld. */
  retCode: number;
  httpStatus: number;
  time: number;
}

/** One injected fault, consumed by the next `times` requests to `path`. */
export type Fault =
  | { kind: 'http'; status: number }
  | { kind: 'retCode'; retCode: number; retMsg: string }
  | { kind: 'delay'; ms: number }
  /** Process the request normally (state changes, pushes) but never answer: the client times out. */
  | { kind: 'acceptThenHang' }
  /** Swallow the request: not processed, never answered (a black-holed connection). */
  | { kind: 'hang' }
  /** Answer retCode 0 with an empty orderId and carry nothing out: an ack with no order behind it. */
  | { kind: 'emptyAck' };

export interface RestContext {
  apiKey: string;
  apiSecret: string;
  /** Keys that exist but may only read (writes get 10005). */
  readOnly: boolean;
  exchange: FakeExchange;
  serverNow(): number;
  /** Closed candles plus the open one (if any), sorted by start. */
  klines(): Candle[];
  intervalMs: number;
  interval: string;
  instrumentItem(): Record<string, unknown>;
  tickerItem(): Record<string, unknown>;
  takeFault(path: string): Fault | undefined;
  record(r: RecordedRequest): void;
  /** Write requests run through it: their private pushes go out before or after the reply. */
  pushes: PushGate;
  /** Fault: trading-stop fails with this code. */
  tradingStopFault?: { retCode: number; retMsg: string } | undefined;
  hung: Set<ServerResponse>;
  /** Per-endpoint and per-IP request limits (limits.ts). */
  limits: RateLimits;
  /** Position mode, margin mode, account type (account.ts). */
  account: FakeAccount;
  /** instruments-info status; only Trading takes new orders (reduce-only closes still go). */
  instrumentStatus(): string;
}

const PUBLIC = new Set(['/v5/market/time', '/v5/market/kline', '/v5/market/instruments-info', '/v5/market/tickers']);
export const WRITES = new Set([
  '/v5/order/create', '/v5/order/amend', '/v5/order/cancel', '/v5/order/cancel-all',
  '/v5/position/trading-stop', '/v5/position/set-leverage', '/v5/position/switch-mode',
]);

export async function handleRest(ctx: RestContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const rawQuery = q < 0 ? '' : raw.slice(q + 1);
  const rawBody = await readBody(req);
  let params: Record<string, unknown> = {};
  if (req.method === 'GET') params = Object.fromEntries(new URLSearchParams(rawQuery));
  else if (rawBody) {
    try { params = JSON.parse(rawBody) as Record<string, unknown>; } catch { params = {}; }
  }
  const rec: RecordedRequest = { method: req.method ?? '', path, params, retCode: 0, httpStatus: 200, time: Date.now() };
  ctx.record(rec);
  if (ctx.limits.ipBanned(ctx.serverNow())) {
    // The IP limit was broken: Bybit answers every request with HTTP 403 until the ban lifts.
    rec.httpStatus = 403;
    rec.retCode = 403;
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end('access too frequent');
    return;
  }

  const fault = ctx.takeFault(path);
  if (fault?.kind === 'hang') {
    rec.retCode = -1;
    ctx.hung.add(res);
    res.on('close', () => ctx.hung.delete(res));
    return;
  }
  if (fault?.kind === 'delay') await sleep(fault.ms);
  if (fault?.kind === 'http') {
    rec.httpStatus = fault.status;
    rec.retCode = fault.status;
    res.writeHead(fault.status, { 'content-type': 'text/html' });
    res.end(`<html><body>${fault.status}</body></html>`);
    return;
  }
  if (fault?.kind === 'retCode') {
    rec.retCode = fault.retCode;
    return send(ctx, res, fault.retCode, fault.retMsg, {});
  }
  if (fault?.kind === 'emptyAck') return send(ctx, res, 0, 'OK', { orderId: '', orderLinkId: '' });
  const limit = PUBLIC.has(path) ? undefined : ctx.limits.take(path, ctx.serverNow());
  if (limit?.exceeded) {
    rec.retCode = 10006;
    return send(ctx, res, 10006, 'Too many visits!', {}, limit);
  }

  let retCode = 0;
  let retMsg = 'OK';
  let result: unknown = {};
  let replied = () => {};
  try {
    if (!PUBLIC.has(path)) checkAuth(ctx, req, req.method === 'GET' ? rawQuery : rawBody);
    if (WRITES.has(path) && ctx.readOnly) throw new RetCodeError(10005, 'Permission denied, please check your API key permissions.');
    if (WRITES.has(path)) {
      const r = ctx.pushes.around(() => route(ctx, req.method ?? 'GET', path, params));
      result = r.value;
      replied = r.replied;
    } else result = route(ctx, req.method ?? 'GET', path, params);
  } catch (e) {
    if (e instanceof RetCodeError) {
      retCode = e.retCode;
      retMsg = e.retMsg;
      result = {};
    } else if (e instanceof NotFound) {
      rec.httpStatus = 404;
      res.writeHead(404);
      res.end('not found');
      return;
    } else {
      throw e;
    }
  }
  rec.retCode = retCode;
  if (fault?.kind === 'acceptThenHang') {
    rec.retCode = -1;
    ctx.hung.add(res);
    res.on('close', () => ctx.hung.delete(res));
    replied();
    return;
  }
  send(ctx, res, retCode, retMsg, result, limit);
  replied();
}

function send(ctx: RestContext, res: ServerResponse, retCode: number, retMsg: string, result: unknown, limit?: LimitVerdict): void {
  const body = JSON.stringify({ retCode, retMsg, result, retExtInfo: {}, time: ctx.serverNow() });
  res.writeHead(200, { 'content-type': 'application/json', ...RateLimits.headers(limit) });
  res.end(body);
}

function checkAuth(ctx: RestContext, req: IncomingMessage, payload: string): void {
  const key = header(req, 'x-bapi-api-key');
  const ts = header(req, 'x-bapi-timestamp');
  const rw = header(req, 'x-bapi-recv-window') ?? '5000';
  const sign = header(req, 'x-bapi-sign');
  if (!key || key !== ctx.apiKey) throw new RetCodeError(10003, 'API key is invalid.');
  const now = ctx.serverNow();
  const t = Number(ts);
  const window = Number(rw);
  if (!Number.isFinite(t) || !(now - window <= t && t < now + 1000)) {
    throw new RetCodeError(10002, `invalid request, please check your server timestamp or recv_window param. req_timestamp[${ts}],server_timestamp[${now}],recv_window[${rw}]`);
  }
  const origin = `${ts}${key}${rw}${payload}`;
  const expected = createHmac('sha256', ctx.apiSecret).update(origin).digest('hex');
  if (sign !== expected) throw new RetCodeError(10004, `error sign! origin_string[${origin}]`);
}

export class NotFound extends Error {}

export function route(ctx: RestContext, method: string, path: string, p: Record<string, unknown>): unknown {
  const ex = ctx.exchange;
  const cat = ex.cfg.category;
  const wantCategory = () => {
    if (p.category !== cat) throw new RetCodeError(10001, `params error: category must be ${cat} on this fake`);
  };
  const wantSymbol = () => {
    if (p.symbol !== undefined && p.symbol !== ex.cfg.symbol) throw new RetCodeError(10001, 'params error: symbol invalid');
  };
  switch (`${method} ${path}`) {
    case 'GET /v5/market/time': {
      const now = ctx.serverNow();
      return { timeSecond: String(Math.floor(now / 1000)), timeNano: `${now}000000` };
    }
    case 'GET /v5/market/kline':
      wantCategory(); wantSymbol();
      if (p.interval !== ctx.interval) throw new RetCodeError(10001, `params error: this fake serves interval ${ctx.interval} only`);
      return { category: cat, symbol: ex.cfg.symbol, list: klineRows(ctx, p) };
    case 'GET /v5/market/instruments-info':
      wantCategory(); wantSymbol();
      return { category: cat, list: [ctx.instrumentItem()], nextPageCursor: '' };
    case 'GET /v5/market/tickers':
      wantCategory(); wantSymbol();
      return { category: cat, list: [ctx.tickerItem()] };
    case 'POST /v5/order/create': {
      wantCategory(); wantSymbol();
      if (cat === 'linear') ctx.account.checkPositionIdx(p);
      if (ctx.instrumentStatus() !== 'Trading' && p.reduceOnly !== true) throw new RetCodeError(110074, 'This contract is not live');
      checkTicks(ex, p);
      const o = ex.createOrder(p);
      return { orderId: o.orderId, orderLinkId: o.orderLinkId };
    }
    case 'POST /v5/order/amend': {
      wantCategory(); wantSymbol();
      const o = ex.amendOrder(p);
      return { orderId: o.orderId, orderLinkId: o.orderLinkId };
    }
    case 'POST /v5/order/cancel': {
      wantCategory(); wantSymbol();
      const o = ex.cancelOrder(p);
      return { orderId: o.orderId, orderLinkId: o.orderLinkId };
    }
    case 'POST /v5/order/cancel-all': {
      wantCategory(); wantSymbol();
      const list = ex.cancelAll(typeof p.orderFilter === 'string' ? p.orderFilter : undefined).map((o) => ({ orderId: o.orderId, orderLinkId: o.orderLinkId }));
      return { list, success: '1' };
    }
    case 'GET /v5/order/realtime':
    case 'GET /v5/order/history': {
      wantCategory(); wantSymbol();
      const history = path.endsWith('history');
      let list = ex.orders.slice().reverse();
      if (p.orderId) list = list.filter((o) => o.orderId === p.orderId);
      else if (p.orderLinkId) list = list.filter((o) => o.orderLinkId === p.orderLinkId);
      else if (history) list = list.filter((o) => !['New', 'PartiallyFilled', 'Untriggered'].includes(o.status));
      else if (p.openOnly === '1') list = list.filter((o) => !['New', 'PartiallyFilled', 'Untriggered'].includes(o.status));
      else list = list.filter((o) => ['New', 'PartiallyFilled', 'Untriggered'].includes(o.status));
      return { category: cat, list: page(list, p, 20, 50).map((o) => ex.orderView(o)), nextPageCursor: '' };
    }
    case 'GET /v5/execution/list': {
      // docs/v5/order/execution.mdx: at most 7 days per request (only startTime: the 7 days after
      // it; only endTime: the 7 days before it; neither: the last 7 days), newest first, paged
      // with limit and the nextPageCursor of the previous page.
      wantCategory(); wantSymbol();
      let list = ex.executions.slice().sort((a, b) => b.execTime - a.execTime || b.seq - a.seq);
      if (p.orderId) list = list.filter((e) => e.orderId === p.orderId);
      if (p.orderLinkId) list = list.filter((e) => e.orderLinkId === p.orderLinkId);
      const [from, to] = sevenDays(p, ctx.serverNow());
      list = list.filter((e) => e.execTime >= from && e.execTime <= to);
      if (p.execType) list = list.filter((e) => (e.execType ?? 'Trade') === p.execType);
      const { rows, nextPageCursor } = cursorPage(list, p, 50, 100);
      return { category: cat, list: rows.map((e) => ex.execView(e)), nextPageCursor };
    }
    case 'GET /v5/position/list':
      if (cat !== 'linear' || p.category !== 'linear') throw new RetCodeError(10001, 'params error: category only support linear');
      wantSymbol();
      return { category: 'linear', list: ctx.account.positionRows(ex), nextPageCursor: '' };
    case 'POST /v5/position/trading-stop':
      if (cat !== 'linear' || p.category !== 'linear') throw new RetCodeError(10001, 'params error: category only support linear');
      if (ctx.tradingStopFault) throw new RetCodeError(ctx.tradingStopFault.retCode, ctx.tradingStopFault.retMsg);
      ctx.account.checkPositionIdx(p);
      checkTicks(ex, p);
      ex.setTradingStop(p);
      return {};
    case 'POST /v5/position/set-leverage':
      if (cat !== 'linear' || p.category !== 'linear') throw new RetCodeError(10001, 'params error: category only support linear');
      ctx.account.checkSetLeverage();
      ex.setLeverage(p);
      return {};
    case 'POST /v5/position/switch-mode':
      if (cat !== 'linear' || p.category !== 'linear') throw new RetCodeError(10001, 'params error: category only support linear');
      ctx.account.switchMode(ex, p);
      return {};
    case 'GET /v5/account/info':
      return ctx.account.infoView();
    case 'GET /v5/account/wallet-balance':
      if (p.accountType !== 'UNIFIED') throw new RetCodeError(10001, 'accountType only support UNIFIED.');
      return { list: [ex.walletView()] };
    default:
      throw new NotFound();
  }
}

/** Stop-loss and take-profit prices must lie on the tick grid, as order prices do. */
function checkTicks(ex: FakeExchange, p: Record<string, unknown>): void {
  for (const field of ['stopLoss', 'takeProfit'] as const) {
    const v = p[field];
    if (typeof v !== 'string' || v === '' || !/^\d+(\.\d+)?$/.test(v)) continue;
    if (!new Decimal(v).mod(ex.cfg.tickSize).isZero()) throw new RetCodeError(10001, `params error: ${field} ${v} is not a multiple of the tick size ${ex.cfg.tickSize}`);
  }
}

const WEEK = 7 * 86_400_000;

/** Bybit's 7-day rule for history queries: the [from, to] a request covers, or 10001. */
function sevenDays(p: Record<string, unknown>, now: number): [number, number] {
  const start = p.startTime === undefined ? undefined : Number(p.startTime);
  const end = p.endTime === undefined ? undefined : Number(p.endTime);
  if (start === undefined && end === undefined) return [now - WEEK, now];
  if (end === undefined) return [start as number, (start as number) + WEEK];
  if (start === undefined) return [end - WEEK, end];
  if (end < start || end - start > WEEK) throw new RetCodeError(10001, 'params error: The time range between startTime and endTime cannot exceed 7 days');
  return [start, end];
}

/** One page and the cursor of the next ('' on the last page). */
function cursorPage<T>(list: T[], p: Record<string, unknown>, def: number, max: number): { rows: T[]; nextPageCursor: string } {
  const limit = Math.min(Number(p.limit ?? def) || def, max);
  const offset = typeof p.cursor === 'string' && p.cursor !== '' ? Number(Buffer.from(p.cursor, 'base64url').toString()) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw new RetCodeError(10001, 'params error: cursor invalid');
  const rows = list.slice(offset, offset + limit);
  return { rows, nextPageCursor: offset + limit < list.length ? Buffer.from(String(offset + limit)).toString('base64url') : '' };
}

function page<T>(list: T[], p: Record<string, unknown>, def: number, max: number): T[] {
  const limit = Math.min(Number(p.limit ?? def) || def, max);
  return list.slice(0, limit);
}

/** Start-anchored when `start` is given, else the newest `limit` rows ≤ end; always newest first. */
function klineRows(ctx: RestContext, p: Record<string, unknown>): string[][] {
  const limit = p.limit === undefined ? 200 : Number(p.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new RetCodeError(10001, 'params error: limit must be 1..1000');
  const start = p.start === undefined ? undefined : Number(p.start);
  const end = p.end === undefined ? undefined : Number(p.end);
  let rows = ctx.klines();
  if (end !== undefined) rows = rows.filter((c) => c.start <= end);
  if (start !== undefined) rows = rows.filter((c) => c.start >= start).slice(0, limit);
  else rows = rows.slice(-limit);
  return rows.reverse().map((c) => [
    String(c.start), String(c.open), String(c.high), String(c.low), String(c.close), String(c.volume),
    new Decimal(c.close).mul(c.volume).toString(),
  ]);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

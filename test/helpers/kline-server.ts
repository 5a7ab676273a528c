// A local fake of Bybit's GET /v5/market/kline (never the real network): newest-first pages with a
// duplicated row, as Bybit sends them. `missing` leaves candles out; `failFrom` makes every request
// from that one on fail (an interrupted download).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const H = 3_600_000;

export function priceAt(start: number): number {
  return 40000 + ((start / H) % 97) * 10;
}

export interface KlineServer {
  baseUrl: string;
  seen: Record<string, string>[];
  /** Requests from this (0-based) count on are refused; Infinity: never. */
  failFrom: number;
}

export async function klineServer(t: { teardown: (f: () => void) => void }, opts: { missing?: Set<number> } = {}): Promise<KlineServer> {
  const state: KlineServer = { baseUrl: '', seen: [], failFrom: Infinity };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/v5/market/kline') {
      res.writeHead(404).end();
      return;
    }
    const q = Object.fromEntries(url.searchParams.entries());
    state.seen.push(q);
    res.writeHead(200, { 'content-type': 'application/json' });
    if (state.seen.length > state.failFrom) {
      res.end(JSON.stringify({ retCode: 10006, retMsg: 'Too many visits!', result: {}, retExtInfo: {}, time: Date.now() }));
      return;
    }
    const step = q.interval === 'D' ? 86_400_000 : q.interval === 'W' ? 7 * 86_400_000 : Number(q.interval) * 60_000;
    const start = Number(q.start);
    const end = Number(q.end);
    const list: string[][] = [];
    for (let s = Math.ceil(start / step) * step; s <= end && list.length < Number(q.limit); s += step) {
      if (opts.missing?.has(s)) continue;
      const p = priceAt(s);
      list.push([String(s), String(p), String(p + 5), String(p - 5), String(p + 1), '1.5', '60000']);
    }
    list.reverse(); // Bybit: newest first
    if (list.length > 1) list.splice(1, 0, list[1]!.slice()); // a duplicated row
    res.end(JSON.stringify({ retCode: 0, retMsg: 'OK', result: { category: q.category, symbol: q.symbol, list }, retExtInfo: {}, time: Date.now() }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

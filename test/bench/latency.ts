// Signal-to-order latency of the live runner: from the fake Bybit pushing a confirmed candle that
// triggers an entry to the fake receiving POST /v5/order/create, over ≥ 1,000 entries (each followed
// by an exit candle). Real BybitVenue + BotRunner + fake on 127.0.0.1, all in one process, so the
// figure includes the WebSocket frame, the adapter's parsing and sequencing, the strategy, the
// decision core, request signing and the order request up to the fake reading it: over the WS
// Trade API (what `botctl run` uses) or over REST (the fallback, and the demo network's only way).
//
//   npx tsx test/bench/latency.ts [signals] [websocket|rest|both]
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { RecordedRequest } from '../fake-bybit/index.ts';
import { SIG, liveBot, until } from '../helpers/run-fake.ts';

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LatencyResult extends Percentiles {
  signals: number;
  /** Candle push → the runner calling venue.placeOrder (stream, sequencing, strategy, core). */
  toPlaceOrder: Percentiles;
  /** The slowest 1% of samples, and how many of them overlapped a GC pause. */
  tail: { samples: number; duringGc: number };
}

function summarise(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: pct(sorted, 50),
    p90: pct(sorted, 90),
    p99: pct(sorted, 99),
    max: sorted[sorted.length - 1] as number,
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export type OrderEntry = 'websocket' | 'rest';

export async function benchLatency(signals = 1000, warmup = 50, orderEntry: OrderEntry = 'websocket'): Promise<LatencyResult> {
  const bot = await liveBot({
    spec: 'test/fixtures/run/bench.yaml',
    venue: { orderEntry, ws: { pingIntervalMs: 10_000, pongTimeoutMs: 2_000, reconnectDelayMs: 100, readyTimeoutMs: 3000 } },
  });
  let pushedAt = 0;
  let onCreate: ((t: number) => void) | undefined;
  const requests = bot.fake.requests;
  const push = requests.push.bind(requests);
  requests.push = (...items: RecordedRequest[]) => {
    for (const r of items) if (r.path === '/v5/order/create' && r.params.reduceOnly !== true) onCreate?.(performance.now());
    return push(...items);
  };
  const samples: number[] = [];
  const inner: number[] = [];
  const windows: Array<[number, number]> = [];
  const gcs: Array<[number, number]> = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push([e.startTime, e.startTime + e.duration]);
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  let calledAt = 0;
  const venue = bot.venue;
  const place = venue.placeOrder.bind(venue);
  venue.placeOrder = (req) => {
    if (!req.reduceOnly) calledAt = performance.now();
    return place(req);
  };
  const want = orderEntry === 'websocket' ? 'WS' : 'POST';
  try {
    for (let i = 0; i < signals + warmup; i++) {
      const entry = bot.candle(SIG.long, 50000);
      const created = new Promise<number>((r) => (onCreate = r));
      pushedAt = performance.now();
      bot.fake.pushCandle(entry, { keepPrice: true });
      const at = await created;
      if (i >= warmup) {
        samples.push(at - pushedAt);
        inner.push(calledAt - pushedAt);
        windows.push([pushedAt, at]);
      }
      await bot.runner.idle();
      await until(() => bot.fake.position().size.gt(0) && bot.runner.core.state.position !== null, 2000, 'entry filled');
      const exit = bot.candle(SIG.exitLong, 50000);
      bot.fake.pushCandle(exit, { keepPrice: true });
      await until(() => bot.fake.position().size.isZero() && bot.runner.core.state.position === null, 2000, 'exit filled');
      await bot.runner.idle();
      // The fake keeps every request and frame for test assertions; a real exchange lives
      // elsewhere, so check this round's and drop them rather than let the fake's heap growth
      // put old-space GC into the bot's figures.
      const entries = requests.filter((r) => r.path === '/v5/order/create' && r.params.reduceOnly !== true);
      if (entries.length !== 1 || entries[0]!.method !== want) throw new Error(`entry ${i}: ${entries.length} creates, not one over ${orderEntry}`);
      requests.length = 0;
      bot.fake.wsReceived().length = 0;
    }
    const orders = bot.fake.orders().filter((o) => o.orderLinkId !== '');
    if (new Set(orders.map((o) => o.orderLinkId)).size !== orders.length) throw new Error('duplicate orders during the benchmark');
  } finally {
    gcObserver.disconnect();
    await bot.close();
  }
  const cut = pct([...samples].sort((a, b) => a - b), 99);
  const slow = windows.filter(([a, b]) => b - a >= cut);
  const duringGc = slow.filter(([a, b]) => gcs.some(([s, e]) => s < b && e > a)).length;
  return { signals: samples.length, ...summarise(samples), toPlaceOrder: summarise(inner), tail: { samples: slow.length, duringGc } };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const n = Number(process.argv[2] ?? 1000);
  const which = process.argv[3] ?? 'websocket';
  const modes: OrderEntry[] = which === 'both' ? ['rest', 'websocket'] : which === 'rest' ? ['rest'] : ['websocket'];
  const f = (x: number) => `${x.toFixed(3)} ms`;
  const line = (p: Percentiles) => `p50 ${f(p.p50)}  p90 ${f(p.p90)}  p99 ${f(p.p99)}  max ${f(p.max)}  mean ${f(p.mean)}`;
  for (const mode of modes) {
    const r = await benchLatency(n, 50, mode);
    console.log(`signal → order/create (${mode}) over ${r.signals} entries (loopback, one process): ${line(r)}`);
    console.log(`  of which candle push → runner calls placeOrder:           ${line(r.toPlaceOrder)}`);
    console.log(`  slowest 1%: ${r.tail.samples} samples, ${r.tail.duringGc} of them overlapping a GC pause`);
  }
}

// Where an order's time goes between BybitVenue.placeOrder and the fake Bybit, per transport:
// call → fake has the request (client: body, signing, library, socket; plus the fake reading it),
// the fake's own matching (createOrder), and the fake's receipt → placeOrder resolved (matching,
// pushes, reply, the client parsing it). Both transports in one process, alternating in blocks, so
// machine load hits them alike. Market orders alternate buy/sell so fills and pushes happen.
//
//   npx tsx test/bench/order-path.ts [orders per transport]
import { performance } from 'node:perf_hooks';
import { Decimal } from 'decimal.js';
import type { RecordedRequest } from '../fake-bybit/index.ts';
import { setup, type Setup } from '../fake-bybit/harness.ts';

type Entry = 'websocket' | 'rest';
const BLOCK = 100;

interface Samples {
  toFake: number[];
  matching: number[];
  back: number[];
  total: number[];
}

async function open(orderEntry: Entry): Promise<{ s: Setup; samples: Samples; place: (i: number) => Promise<void> }> {
  const s = await setup({ venue: { orderEntry, ws: { pingIntervalMs: 10_000, pongTimeoutMs: 2_000, readyTimeoutMs: 3000 } } });
  const samples: Samples = { toFake: [], matching: [], back: [], total: [] };
  let received = 0;
  const push = s.fake.requests.push.bind(s.fake.requests);
  s.fake.requests.push = (...items: RecordedRequest[]) => {
    if (items.some((r) => r.path === '/v5/order/create')) received = performance.now();
    return push(...items);
  };
  let matched = 0;
  const ex = s.fake.exchange;
  const create = ex.createOrder.bind(ex);
  ex.createOrder = (body) => {
    const t = performance.now();
    const o = create(body);
    matched = performance.now() - t;
    return o;
  };
  const qty = new Decimal('0.001');
  const place = async (i: number) => {
    const t0 = performance.now();
    await s.venue.placeOrder({ orderLinkId: `${orderEntry.slice(0, 2)}-${i}`, side: i % 2 === 0 ? 'buy' : 'sell', type: 'market', qty });
    const t1 = performance.now();
    samples.toFake.push(received - t0);
    samples.matching.push(matched);
    samples.back.push(t1 - received);
    samples.total.push(t1 - t0);
  };
  return { s, samples, place };
}

function pct(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const n = Number(process.argv[2] ?? 2000);
const runs = { rest: await open('rest'), websocket: await open('websocket') };
try {
  for (let warm = 0; warm < 200; warm++) {
    await runs.rest.place(-warm - 1);
    await runs.websocket.place(-warm - 1);
  }
  for (const r of Object.values(runs)) for (const k of Object.keys(r.samples) as (keyof Samples)[]) r.samples[k].length = 0;
  for (let i = 0; i < n; i += BLOCK) {
    for (let j = 0; j < BLOCK; j++) await runs.rest.place(i + j);
    for (let j = 0; j < BLOCK; j++) await runs.websocket.place(i + j);
  }
  const f = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(3)}  p99 ${pct(xs, 99).toFixed(3)}`;
  for (const [name, r] of Object.entries(runs)) {
    const creates = r.s.fake.requestsTo('/v5/order/create');
    if (r.s.fake.orders().length !== creates.length) throw new Error(`${name}: orders and requests differ`);
    console.log(`${name.padEnd(9)} call→fake has it ${f(r.samples.toFake)} ms | fake matching ${f(r.samples.matching)} ms | fake has it→resolved ${f(r.samples.back)} ms | total ${f(r.samples.total)} ms`);
  }
} finally {
  await runs.rest.s.close();
  await runs.websocket.s.close();
}

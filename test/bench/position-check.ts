// The per-candle position check (issue 9, item 4): while a live bot holds a position it reads the
// position over REST once after every candle, off the order path, so a close the account stream
// never pushed is found within a candle. What that read costs: BybitVenue.position() against the
// loopback fake (signing, HTTP, parsing), wall time and this process's CPU time per call.
//
//   npx tsx test/bench/position-check.ts [reads]
import { performance } from 'node:perf_hooks';
import { setup } from '../fake-bybit/harness.ts';

const n = Number(process.argv[2] ?? 3000);
const s = await setup({ fake: { price: 50000 }, venue: { ws: { pingIntervalMs: 10_000, pongTimeoutMs: 2_000, readyTimeoutMs: 3000 } } });
// Bybit allows 50 position reads a second per account; a bot makes one per candle. The bench reads
// as fast as it can, so the fake's limit is lifted (the client would otherwise wait for the budget,
// as it should) to measure the call itself.
s.fake.limits.limits.set('/v5/position/list', 1_000_000);
s.fake.limits.ip.max = Infinity; // and its 600-requests-in-5-s IP ban
try {
  s.fake.exchange.createOrder({ side: 'Buy', orderType: 'Market', qty: '0.01', orderLinkId: 'bench-entry', stopLoss: '49000', tpslMode: 'Full' });
  for (let i = 0; i < 200; i++) await s.venue.position();
  const wall: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const a = performance.now();
    const p = await s.venue.position();
    wall.push(performance.now() - a);
    if (p.side !== 'long') throw new Error('position lost');
  }
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  wall.sort((a, b) => a - b);
  const pct = (q: number) => wall[Math.min(wall.length - 1, Math.ceil(q * wall.length) - 1)]!.toFixed(3);
  // The fake serves in this process too: CPU time here is client and fake together (an upper bound).
  console.log(`position() over REST: ${n} reads, p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, mean ${(elapsed / n).toFixed(3)} ms wall; ` +
    `${((cpu.user + cpu.system) / 1000 / n).toFixed(3)} ms CPU per read (client and fake); one read per candle in a position`);
} finally {
  await s.close();
}

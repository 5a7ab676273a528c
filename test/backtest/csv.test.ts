import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCandleCsv, CSV_HEADER } from '../../engine/market/csv.ts';
import type { Candle } from '../../engine/market/candle.ts';

const H = 3_600_000;

async function read(t: { testdir: () => string }, text: string): Promise<{ candles: Candle[]; error?: string; summary?: Awaited<ReturnType<typeof readCandleCsv>> }> {
  const dir = t.testdir();
  const file = join(dir, 'c.csv');
  writeFileSync(file, text);
  const candles: Candle[] = [];
  try {
    const summary = await readCandleCsv(file, (c) => candles.push(c));
    return { candles, summary };
  } catch (e) {
    return { candles, error: (e as Error).message.replace(file, 'FILE') };
  }
}

t.test('reads the bundled real data exactly', async (t) => {
  const candles: Candle[] = [];
  const s = await readCandleCsv('bots/data/BTCUSDT-1h-2021-10_2022-03.csv', (c) => candles.push(c));
  t.equal(s.count, 4368);
  t.equal(s.first, 1633046400000);
  t.equal(s.last, 1633046400000 + 4367 * H);
  t.equal(s.gaps.count, 0);
  t.same(candles[0], { start: 1633046400000, open: 43820.01, high: 44059, low: 43661.63, close: 43694.48, volume: 2001.56071 });
  t.equal(String(candles[3]!.open), '43379');
});

t.test('numbers parse exactly like Number(), incl. odd forms; CRLF and BOM accepted', async (t) => {
  const rows = ['0,0.1,0.30000000000000004,.05,0.2,1e3', `${H},123456789.123456,123456789.123456,1.5,100.,7`];
  const r = await read(t, `\ufeff${CSV_HEADER}\r\n${rows.join('\r\n')}\r\n`);
  t.equal(r.error, undefined);
  // .05 low is below open 0.1 etc.; high 0.30000000000000004 ≥ close 0.2
  t.same(r.candles.map((c) => [c.open, c.high, c.low, c.close, c.volume]), [[0.1, 0.30000000000000004, 0.05, 0.2, 1000], [123456789.123456, 123456789.123456, 1.5, 100, 7]]);
  // random decimals: fast path equals Number()
  const vals = Array.from({ length: 2000 }, (_, i) => (((i + 1) * 7919.123457) % 99999 + 1).toFixed(i % 9)); // prices: above zero
  const text = `${CSV_HEADER}\n${vals.map((v, i) => `${i * H},${v},${v},${v},${v},${v}`).join('\n')}`;
  const r2 = await read(t, text);
  t.equal(r2.error, undefined);
  t.ok(r2.candles.every((c, i) => c.close === Number(vals[i])), 'every value equals Number(text)');
});

t.test('errors name file:line:column and what is wrong', async (t) => {
  const cases: [string, string][] = [
    ['open,high\n', 'FILE:1:1: expected the header "start_ms,open,high,low,close,volume", found "open,high"'],
    ['', 'FILE:1:1: the file is empty; expected the header "start_ms,open,high,low,close,volume"'],
    [`${CSV_HEADER}\n0,1,2,0.5,1.5,10\n${H},1,2,x1,1.5,10\n`, 'FILE:3:13: low "x1" is not a number'],
    [`${CSV_HEADER}\n0,1,2,0.5\n`, 'FILE:2:10: missing column "close" (expected start_ms,open,high,low,close,volume)'],
    [`${CSV_HEADER}\n0,1,2,0.5,1,1,9\n`, 'FILE:2:14: unexpected extra column after volume (expected start_ms,open,high,low,close,volume)'],
    [`${CSV_HEADER}\n${H},1,2,0.5,1,1\n${H},1,2,0.5,1,1\n`, 'FILE:3:1: duplicate candle: start_ms 3600000 (1970-01-01T01:00:00.000Z) appears twice in a row'],
    [`${CSV_HEADER}\n${H},1,2,0.5,1,1\n0,1,2,0.5,1,1\n`, 'FILE:3:1: time goes backwards: start_ms 0 (1970-01-01T00:00:00.000Z) comes after 3600000 (1970-01-01T01:00:00.000Z); candles must be oldest first'],
    [`${CSV_HEADER}\n0,1,0.9,0.5,1,1\n`, 'FILE:2:1: high/low do not contain open/close (open 1, high 0.9, low 0.5, close 1)'],
    [`${CSV_HEADER}\n0,1,2,0.5,,1\n`, 'FILE:2:11: close "" is not a number'],
    // A price of zero or below is bad data, not a market: sizing would divide by it.
    [`${CSV_HEADER}\n0,1,2,-0.5,1,1\n`, 'FILE:2:7: low -0.5 is not above zero; prices must be positive'],
    [`${CSV_HEADER}\n0,0,0,0,0,1\n`, 'FILE:2:3: open 0 is not above zero; prices must be positive'],
  ];
  for (const [text, want] of cases) t.equal((await read(t, text)).error, want);
});

t.test('gaps are counted and the first one reported; blank lines skipped', async (t) => {
  const r = await read(t, `${CSV_HEADER}\n0,1,1,1,1,1\n${H},1,1,1,1,1\n\n${4 * H},1,1,1,1,1\n${5 * H},1,1,1,1,1\n${9 * H},1,1,1,1,1`);
  t.equal(r.summary!.count, 5);
  t.same(r.summary!.gaps, { count: 2, first: { after: H, before: 4 * H } });
  t.equal(r.summary!.last, 9 * H);
});

t.test('lines split across read chunks are joined', async (t) => {
  const n = 40000; // ~1.3 MB > one 1 MiB chunk
  const rows = Array.from({ length: n }, (_, i) => `${i * H},40000.5,40001.25,39999.75,40000.125,12.345678`);
  const r = await read(t, `${CSV_HEADER}\n${rows.join('\n')}\n`);
  t.equal(r.error, undefined);
  t.equal(r.candles.length, n);
  t.ok(r.candles.every((c, i) => c.start === i * H && c.close === 40000.125 && c.volume === 12.345678));
});

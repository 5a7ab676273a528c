// The one candle-file check every command shares (readCandleFile / loadCandleFile): the file's
// own interval, spacing errors located at their line, resampling to the bot's interval aligned to
// UTC, and the wrong-market guard.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CSV_HEADER, readCandleCsv } from '../../engine/market/csv.ts';
import { candleFileText, loadCandleFile, type CandleFileRequest, type CandleFileSummary } from '../../engine/market/candle-file.ts';
import type { Candle, Interval } from '../../engine/market/candle.ts';
import { plausibleRange, symbolOfFile } from '../../engine/market/plausible.ts';

const DATA = 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv';
const M = 60_000;
const H = 60 * M;
const D = 24 * H;
const BTC = { symbol: 'BTCUSDT', interval: '60' as Interval };

async function bundled(): Promise<Candle[]> {
  const out: Candle[] = [];
  await readCandleCsv(DATA, (c) => out.push(c));
  return out;
}

function csvOf(candles: readonly Candle[]): string {
  return `${CSV_HEADER}\n${candles.map((c) => `${c.start},${c.open},${c.high},${c.low},${c.close},${c.volume}`).join('\n')}\n`;
}

/** Naive resampling: group by bucket, keep groups that hold every source candle. */
function naive(src: readonly Candle[], bucketOf: (t: number) => [number, number], srcMs: number): Candle[] {
  const groups = new Map<number, Candle[]>();
  for (const c of src) {
    const [s] = bucketOf(c.start);
    if (!groups.has(s)) groups.set(s, []);
    groups.get(s)!.push(c);
  }
  const out: Candle[] = [];
  for (const [s, g] of groups) {
    const [, e] = bucketOf(s);
    if (g.length !== (e - s) / srcMs) continue;
    out.push({ start: s, open: g[0]!.open, high: Math.max(...g.map((c) => c.high)), low: Math.min(...g.map((c) => c.low)), close: g[g.length - 1]!.close, volume: g.reduce((a, c) => a + c.volume, 0) });
  }
  return out;
}

async function load(t: { testdir: () => string }, text: string, market: CandleFileRequest['market'], name = 'BTCUSDT-data.csv', extra: Partial<CandleFileRequest> = {}): Promise<{ file: string; candles?: Candle[]; summary?: CandleFileSummary; error?: string }> {
  const file = join(t.testdir(), name);
  writeFileSync(file, text);
  try {
    const r = await loadCandleFile({ file, market, bot: 'test-bot', ...extra });
    return { ...r, file };
  } catch (e) {
    return { error: (e as Error).message.split(file).join('FILE'), file };
  }
}

t.test('the bot\'s own interval passes through unchanged, with one summary line', async (t) => {
  const src = await bundled();
  const { candles, summary } = await loadCandleFile({ file: DATA, market: BTC, bot: 'btc-ema' });
  t.same(candles, src);
  t.equal(summary.resampled, undefined);
  t.equal(summary.dataInterval, H);
  t.equal(candleFileText(summary), `${DATA}: 4368 1h candles, 2021-10-01 00:00 → 2022-03-31 23:00 UTC`);
});

t.test('finer data is resampled to 2h, 4h, 6h, 12h, 1d and 1w candles exactly like a naive grouping', async (t) => {
  const src = await bundled();
  const fixed = (len: number) => (x: number): [number, number] => [Math.floor(x / len) * len, Math.floor(x / len) * len + len];
  const MONDAY = 4 * D;
  const week = (x: number): [number, number] => {
    const s = Math.floor((x - MONDAY) / (7 * D)) * 7 * D + MONDAY;
    return [s, s + 7 * D];
  };
  const month = (x: number): [number, number] => {
    const d = new Date(x);
    return [Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)];
  };
  const cases: [Interval, (x: number) => [number, number], number][] = [
    ['120', fixed(2 * H), 2184], ['240', fixed(4 * H), 1092], ['360', fixed(6 * H), 728], ['720', fixed(12 * H), 364], ['D', fixed(D), 182], ['W', week, 25], ['M', month, 6],
  ];
  for (const [interval, bucketOf, n] of cases) {
    const { candles, summary } = await loadCandleFile({ file: DATA, market: { symbol: 'BTCUSDT', interval } });
    const want = naive(src, bucketOf, H);
    t.equal(candles.length, n, `${interval}: ${n} candles`);
    t.same(candles.map((c) => [c.start, c.open, c.high, c.low, c.close]), want.map((c) => [c.start, c.open, c.high, c.low, c.close]), `${interval}: OHLC as grouped by hand`);
    t.ok(candles.every((c, i) => Math.abs(c.volume - want[i]!.volume) < 1e-6), `${interval}: volumes summed`);
    t.ok(candles.every((c) => bucketOf(c.start)[0] === c.start), `${interval}: every candle opens on its UTC boundary`);
    t.equal(summary.count, n);
    t.equal(summary.read, 4368);
  }
  // Weeks open on Mondays (2021-10-04 is the first whole week in the file), months on the 1st.
  const w = await loadCandleFile({ file: DATA, market: { symbol: 'BTCUSDT', interval: 'W' } });
  t.equal(new Date(w.candles[0]!.start).toISOString(), '2021-10-04T00:00:00.000Z');
  t.equal(new Date(w.candles[0]!.start).getUTCDay(), 1);
  t.ok(w.summary.resampled?.partialFirst && w.summary.resampled.partialLast, 'the weeks cut by the file\'s ends are dropped');
  t.match(candleFileText(w.summary), /: 4368 1h candles, resampled to 25 1w candles aligned to UTC \(partial first and last candle dropped\), 2021-10-04 00:00 → 2022-03-21 00:00 UTC$/);
});

t.test('partial first and last buckets are dropped; buckets with holes are kept and counted', async (t) => {
  const src = await bundled();
  // Start at 02:00 and end at 21:00: the first and last 4h buckets are partial.
  const trimmed = src.slice(2, src.length - 2);
  let r = await load(t, csvOf(trimmed), { symbol: 'BTCUSDT', interval: '240' });
  t.equal(r.error, undefined);
  t.equal(r.candles!.length, 1090);
  t.equal(r.candles![0]!.start, src[4]!.start);
  t.same(r.summary!.resampled, { emitted: 1090, partialFirst: true, partialLast: true, incomplete: 0 });
  t.match(candleFileText(r.summary!), /resampled to 1090 4h candles aligned to UTC \(partial first and last candle dropped\)/);
  // Two hours missing inside one 4h candle, and a whole 4h candle missing.
  const holes = src.filter((_, i) => i !== 9 && i !== 10 && !(i >= 16 && i < 20));
  r = await load(t, csvOf(holes), { symbol: 'BTCUSDT', interval: '240' });
  t.equal(r.error, undefined);
  t.equal(r.candles!.length, 1091);
  t.equal(r.summary!.resampled!.incomplete, 1);
  t.equal(r.summary!.gaps.count, 1, 'the missing 4h candle is a gap at the bot\'s interval');
  t.same(r.summary!.gaps.first, { after: src[12]!.start, before: src[20]!.start });
  t.match(candleFileText(r.summary!), /; 1 of them miss some 1h candles \(gaps in the file\)/);
  const third = r.candles![2]!; // 08:00–12:00 without 09:00 and 10:00
  t.same([third.open, third.close], [src[8]!.open, src[11]!.close]);
});

t.test('one shared spacing check: each class refused at its line, for many inputs', async (t) => {
  const T0 = Date.UTC(2021, 9, 1);
  const row = (time: number, p = 43000): string => `${time},${p},${p + 100},${p - 100},${p},1`;
  const file = (times: number[]): string => `${CSV_HEADER}\n${times.map((x) => row(x)).join('\n')}\n`;
  const hours = (n: number, from = T0, step = H): number[] => Array.from({ length: n }, (_, i) => from + i * step);
  type Case = [what: string, times: number[], interval: Interval, want: RegExp];
  const cases: Case[] = [];
  // A gap that is not a whole number of the file's candles (the 90-minute gap), at many places.
  for (const at of [1, 2, 5, 16, 17, 30, 99]) {
    const times = hours(120);
    for (let i = at; i < times.length; i++) times[i]! += 30 * M;
    cases.push([`90 minutes after candle ${at}`, times, '60', new RegExp(`^FILE:${at + 2}:1: this candle opens 90m after the one on line ${at + 1} .*not a whole number of the file's 1h candles`)]);
  }
  for (const off of [1, 7, 29, 59, 61, 119, 121, 179]) {
    const times = hours(60);
    for (let i = 40; i < times.length; i++) times[i]! += off * M;
    cases.push([`shifted ${off} minutes at candle 40`, times, '60', /^FILE:42:1: this candle opens \S+ after the one on line 41 /]);
  }
  // Closer candles later in the file than at its start.
  for (const [step, bot] of [[H, '60'], [15 * M, '15'], [D, 'D']] as const) {
    const times = hours(40, T0, step);
    times.push(times[times.length - 1]! + step / 3);
    cases.push([`${step / M}m file with a closer candle at the end`, times, bot, /^FILE:42:1: this candle opens \S+ after the one on line 41 .*closer than the file's/]);
  }
  // Data coarser than the bot's interval, or not dividing it.
  const coarse: [number, Interval, string][] = [
    [2 * H, '60', '1h candles cannot be made from 2h candles'], [4 * H, '60', '1h candles cannot be made from 4h candles'], [D, '240', '4h candles cannot be made from 1d candles'],
    [H, '30', '30m candles cannot be made from 1h candles'], [H, '15', '15m candles cannot be made from 1h candles'], [5 * M, '3', '3m candles cannot be made from 5m candles'],
    [3 * H, '240', '3h candles do not add up to 4h candles'], [90 * M, '240', '90m candles do not add up to 4h candles'], [7 * M, '15', '7m candles do not add up to 15m candles'],
    [4 * H, '360', '4h candles do not add up to 6h candles'], [5 * H, 'D', '5h candles do not add up to 1d candles'], [7 * H, 'M', '7h candles do not add up to whole days \\(monthly candles are made of days\\)'],
  ];
  for (const [step, bot, why] of coarse) cases.push([`${step / M}m data for a ${bot} bot`, hours(50, T0, step), bot, new RegExp(`^FILE:3:1: the file's candles are \\S+ apart \\(lines 2 and 3\\), but test-bot trades \\S+ candles: ${why}`)]);
  // A gap among the first candles is not taken for the file's interval.
  const early = hours(50);
  for (let i = 1; i < early.length; i++) early[i]! += H;
  cases.push(['the first spacing is a gap', early, '60', /^$/]);
  for (const [what, times, interval, want] of cases) {
    const r = await load(t, file(times), { symbol: 'BTCUSDT', interval });
    if (want.source === '^$') {
      t.equal(r.error, undefined, what);
      t.equal(r.summary?.gaps.count, 1, `${what}: counted as a gap`);
      continue;
    }
    t.match(r.error, want, what);
  }
  t.ok(cases.length >= 30, `${cases.length} cases`);
});

t.test('wrong market: the symbol the file names, and prices that are not this coin\'s', async (t) => {
  const btcRows = (await bundled()).slice(0, 48);
  const text = csvOf(btcRows);
  const named: [string, string | undefined][] = [
    ['BTCUSDT-1h-2021-10_2022-03.csv', 'BTCUSDT'], ['BYBIT_BTCUSDT.P, 60_abc12.csv', 'BTCUSDT'], ['BINANCE_BTCUSDT, 60.csv', 'BTCUSDT'],
    ['btc-export.csv', undefined], ['candles.csv', undefined], ['BTCUSDT_60_2021-10-01_2021-10-02.csv', 'BTCUSDT'], ['data-ETHBTC-1h.csv', 'ETHBTC'],
    ['SOLUSDT-1m-2024-01.csv', 'SOLUSDT'], ['USDT.csv', undefined], ['BYBIT_USDT.csv', undefined], ['Bitcoin USDT export.csv', undefined],
  ];
  for (const [name, symbol] of named) t.equal(symbolOfFile(name, undefined)?.symbol, symbol, name);
  t.same(symbolOfFile('x.csv', 'ethusdt'), { symbol: 'ETHUSDT', from: 'its "# symbol:" line' });
  t.same(symbolOfFile('/home/u/.cache/botctl/klines/spot/ETHUSDT/15/1700000000000.csv', undefined), { symbol: 'ETHUSDT', from: 'its folder in the kline cache' });

  for (const [name, symbol] of named) {
    const r = await load(t, text, { symbol: 'ETHUSDT', interval: '60' }, name);
    if (symbol && symbol !== 'ETHUSDT') t.match(r.error, new RegExp(`^FILE: these are ${symbol} candles \\(going by its file name\\), but test-bot trades ETHUSDT`), name);
    else t.match(r.error, /^FILE:2:1: the first candle closes at 43694\.48 on 2021-10-01, far from where ETHUSDT traded that year \(355 to 9,760 allowing for error\): this looks like another coin's data/, `${name}: caught by its prices`);
  }
  const meta = await load(t, `# symbol: SOLUSDT\n${text}`, { symbol: 'BTCUSDT', interval: '60' }, 'candles.csv');
  t.match(meta.error, /these are SOLUSDT candles \(going by its "# symbol:" line\), but test-bot trades BTCUSDT/);
  // The override runs anyway, and says so.
  const forced = await load(t, text, { symbol: 'ETHUSDT', interval: '60' }, 'BTCUSDT-1h.csv', { allowOtherSymbol: true });
  t.equal(forced.error, undefined);
  t.match(candleFileText(forced.summary!), /\nwarning: .*BTCUSDT-1h\.csv holds BTCUSDT candles \(going by its file name\); test-bot trades ETHUSDT on them because of --allow-other-symbol$/);
  // ETH prices for a BTC bot, across the years botctl knows.
  for (const [year, eth, btc] of [[2018, 400, 8000], [2019, 180, 7000], [2020, 350, 11000], [2021, 3000, 45000], [2022, 1500, 25000], [2023, 1800, 30000], [2024, 3000, 60000], [2025, 2500, 100000], [2030, 2500, 100000]] as const) {
    const at = Date.UTC(year, 5, 1);
    const [blo, bhi] = plausibleRange('BTCUSDT', at)!;
    const [elo, ehi] = plausibleRange('ETHUSDT', at)!;
    t.ok(btc >= blo && btc <= bhi && !(eth >= blo && eth <= bhi), `${year}: ETH at ${eth} is not BTC`);
    t.ok(eth >= elo && eth <= ehi && !(btc >= elo && btc <= ehi), `${year}: BTC at ${btc} is not ETH`);
  }
  t.equal(plausibleRange('SOLUSDT', Date.UTC(2024, 0, 1)), undefined, 'unknown coins: no price check');
  t.equal(plausibleRange('BTCUSDT', Date.UTC(2012, 0, 1)), undefined, 'before the table: no price check');
});

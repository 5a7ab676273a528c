// `botctl data download | list | import` as a trader uses them, against a local fake of Bybit's
// kline endpoint (never the real network).
import t from 'tap';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../engine/cli/main.ts';
import { loadCandleFile } from '../../engine/market/candle-file.ts';
import type { Candle } from '../../engine/market/candle.ts';
import { readCandleCsv } from '../../engine/market/csv.ts';
import { klineServer, priceAt } from '../helpers/kline-server.ts';

const H = 3_600_000;
const DATA = 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv';

async function cli(args: string[], cwd?: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const here = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
    return { code, out, err };
  } finally {
    process.chdir(here);
  }
}

t.test('download: pages of 1000 candles into the cache, exported as a CSV the guard and backtest read', async (t) => {
  const fake = await klineServer(t);
  const dir = t.testdir();
  const cache = join(dir, 'cache');
  const r = await cli(['data', 'download', 'btcusdt', '1h', '--from', '2024-01-01', '--to', '2024-04-01', '--out', `${dir}/`, '--cache-dir', cache, '--bybit-url', fake.baseUrl]);
  t.equal(r.code, 0, r.err);
  // Jan–Mar 2024: 91 days = 2184 hourly candles over 3 windows of 1000 hours.
  t.match(r.out, /^BTCUSDT linear 1h: 2184 candles 2024-01-01 00:00 → 2024-03-31 23:00 UTC, no gaps\n {2}0 windows from the cache, 3 downloaded; cache: /);
  const file = join(dir, 'BTCUSDT-1h-2024-01_2024-03.csv');
  t.match(r.out, new RegExp(`wrote ${file}\\n  next: botctl backtest SPEC --data ${file}`));
  const text = readFileSync(file, 'utf8');
  t.equal(text.split('\n')[0], '# botctl candles: symbol=BTCUSDT category=linear interval=60 source=bybit');
  t.equal(text.split('\n')[1], 'start_ms,open,high,low,close,volume');
  const { candles, summary } = await loadCandleFile({ file, market: { symbol: 'BTCUSDT', interval: '60' } });
  t.equal(candles.length, 2184);
  t.ok(candles.every((c, i) => c.start === Date.UTC(2024, 0, 1) + i * H && c.close === priceAt(c.start) + 1), 'every candle, in order, as served');
  t.same(summary.symbol, { symbol: 'BTCUSDT', from: 'its "# symbol:" line' });
  // Renamed, the file still says what it is: an ETH bot refuses it.
  const renamed = join(dir, 'candles.csv');
  writeFileSync(renamed, text);
  const eth = await cli(['backtest', 'bots/eth-rsi-spot.yaml', '--data', renamed]);
  t.equal(eth.code, 1);
  t.match(eth.err, /these are BTCUSDT candles \(going by its "# symbol:" line\), but eth-rsi-spot trades ETHUSDT/);
  const bt = await cli(['backtest', 'bots/btc-ema.yaml', '--data', file]);
  t.equal(bt.code, 0, bt.err);
  t.match(bt.out, /btc-ema: BTCUSDT linear 1h, 2024-01-01 00:00 → 2024-03-31 23:00 UTC, 2184 candles/);
  // The same range again: all from the cache.
  const again = await cli(['data', 'download', 'BTCUSDT', '60', '--from', '2024-01-01', '--to', '2024-04-01', '--cache-dir', cache, '--bybit-url', fake.baseUrl]);
  t.equal(again.code, 0, again.err);
  t.match(again.out, /3 windows from the cache, 0 downloaded/);
  t.equal(fake.seen.length, 3);
});

t.test('download is resumable: an interrupted run keeps its finished windows, the next fetches the rest', async (t) => {
  const fake = await klineServer(t);
  const cache = t.testdir();
  fake.failFrom = 2;
  const args = ['data', 'download', 'BTCUSDT', '15', '--from', '2024-01-01', '--to', '2024-03-01', '--cache-dir', cache, '--bybit-url', fake.baseUrl];
  // 60 days of 15-minute candles = 5760 candles: 6 windows of 1000 (aligned), 7 requests at most.
  const first = await cli(args);
  t.equal(first.code, 1);
  t.match(first.err, /^error: Bybit refused the kline request for BTCUSDT \(linear\): Too many visits! \(code 10006\)/);
  t.notMatch(first.err, /\n\s+at /);
  t.equal(readdirSync(join(cache, 'linear', 'BTCUSDT', '15')).length, 2, 'the two finished windows are cached');
  fake.failFrom = Infinity;
  const before = fake.seen.length;
  const second = await cli(args);
  t.equal(second.code, 0, second.err);
  t.match(second.out, /BTCUSDT linear 15m: 5760 candles 2024-01-01 00:00 → 2024-02-29 23:45 UTC, no gaps\n {2}2 windows from the cache, (\d+) downloaded/);
  const downloaded = Number(/(\d+) downloaded/.exec(second.out)![1]);
  t.equal(fake.seen.length - before, downloaded, 'only the missing windows were requested');
  t.equal(downloaded + 2, readdirSync(join(cache, 'linear', 'BTCUSDT', '15')).length);
});

t.test('list: what the cache holds, per symbol, category and interval', async (t) => {
  const fake = await klineServer(t, { missing: new Set([Date.UTC(2024, 0, 2, 5), Date.UTC(2024, 0, 2, 6)]) });
  const cache = t.testdir();
  const empty = await cli(['data', 'list', '--cache-dir', cache]);
  t.equal(empty.code, 0);
  t.match(empty.out, /is empty; fill it with botctl data download SYMBOL INTERVAL --from DATE/);
  t.equal((await cli(['data', 'download', 'BTCUSDT', '60', '--from', '2024-01-01', '--to', '2024-02-01', '--cache-dir', cache, '--bybit-url', fake.baseUrl])).code, 0);
  t.equal((await cli(['data', 'download', 'ETHUSDT', '4h', '--category', 'spot', '--from', '2023-01-01', '--to', '2024-01-01', '--cache-dir', cache, '--bybit-url', fake.baseUrl])).code, 0);
  const r = await cli(['data', 'list', '--cache-dir', cache]);
  t.equal(r.code, 0, r.err);
  const lines = r.out.split('\n');
  t.match(lines[0], /^symbol\s+category\s+interval\s+from \(UTC\)\s+to \(UTC\)\s+candles\s+gaps\s+size$/);
  // The cache keeps whole 1000-candle windows: the listing shows what they span.
  const span = (from: number, to: number, step: number): string[] => {
    const w = 1000 * step;
    const fmt = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
    return [fmt(Math.floor(from / w) * w), fmt(Math.ceil(to / w) * w - step)];
  };
  const [b0, b1] = span(Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 1), H);
  t.match(r.out, new RegExp(`\\nBTCUSDT\\s+linear\\s+1h\\s+${b0}\\s+${b1}\\s+1998\\s+1\\s+\\d+ kB\\n`), 'two windows; the two missing hours are one gap');
  const [e0, e1] = span(Date.UTC(2023, 0, 1), Date.UTC(2024, 0, 1), 4 * H);
  t.match(r.out, new RegExp(`\\nETHUSDT\\s+spot\\s+4h\\s+${e0}\\s+${e1}\\s+3000\\s+0\\s+\\d+ kB\\n`));
  t.match(r.out, new RegExp(`cache: ${cache}\\n$`));
});

t.test('import: the formats traders have become the same botctl CSV', async (t) => {
  const src: Candle[] = [];
  await readCandleCsv(DATA, (c) => src.push(c));
  const rows = src.slice(0, 500);
  const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
  const formats: [string, string, RegExp][] = [
    ['BYBIT_BTCUSDT.P, 60_x1y2z.csv', `time,open,high,low,close,EMA,Volume\n${rows.map((c) => `${c.start / 1000},${c.open},${c.high},${c.low},${c.close},1,${c.volume}`).join('\n')}\n`, /\(TradingView export, times read as seconds\): 500 1h candles of BTCUSDT linear \(going by its file name\)/],
    ['BINANCE_BTCUSDT, 60.csv', `time,open,high,low,close,Volume\n${rows.map((c) => `${iso(c.start)},${c.open},${c.high},${c.low},${c.close},${c.volume}`).join('\n')}\n`, /\(TradingView export, times read as date-time text\)/],
    ['BTCUSDT-1h-2021-10.csv', `${rows.map((c) => `${c.start},${c.open},${c.high},${c.low},${c.close},${c.volume},${c.start + H - 1},1,2,3,4,0`).join('\n')}\n`, /\(CSV without a header .*\): 500 1h candles/],
    ['BTCUSDT-1h-2025-spot.csv', `${rows.map((c) => `${c.start * 1000},${c.open},${c.high},${c.low},${c.close},${c.volume},${(c.start + H) * 1000 - 1},1,2,3,4,0`).join('\n')}\n`, /times read as microseconds/],
    ['bybit-api-dump.csv', `startTime,openPrice,highPrice,lowPrice,closePrice,volume,turnover\n${[...rows].reverse().map((c) => `${c.start},${c.open},${c.high},${c.low},${c.close},${c.volume},1`).join('\n')}\n`, /\(Bybit kline CSV, newest first, reversed\): 500 1h candles of BTCUSDT linear \(from --symbol\)/],
  ];
  for (const [name, text, said] of formats) {
    const dir = t.testdir();
    writeFileSync(join(dir, name), text);
    const args = ['data', 'import', name, ...(name.startsWith('bybit') ? ['--symbol', 'BTCUSDT'] : [])];
    const r = await cli(args, dir);
    t.equal(r.code, 0, `${name}: ${r.err}`);
    t.match(r.out, said, name);
    t.match(r.out, /2021-10-01 00:00 → 2021-10-21 19:00 UTC, no gaps\nwrote BTCUSDT-1h-2021-10_2021-10\.csv\n/);
    const out: Candle[] = [];
    const s = await readCandleCsv(join(dir, 'BTCUSDT-1h-2021-10_2021-10.csv'), (c) => out.push(c));
    t.same(out, rows, `${name}: the same candles, oldest first`);
    t.equal(s.meta.symbol, 'BTCUSDT');
    t.equal(s.meta.interval, '60');
    // A second import does not overwrite the first.
    const twice = await cli(args, dir);
    t.equal(twice.code, 1);
    t.match(twice.err, /BTCUSDT-1h-2021-10_2021-10\.csv already exists; give another name with --out FILE/);
  }
});

t.test('import: problems are located, nothing is written', async (t) => {
  const dir = t.testdir();
  const head = 'start_ms,open,high,low,close,volume\n';
  const row = (time: number, p = 43000): string => `${time},${p},${p + 10},${p - 10},${p},1`;
  const T0 = Date.UTC(2021, 9, 1);
  const cases: [string, string, string[], RegExp][] = [
    ['candles.csv', head + [row(T0), row(T0 + H)].join('\n'), [], /candles\.csv: which market are these candles\? .*add --symbol BTCUSDT/],
    ['BTCUSDT-a.csv', head + [row(T0), row(T0 + H), row(T0 + 3 * H), row(T0 + 2 * H)].join('\n'), [], /BTCUSDT-a\.csv:5:1: 2021-10-01 02:00 UTC is out of order \(line 4 has 2021-10-01 03:00\)/],
    ['BTCUSDT-b.csv', head + [row(T0), row(T0 + H), row(T0 + H)].join('\n'), [], /BTCUSDT-b\.csv:4:1: duplicate candle: 2021-10-01 01:00 UTC is also on line 3/],
    ['BTCUSDT-c.csv', head + [row(T0), row(T0 + H), row(T0 + 2.5 * H)].join('\n'), [], /BTCUSDT-c\.csv:4:1: this candle opens 90m after the one on line 3/],
    ['BTCUSDT-d.csv', head + [row(T0), row(T0 + H, 3000)].join('\n'), [], /^$/],
    ['ETHUSDT-e.csv', head + [row(T0), row(T0 + H)].join('\n'), [], /ETHUSDT-e\.csv:2:1: the first candle closes at 43000 on 2021-10-01, far from where ETHUSDT traded that year: are these ETHUSDT candles \(its file name\)\?/],
    ['BTCUSDT-f.csv', head + row(T0), [], /one candle to import; at least two are needed/],
    ['BTCUSDT-g.csv', head + [row(T0), `${T0 + H},0x10,1,1,1,1`].join('\n') + '\n', [], /BTCUSDT-g\.csv:3:\d+: open "0x10" is not a decimal number/],
    ['BTCUSDT-h.csv', head + [row(T0), row(T0 + H)].join('\n'), ['--out', 'BTCUSDT-h.csv'], /--out BTCUSDT-h\.csv is the file being imported this command reads/],
    ['BTCUSDT-i.csv', head + [row(T0), row(T0 + H)].join('\n'), ['--category', 'inverse'], /--category must be linear or spot, not "inverse"/],
  ];
  for (const [name, text, extra, want] of cases) {
    writeFileSync(join(dir, name), text);
    const before = readdirSync(dir).length;
    const r = await cli(['data', 'import', name, ...extra], dir);
    if (want.source === '^$') {
      t.equal(r.code, 0, `${name}: a later price far away is not the guard's business (only the first candle is)`);
      continue;
    }
    t.equal(r.code, extra[0] === '--category' ? 2 : 1, name);
    t.match(r.err, want, name);
    t.notMatch(r.err, /\n\s+at /);
    t.equal(readdirSync(dir).length, before, `${name}: nothing written`);
  }
  t.notOk(existsSync(join(dir, '.BTCUSDT-g.csv.tmp')));
});

t.test('usage errors exit 2', async (t) => {
  for (const args of [
    ['data'],
    ['data', 'fetch'],
    ['data', 'download', 'BTCUSDT', '7h', '--from', '2024-01-01'],
    ['data', 'download', 'BTCUSDT', '60'],
    ['data', 'download', 'BTC/USDT', '60', '--from', '2024-01-01'],
    ['data', 'download', 'BTCUSDT', '60', '--from', '2024-13-01'],
    ['data', 'download', 'BTCUSDT', '60', '--from', '1999-12-31'],
    ['data', 'download', 'BTCUSDT', '60', '--from', '2024-02-01', '--to', '2024-01-01'],
    ['data', 'download', 'BTCUSDT', 'M', '--from', '2024-01-01'],
    ['data', 'download', 'BTCUSDT', '60', '--from', '2024-01-01', '--category', 'options'],
    ['data', 'import'],
  ]) {
    const r = await cli(args);
    t.equal(r.code, 2, `${args.join(' ')}: ${r.err.trim().split('\n')[0]}`);
  }
});

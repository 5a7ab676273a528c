import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCandleCsv, CSV_HEADER, type CsvSummary } from '../../engine/market/csv.ts';
import type { Candle } from '../../engine/market/candle.ts';

const H = 3_600_000;
/** 2021-10-01 00:00 UTC: candle times must lie between 2000 and 2100. */
const T0 = Date.UTC(2021, 9, 1);

async function read(t: { testdir: () => string }, text: string | Buffer, name = 'c.csv'): Promise<{ candles: Candle[]; lines: number[]; error?: string; summary?: CsvSummary }> {
  const dir = t.testdir();
  const file = join(dir, name);
  writeFileSync(file, text);
  const candles: Candle[] = [];
  const lines: number[] = [];
  try {
    const summary = await readCandleCsv(file, (c, line) => {
      candles.push(c);
      lines.push(line);
    });
    summary.warnings = summary.warnings.map((w) => w.split(file).join('FILE'));
    return { candles, lines, summary };
  } catch (e) {
    return { candles, lines, error: (e as Error).message.split(file).join('FILE') };
  }
}

t.test('reads the bundled real data exactly', async (t) => {
  const candles: Candle[] = [];
  const s = await readCandleCsv('bots/data/BTCUSDT-1h-2021-10_2022-03.csv', (c) => candles.push(c));
  t.equal(s.count, 4368);
  t.equal(s.first, 1633046400000);
  t.equal(s.last, 1633046400000 + 4367 * H);
  t.equal(s.gaps.count, 0);
  t.equal(s.format, 'botctl CSV');
  t.equal(s.timeUnit, 'ms');
  t.same(s.warnings, []);
  t.same(candles[0], { start: 1633046400000, open: 43820.01, high: 44059, low: 43661.63, close: 43694.48, volume: 2001.56071 });
  t.equal(String(candles[3]!.open), '43379');
});

t.test('numbers parse exactly like Number(), incl. odd forms; CRLF and BOM accepted', async (t) => {
  const rows = [`${T0},0.1,0.30000000000000004,.05,0.2,1e3`, `${T0 + H},123456789.123456,123456789.123456,1.5,100.,7`];
  const r = await read(t, `\ufeff${CSV_HEADER}\r\n${rows.join('\r\n')}\r\n`);
  t.equal(r.error, undefined);
  // .05 low is below open 0.1 etc.; high 0.30000000000000004 ≥ close 0.2
  t.same(r.candles.map((c) => [c.open, c.high, c.low, c.close, c.volume]), [[0.1, 0.30000000000000004, 0.05, 0.2, 1000], [123456789.123456, 123456789.123456, 1.5, 100, 7]]);
  t.same(r.lines, [2, 3], 'each candle comes with its line number');
  // random decimals: fast path equals Number()
  const vals = Array.from({ length: 2000 }, (_, i) => (((i + 1) * 7919.123457) % 99999 + 1).toFixed(i % 9)); // prices: above zero
  const text = `${CSV_HEADER}\n${vals.map((v, i) => `${T0 + i * H},${v},${v},${v},${v},${v}`).join('\n')}`;
  const r2 = await read(t, text);
  t.equal(r2.error, undefined);
  t.ok(r2.candles.every((c, i) => c.close === Number(vals[i])), 'every value equals Number(text)');
});

t.test('errors name file:line:column and what is wrong', async (t) => {
  const cases: [string, string][] = [
    ['open,high\n', 'FILE:1:1: no time column in the header "open,high"; expected botctl\'s "start_ms,open,high,low,close,volume", a TradingView export (time,open,high,low,close,Volume) or a Binance/Bybit kline CSV (open time, open, high, low, close, volume)'],
    ['', 'FILE:1:1: the file has no header and no candles; expected the header "start_ms,open,high,low,close,volume"'],
    [`${CSV_HEADER}\n${T0},1,2,0.5,1.5,10\n${T0 + H},1,2,x1,1.5,10\n`, 'FILE:3:19: low "x1" is not a decimal number'],
    [`${CSV_HEADER}\n${T0},1,2,0.5\n`, 'FILE:2:22: missing column "close" (expected start_ms,open,high,low,close,volume)'],
    [`${CSV_HEADER}\n${T0},1,2,0.5,1,1,9\n`, 'FILE:2:26: unexpected extra column after volume (expected start_ms,open,high,low,close,volume)'],
    [`${CSV_HEADER}\n${T0},1,2,0.5,1,1\n${T0},1,2,0.5,1,1\n`, 'FILE:3:1: duplicate candle: 2021-10-01 00:00 UTC (1633046400000) appears twice in a row'],
    [`${CSV_HEADER}\n${T0 + H},1,2,0.5,1,1\n${T0},1,2,0.5,1,1\n`, 'FILE:3:1: time goes backwards: 2021-10-01 00:00 UTC (1633046400000) comes after 2021-10-01 01:00 (1633050000000); candles must be oldest first (botctl data import reorders a newest-first file)'],
    [`${CSV_HEADER}\n${T0},1,0.9,0.5,1,1\n`, 'FILE:2:1: high/low do not contain open/close (open 1, high 0.9, low 0.5, close 1)'],
    [`${CSV_HEADER}\n${T0},1,2,0.5,,1\n`, 'FILE:2:23: close is empty'],
    // A price of zero or below is bad data, not a market: sizing would divide by it.
    [`${CSV_HEADER}\n${T0},1,2,-0.5,1,1\n`, 'FILE:2:19: low -0.5 is not above zero; prices must be positive'],
    [`${CSV_HEADER}\n${T0},0,0,0,0,1\n`, 'FILE:2:15: open 0 is not above zero; prices must be positive'],
  ];
  for (const [text, want] of cases) t.equal((await read(t, text)).error, want);
});

t.test('gaps are counted and the first one reported; blank lines skipped', async (t) => {
  const r = await read(t, `${CSV_HEADER}\n${T0},1,1,1,1,1\n${T0 + H},1,1,1,1,1\n\n${T0 + 4 * H},1,1,1,1,1\n${T0 + 5 * H},1,1,1,1,1\n${T0 + 9 * H},1,1,1,1,1`);
  t.equal(r.summary!.count, 5);
  t.same(r.summary!.gaps, { count: 2, first: { after: T0 + H, before: T0 + 4 * H } });
  t.equal(r.summary!.last, T0 + 9 * H);
});

t.test('lines split across read chunks are joined', async (t) => {
  const n = 40000; // ~1.3 MB > one 1 MiB chunk
  const rows = Array.from({ length: n }, (_, i) => `${T0 + i * H},40000.5,40001.25,39999.75,40000.125,12.345678`);
  const r = await read(t, `${CSV_HEADER}\n${rows.join('\n')}\n`);
  t.equal(r.error, undefined);
  t.equal(r.candles.length, n);
  t.ok(r.candles.every((c, i) => c.start === T0 + i * H && c.close === 40000.125 && c.volume === 12.345678));
});

// ------------------------------------------------------------------ formats traders have

t.test('formats are recognised from the header or its absence, and read to the same candles', async (t) => {
  const s = T0 / 1000;
  const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
  const rows = [[T0, '43820.01', '44059', '43661.63', '43694.48', '2001.56071'], [T0 + H, '43694.49', '43800', '43500', '43750.5', '1500.5']] as const;
  const want = rows.map(([time, o, h, l, c, v]) => ({ start: time, open: +o, high: +h, low: +l, close: +c, volume: +v }));
  const body = (f: (r: (typeof rows)[number]) => string): string => rows.map(f).join('\n') + '\n';
  const cases: [string, string, string, string][] = [
    ['botctl', `${CSV_HEADER}\n` + body((r) => r.join(',')), 'botctl CSV', 'ms'],
    ['TradingView, seconds', 'time,open,high,low,close,Volume\n' + body(([time, o, h, l, c, v]) => `${time / 1000},${o},${h},${l},${c},${v}`), 'TradingView export', 's'],
    ['TradingView, ISO times and an indicator column', 'time,open,high,low,close,EMA,Volume\n' + body(([time, o, h, l, c, v]) => `${iso(time)},${o},${h},${l},${c},43000.1,${v}`), 'TradingView export', 'iso'],
    ['TradingView, ISO with offset', 'time,open,high,low,close,Volume\n' + body(([time, o, h, l, c, v]) => `${iso(time + 2 * H).replace('Z', '+02:00')},${o},${h},${l},${c},${v}`), 'TradingView export', 'iso'],
    ['Binance futures with header', 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n' + body(([time, o, h, l, c, v]) => `${time},${o},${h},${l},${c},${v},${time + H - 1},87000000.1,1234,900.1,39000000.2,0`), 'Binance kline CSV', 'ms'],
    ['Binance spot without header, ms', body(([time, o, h, l, c, v]) => `${time},${o},${h},${l},${c},${v},${time + H - 1},87000000.1,1234,900.1,39000000.2,0`), 'CSV without a header (open time, open, high, low, close, volume: the Binance/Bybit archive order)', 'ms'],
    ['Binance spot 2025 without header, µs', body(([time, o, h, l, c, v]) => `${time * 1000},${o},${h},${l},${c},${v},${time * 1000 + H * 1000 - 1},87000000.1,1234,900.1,39000000.2,0`), 'CSV without a header (open time, open, high, low, close, volume: the Binance/Bybit archive order)', 'µs'],
    ['Bybit kline CSV', 'startTime,openPrice,highPrice,lowPrice,closePrice,volume,turnover\n' + body((r) => `${r.join(',')},87000000`), 'Bybit kline CSV', 'ms'],
    ['quoted fields, CRLF', '"time","open","high","low","close","Volume"\r\n' + body(([time, o, h, l, c, v]) => `"${time / 1000}","${o}","${h}","${l}","${c}","${v}"`).replace(/\n/g, '\r\n'), 'TradingView export', 's'],
    ['metadata comment above the header', `# botctl candles: symbol=BTCUSDT category=linear interval=60 source=bybit\n${CSV_HEADER}\n` + body((r) => r.join(',')), 'botctl CSV', 'ms'],
  ];
  for (const [what, text, format, unit] of cases) {
    const r = await read(t, text);
    t.equal(r.error, undefined, what);
    t.same(r.candles, want, `${what}: same candles`);
    t.equal(r.summary?.format, format, `${what}: recognised as ${format}`);
    t.equal(r.summary?.timeUnit, unit, `${what}: times read as ${unit}`);
  }
  const meta = await read(t, cases[cases.length - 1]![1]);
  t.same(meta.summary?.meta, { symbol: 'BTCUSDT', category: 'linear', interval: '60', source: 'bybit' });
  // TradingView without its volume study: volume 0.
  const novol = await read(t, `time,open,high,low,close\n${s},1,2,0.5,1.5\n`);
  t.equal(novol.error, undefined);
  t.equal(novol.candles[0]?.volume, 0);
});

t.test('time unit from magnitude; dates outside 2000–2100 refused with the line and column', async (t) => {
  const row = (time: string | number): string => `${CSV_HEADER}\n${time},1,2,0.5,1.5,10\n`;
  const accepted: [string | number, number, string][] = [
    [946684800, Date.UTC(2000, 0, 1), 's'],
    [4102444799, Date.UTC(2100, 0, 1) - 1000, 's'],
    [T0 / 1000, T0, 's'],
    [T0, T0, 'ms'],
    [T0 * 1000, T0, 'µs'],
    [Date.UTC(2099, 11, 31, 23), Date.UTC(2099, 11, 31, 23), 'ms'],
    ['2021-10-01', T0, 'iso'],
    ['2021-10-01 00:00', T0, 'iso'],
    ['2021-10-01T02:00:00+02:00', T0, 'iso'],
    ['2021-10-01T00:00:00.000Z', T0, 'iso'],
  ];
  for (const [time, ms, unit] of accepted) {
    const r = await read(t, row(time));
    t.equal(r.error, undefined, `${time} accepted`);
    t.equal(r.candles[0]?.start, ms, `${time} → ${new Date(ms).toISOString()}`);
    t.equal(r.summary?.timeUnit, unit, `${time} read as ${unit}`);
  }
  const refused = [0, 1, 3600000, 946684799, 4102444800, 946684799999, 4102444800000, 946684799999999, 4102444800000000, 253402300800000, 1e300, -T0, 1633046400000000000, '1999-12-31T23:00Z', '2100-01-01', '2021-02-30', '2021-10-01T25:00', 'yesterday'];
  for (const time of refused) {
    const r = await read(t, row(time));
    t.match(r.error, /^FILE:2:1: start_ms /, `${time} refused at line 2, column 1`);
    t.equal(r.candles.length, 0);
  }
  // The first candle fixes the unit; a later one in another unit is refused where it is.
  const mixed = await read(t, `${CSV_HEADER}\n${T0},1,2,0.5,1.5,10\n${(T0 + H) * 1000},1,2,0.5,1.5,10\n`);
  t.match(mixed.error, /^FILE:3:1: start_ms 1633050000000000 read as milliseconds \(the unit of the file's first candle\) is in the year 53719, outside 2000–2100$/);
  const fraction = await read(t, `${CSV_HEADER}\n${T0}.5,1,2,0.5,1.5,10\n`);
  t.match(fraction.error, /^FILE:2:1: start_ms 1633046400000.5 is not a whole number of milliseconds/);
});

t.test('candle numbers are decimal only: hex, octal, binary, Infinity, NaN and stray text refused where they are', async (t) => {
  const bad = ['0x10', '0X1F', '0o17', '0b101', '-0x10', 'Infinity', '-Infinity', 'NaN', '1_000', '1,5', '12abc', '1e', '--1', '1.2.3', ' 0x10 ', '0x1p3', '١٢'];
  let n = 0;
  for (const v of bad) {
    for (const col of [1, 2, 3, 4, 5]) {
      const vals = ['1', '2', '0.5', '1.5', '10'];
      vals[col - 1] = v;
      const r = await read(t, `${CSV_HEADER}\n${T0},${vals.join(',')}\n`);
      t.match(r.error, /^FILE:2:\d+: /, `${v} as column ${col + 1} refused`);
      t.equal(r.candles.length, 0);
      if (/^\s*-?0[xob]/i.test(v) && r.error?.includes('not a decimal number')) {
        t.match(r.error, /candle numbers are decimal only/);
        n++;
      }
    }
  }
  t.ok(n >= 20, 'hex/octal/binary get the decimal-only hint');
  const hexTime = await read(t, `${CSV_HEADER}\n0x17C3A0D6400,1,2,0.5,1.5,10\n`);
  t.match(hexTime.error, /^FILE:2:1: start_ms "0x17C3A0D6400" is not a decimal number; candle numbers are decimal only/);
});

t.test('a last line without its line end that does not parse completely is left out with a warning', async (t) => {
  const full = `${T0 + H},43694.49,43800,43500,43750.5,1500.56071`;
  const head = `${CSV_HEADER}\n${T0},43820.01,44059,43661.63,43694.48,2001.56071\n`;
  // Every cut of the last line that cannot be a whole candle.
  let dropped = 0;
  for (let cut = 1; cut < full.length; cut++) {
    const part = full.slice(0, cut);
    const r = await read(t, head + part);
    t.equal(r.error, undefined, `cut after "${part}": no error`);
    if (r.candles.length === 2) {
      // Only a cut inside the last column can look whole; never a shortened price.
      t.ok(part.split(',').length === 6 && !/[.\-e]$/.test(part), `"${part}" parsed whole`);
      t.same(r.candles[1]!.close, 43750.5);
      continue;
    }
    dropped++;
    t.equal(r.candles.length, 1, `"${part}" left out`);
    t.equal(r.summary?.warnings.length, 1);
    t.match(r.summary?.warnings[0], /^FILE:3: the last line has no line end and is incomplete \(.+\); it was left out — was the file still being written\?$/);
  }
  t.ok(dropped > 40, `${dropped} cuts left out`);
  // With its line end, a short line is an error as before; without one, a whole line is a candle.
  t.match((await read(t, `${head}${full.slice(0, 20)}\n`)).error, /^FILE:3:\d+: /);
  const whole = await read(t, head + full);
  t.equal(whole.candles.length, 2);
  t.same(whole.summary?.warnings, []);
  // Archive files with trailing columns: a last line missing columns is cut, even if the price columns are whole.
  const bin = (time: number): string => `${time},1,2,0.5,1.5,10,${time + H - 1},87000000.1,1234,900.1,39000000.2,0`;
  const cutBin = await read(t, `${bin(T0)}\n${bin(T0 + H).slice(0, 40)}`);
  t.equal(cutBin.candles.length, 1);
  t.match(cutBin.summary?.warnings[0], /incomplete \(\d+ of the file's 12 columns\)/);
});

t.test('only regular files: a directory, a FIFO and a device are refused at once', async (t) => {
  const dir = t.testdir();
  mkdirSync(join(dir, 'folder.csv'));
  execFileSync('mkfifo', [join(dir, 'pipe.csv')]);
  const cases: [string, RegExp][] = [
    [join(dir, 'folder.csv'), /^cannot read candle file .*folder\.csv: it is a directory; give the path of a file$/],
    [join(dir, 'pipe.csv'), /^cannot read candle file .*pipe\.csv: it is a FIFO \(named pipe\), not a regular file/],
    ['/dev/zero', /^cannot read candle file \/dev\/zero: it is a device, not a regular file/],
    ['/dev/null', /^cannot read candle file \/dev\/null: it is a device, not a regular file/],
    [join(dir, 'missing.csv'), /^cannot read candle file .*missing\.csv: no such file$/],
    [join(dir, 'missing', 'x.csv'), /^cannot read candle file .*x\.csv: no such file$/],
  ];
  for (const [file, want] of cases) {
    let err = '';
    try {
      await readCandleCsv(file, () => {});
    } catch (e) {
      err = (e as Error).message;
    }
    t.match(err, want, file);
  }
});

t.test('read a little at a time (a replay reads 64 KB): the same candles and lines as read whole, even across long lines', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'long-lines.csv');
  const lines = ['start_ms,open,high,low,close,volume'];
  for (let i = 0; i < 3000; i++) {
    // Every 500th volume written with 6,000 digits of zeros after the point: a line longer than a 4 KB read.
    const vol = i % 500 === 0 ? `1.${'0'.repeat(6000)}5` : `${i % 97}.25`;
    lines.push(`${Date.UTC(2022, 0, 1) + i * 60_000},100.5,101,99.5,100.25,${vol}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  const read = async (chunkBytes?: number) => {
    const got: string[] = [];
    const s = await readCandleCsv(file, (c, line) => void got.push(`${line}:${c.start},${c.open},${c.high},${c.low},${c.close},${c.volume}`), chunkBytes ? { chunkBytes } : {});
    return { got, count: s.count };
  };
  const whole = await read();
  t.equal(whole.count, 3000);
  for (const chunkBytes of [4096, 5000, 65_536]) t.same(await read(chunkBytes), whole, `${chunkBytes} bytes at a time`);
});

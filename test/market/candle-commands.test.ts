// Every command that reads a candle file answers the same about the same file: backtest, explain,
// sweep, run --venue sim and report --data go through one check. Each class of bad file, many inputs:
// exit 1, the file, line and column, no stack trace; the cut-off last line is a warning every
// command prints. And no command writes an output over one of its own inputs.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../engine/cli/main.ts';
import { CSV_HEADER } from '../../engine/market/csv.ts';
import { buildPaperJournal } from '../fixtures/commands/journal.ts';

const DATA = 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv';
const H = 3_600_000;
const T0 = Date.UTC(2021, 9, 1);

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const dir = t.testdir();
// Specs in a temp folder: a replay journals next to its spec.
const spec = join(dir, 'btc-ema.yaml');
writeFileSync(spec, readFileSync('bots/btc-ema.yaml', 'utf8'));
const journalBot = buildPaperJournal(join(dir, 'project'));

const rows = (n: number, step = H, from = T0, price = 43000): string[] =>
  Array.from({ length: n }, (_, i) => `${from + i * step},${price},${price + 50},${price - 50},${price + 10},1.5`);
const file = (name: string, text: string): string => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};

/** The same file through every command; each must refuse it the same way. */
function commands(data: string): string[][] {
  return [
    ['backtest', spec, '--data', data],
    ['explain', spec, '--data', data],
    ['sweep', spec, '--data', data, '--param', 'fast=8,9', '--workers', '1', '--results', join(dir, 'sweep.jsonl')],
    ['run', spec, '--venue', 'sim', '--data', data],
    ['report', journalBot.spec, '--data', data, '--out', join(dir, 'r.html')],
  ];
}

t.test('bad candle files: each class refused by every command at the same place', async (t) => {
  const body = rows(300);
  const cases: [string, string, RegExp][] = [];
  // The 90-minute gap that backtest always refused, now refused everywhere.
  for (const at of [5, 50, 250]) {
    const b = rows(300).map((l, i) => (i >= at ? l.replace(/^\d+/, (x) => String(Number(x) + 30 * 60_000)) : l));
    cases.push([`gap90-${at}.csv`, `${CSV_HEADER}\n${b.join('\n')}\n`, new RegExp(`:${at + 2}:1: this candle opens 90m after the one on line ${at + 1}`)]);
  }
  // 2-hour data for a 1-hour bot.
  cases.push(['two-hour.csv', `${CSV_HEADER}\n${rows(300, 2 * H).join('\n')}\n`, /:3:1: the file's candles are 2h apart \(lines 2 and 3\), but btc-ema trades 1h candles: 1h candles cannot be made from 2h candles/]);
  cases.push(['four-hour.csv', `${CSV_HEADER}\n${rows(300, 4 * H).join('\n')}\n`, /:3:1: the file's candles are 4h apart/]);
  // Dates outside 2000–2100, in any unit.
  for (const [name, time] of [['epoch', 0], ['y1999', Date.UTC(1999, 0, 1)], ['y2100', Date.UTC(2100, 0, 1)], ['y53719', (T0 + H) * 1000 * 1000], ['huge', 1e30]] as const) {
    cases.push([`${name}.csv`, `${CSV_HEADER}\n${time},43000,43050,42950,43010,1\n${body.slice(1).join('\n')}\n`, /:2:1: start_ms /]);
  }
  // Microseconds switched to mid-file (Binance spot from 2025): located at the first such line.
  cases.push(['mixed-units.csv', `${CSV_HEADER}\n${body.slice(0, 10).join('\n')}\n${(T0 + 10 * H) * 1000},43000,43050,42950,43010,1\n`, /:12:1: start_ms \d+ read as milliseconds \(the unit of the file's first candle\) is in the year \d+, outside 2000–2100/]);
  // Hex numbers anywhere.
  for (const [col, name] of [[2, 'open'], [3, 'high'], [4, 'low'], [5, 'close'], [6, 'volume']] as const) {
    const b = [...body];
    const cells = b[7]!.split(',');
    cells[col - 1] = '0x10';
    b[7] = cells.join(',');
    cases.push([`hex-${name}.csv`, `${CSV_HEADER}\n${b.join('\n')}\n`, new RegExp(`:9:\\d+: ${name} "0x10" is not a decimal number; candle numbers are decimal only`)]);
  }
  // The wrong coin.
  cases.push(['ETHUSDT-1h-2021.csv', `${CSV_HEADER}\n${body.join('\n')}\n`, /ETHUSDT-1h-2021\.csv: these are ETHUSDT candles \(going by its file name\), but btc-ema trades BTCUSDT/]);
  cases.push(['eth-prices.csv', `${CSV_HEADER}\n${rows(300, H, T0, 3000).join('\n')}\n`, /:2:1: the first candle closes at 3010 on 2021-10-01, far from where BTCUSDT traded that year/]);

  for (const [name, text, want] of cases) {
    const f = file(name, text);
    for (const args of commands(f)) {
      const r = await cli(args);
      const what = `${args[0]} on ${name}`;
      t.equal(r.code, 1, `${what}: exit 1`);
      t.match(r.err, want, `${what}: located, says what is wrong`);
      t.notMatch(r.err, /\n\s+at |internal error/, `${what}: no stack trace`);
    }
  }
});

t.test('non-regular candle files are refused by every command, at once', async (t) => {
  mkdirSync(join(dir, 'folder.csv'));
  execFileSync('mkfifo', [join(dir, 'pipe.csv')]);
  for (const [f, want] of [[join(dir, 'folder.csv'), /it is a directory/], [join(dir, 'pipe.csv'), /it is a FIFO \(named pipe\), not a regular file/], ['/dev/zero', /it is a device, not a regular file/]] as const) {
    for (const args of commands(f)) {
      const r = await cli(args);
      t.equal(r.code, 1, `${args[0]} on ${f}`);
      t.match(r.err, want);
    }
  }
});

t.test('a cut-off last line: every command runs on the whole candles and prints the warning', async (t) => {
  const all = rows(400);
  const f = file('BTCUSDT-cut.csv', `${CSV_HEADER}\n${all.join('\n')}\n${String(T0 + 400 * H)},43000,430`);
  const warning = /BTCUSDT-cut\.csv:402: the last line has no line end and is incomplete \(.+\); it was left out — was the file still being written\?/;
  const bt = await cli(['backtest', spec, '--data', f]);
  t.equal(bt.code, 0, bt.err);
  t.match(bt.out, warning, 'backtest');
  t.match(bt.out, /400 candles/);
  const ex = await cli(['explain', spec, '--data', f]);
  t.equal(ex.code, 0, ex.err);
  t.match(ex.out, warning, 'explain');
  const run = await cli(['run', spec, '--venue', 'sim', '--data', f]);
  t.equal(run.code, 0, run.err);
  t.match(run.out, warning, 'run --venue sim');
  const sweep = await cli(['sweep', spec, '--data', f, '--param', 'fast=8,9', '--workers', '1', '--results', join(dir, 'cut-sweep.jsonl')]);
  t.equal(sweep.code, 0, sweep.err);
  t.match(sweep.err, warning, 'sweep');
  t.match(sweep.err, /on 400 candles/);
});

t.test('resampled data: backtest, explain and replay accept 1h data for a 4h bot and say so', async (t) => {
  const spec4h = join(dir, 'btc-4h.yaml');
  writeFileSync(spec4h, readFileSync('bots/btc-ema.yaml', 'utf8').replace('name: btc-ema', 'name: btc-4h').replace('interval: 60 ', 'interval: 240'));
  const said = /BTCUSDT-1h-2021-10_2022-03\.csv: 4368 1h candles, resampled to 1092 4h candles aligned to UTC, 2021-10-01 00:00 → 2022-03-31 20:00 UTC/;
  const bt = await cli(['backtest', spec4h, '--data', DATA]);
  t.equal(bt.code, 0, bt.err);
  t.match(bt.out, /^btc-4h: BTCUSDT linear 4h, 2021-10-01 00:00 → 2022-03-31 20:00 UTC, 1092 candles/);
  t.match(bt.out, said);
  const ex = await cli(['explain', spec4h, '--data', DATA, '--last', '1']);
  t.equal(ex.code, 0, ex.err);
  t.match(ex.out, said);
  t.match(ex.out, /2022-03-31 20:00 UTC {2}bar 1091 /);
  const run = await cli(['run', spec4h, '--venue', 'sim', '--data', DATA]);
  t.equal(run.code, 0, run.err);
  t.match(run.out, said);
  t.match(run.out, /btc-4h: replayed \d+ candles/);
  const sweep = await cli(['sweep', spec4h, '--data', DATA, '--param', 'fast=8,9', '--workers', '1', '--results', join(dir, '4h-sweep.jsonl')]);
  t.equal(sweep.code, 0, sweep.err);
  t.match(sweep.err, said);
  t.match(sweep.err, /on 1,092 candles/);
  // µs timestamps and TradingView seconds are read and named.
  const us = file('BTCUSDT-us.csv', `${rows(300).map((l) => l.replace(/^\d+/, (x) => `${x}000`)).join('\n')}\n`);
  const r = await cli(['backtest', spec, '--data', us]);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /BTCUSDT-us\.csv \(CSV without a header .*, times read as microseconds\): 300 1h candles, 2021-10-01 00:00 → 2021-10-13 11:00 UTC/);
});

t.test('outputs never overwrite an input of the command, however the path is spelled', async (t) => {
  const data = file('BTCUSDT-keep.csv', `${CSV_HEADER}\n${rows(200).join('\n')}\n`);
  const before = readFileSync(data, 'utf8');
  const specText = readFileSync(spec, 'utf8');
  symlinkSync(data, join(dir, 'link.csv'));
  linkSync(data, join(dir, 'hard.csv'));
  const spellings = [data, join(dir, '.', 'BTCUSDT-keep.csv'), join(dir, 'project', '..', 'BTCUSDT-keep.csv'), join(dir, 'link.csv'), join(dir, 'hard.csv')];
  const cases: [string[], RegExp][] = [];
  for (const out of spellings) {
    cases.push([['explain', spec, '--data', data, '--csv', out], /^error: --csv .* is the candle file this command reads/]);
    cases.push([['backtest', spec, '--data', data, '--json', out], /^error: --json .* is the candle file this command reads/]);
    cases.push([['backtest', spec, '--data', data, '--html', out], /^error: --html .* is the candle file this command reads/]);
    cases.push([['report', journalBot.spec, '--data', data, '--out', out], /^error: --out .* is the candle file this command reads/]);
  }
  cases.push([['backtest', spec, '--data', data, '--json', spec], /^error: --json .* is the spec this command reads/]);
  cases.push([['explain', spec, '--data', data, '--csv', spec], /^error: --csv .* is the spec this command reads/]);
  cases.push([['report', journalBot.spec, '--out', journalBot.journal], /^error: --out .* is the journal this command reads/]);
  cases.push([['report', journalBot.spec, '--out', journalBot.spec], /^error: --out .* is the spec this command reads/]);
  // Another SQLite file (some other bot's journal) is not overwritten either.
  const otherDb = join(dir, 'other.sqlite');
  writeFileSync(otherDb, readFileSync(journalBot.journal));
  cases.push([['backtest', spec, '--data', data, '--html', otherDb], /^error: --html .* is an SQLite database \(a botctl journal\?\); botctl does not write over one/]);
  cases.push([['report', journalBot.spec, '--out', otherDb], /^error: --out .* is an SQLite database/]);
  cases.push([['explain', spec, '--data', data, '--csv', dir], /^error: --csv .* is a directory/]);
  const journalBytes = statSync(journalBot.journal).size;
  for (const [args, want] of cases) {
    const r = await cli(args);
    t.equal(r.code, 1, args.join(' '));
    t.match(r.err, want, args.join(' '));
  }
  t.equal(readFileSync(data, 'utf8'), before, 'the candle file is intact');
  t.equal(readFileSync(spec, 'utf8'), specText, 'the spec is intact');
  t.equal(statSync(journalBot.journal).size, journalBytes, 'the journal is intact');
  // /dev/full: the disk is full, said plainly.
  const full = await cli(['explain', spec, '--data', data, '--csv', '/dev/full']);
  t.equal(full.code, 1);
  t.match(full.err, /^error: cannot write --csv \/dev\/full: the disk is full \(no space left on device\)/);
  // A bad candle file leaves no half-written series behind.
  const cut = file('BTCUSDT-bad.csv', `${CSV_HEADER}\n${rows(50).join('\n')}\n${T0 + 50 * H},x,1,1,1,1\n`);
  const bad = await cli(['explain', spec, '--data', cut, '--csv', join(dir, 'series.csv')]);
  t.equal(bad.code, 1);
  t.throws(() => statSync(join(dir, 'series.csv')), 'no series.csv written');
});

// Output files never overwrite the command's own inputs (journal, spec, candles, module) or any
// SQLite database, however the path is spelled; and a write that fails (full disk, missing folder,
// a directory) is a plain exit-1 message, never an internal error.
import t from 'tap';
import { createHash } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, symlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { BOTCTL, CANDLES, botctlHere, refused, rulesSpec, scratch } from './harness.ts';

const csv = readFileSync(CANDLES, 'utf8').split('\n').slice(0, 301).join('\n') + '\n';
const dir = scratch({
  'candles.csv': csv,
  'bot.yaml': rulesSpec({ name: 'obot', journal: './journal/obot.sqlite' }),
  'mod.mjs': 'export default class { warmupBars = 0; preloadBars = 0; onCandle() { return []; } }\n',
  'mod.yaml': 'name: omod\nmarket: { network: testnet, category: linear, symbol: BTCUSDT, interval: 60 }\nstrategy: { module: ./mod.mjs }\nrisk: { quantity: 0.01 }\n',
  'instrument.json': JSON.stringify({ symbol: 'BTCUSDT', tickSize: '0.1', qtyStep: '0.001', minOrderQty: '0.001', maxOrderQty: '100', minNotional: '5' }),
});
const spec = join(dir, 'bot.yaml');
const data = join(dir, 'candles.csv');
const journal = join(dir, 'journal', 'obot.sqlite');
const first = await botctlHere(['run', spec, '--data', data]);
if (first.code !== 0) throw new Error(first.err);
const foreign = join(dir, 'other.db');
new Database(foreign).exec('CREATE TABLE t (x)');
symlinkSync(journal, join(dir, 'journal-link.sqlite'));
linkSync(spec, join(dir, 'spec-hardlink.yaml'));
linkSync(journal, join(dir, 'journal-hardlink.sqlite'));
mkdirSync(join(dir, 'a-folder'));

const hashes = (): string => [journal, spec, data, foreign, join(dir, 'mod.mjs'), join(dir, 'instrument.json')]
  .map((f) => createHash('sha256').update(readFileSync(f)).digest('hex')).join(' ');
const before = hashes();

const rel = (p: string): string => relative(process.cwd(), p);
const REPORT_OVER_INPUTS: Array<[string, string, RegExp]> = [
  ['the journal (absolute)', journal, /--out \S+ is the journal this command reads/],
  ['the journal (relative)', rel(journal), /is the journal this command reads/],
  ['the journal (with ..)', join(dir, 'journal', '..', 'journal', 'obot.sqlite'), /is the journal this command reads/],
  ['the journal (symlink)', join(dir, 'journal-link.sqlite'), /is the journal this command reads/],
  ['the journal (hard link)', join(dir, 'journal-hardlink.sqlite'), /is the journal this command reads/],
  ['the spec', spec, /is the spec this command reads/],
  ['the spec (hard link)', join(dir, 'spec-hardlink.yaml'), /is the spec this command reads/],
  ['the candle file', data, /is the candle file this command reads/],
  ['another SQLite database', foreign, /is an SQLite database/],
];

t.test(`report --out: ${REPORT_OVER_INPUTS.length} paths that are inputs or databases are refused`, async (t) => {
  for (const [name, out, says] of REPORT_OVER_INPUTS) {
    const a = await botctlHere(['report', spec, '--out', out, '--data', data]);
    refused(t, a, { code: 1, case: name, says });
  }
  t.equal(hashes(), before, 'every input is byte for byte unchanged');
});

const BACKTEST_OVER_INPUTS: Array<[string, string[], RegExp]> = [
  ['--json over the spec', ['--json', spec], /--json \S+ is the spec this command reads/],
  ['--html over the spec', ['--html', spec], /--html \S+ is the spec this command reads/],
  ['--json over the candles', ['--json', data], /is the candle file this command reads/],
  ['--html over the candles (relative)', ['--html', rel(data)], /is the candle file this command reads/],
  ['--json over the instrument file', ['--json', join(dir, 'instrument.json'), '--instrument-file', join(dir, 'instrument.json')], /is the instrument file this command reads/],
  ['--json over a journal', ['--json', journal], /is an SQLite database/],
  ['--html over a database', ['--html', foreign], /is an SQLite database/],
];

t.test(`backtest --json/--html: ${BACKTEST_OVER_INPUTS.length + 1} paths that are inputs are refused before the run`, async (t) => {
  for (const [name, flags, says] of BACKTEST_OVER_INPUTS) {
    const a = await botctlHere(['backtest', spec, '--data', data, ...flags]);
    refused(t, a, { code: 1, case: name, says });
    t.notMatch(a.out, /Net P&L/, `${name}: refused before running`);
  }
  const m = await botctlHere(['backtest', join(dir, 'mod.yaml'), '--data', data, '--json', join(dir, 'mod.mjs')]);
  refused(t, m, { code: 1, case: '--json over the strategy module', says: /is the strategy module this command reads/ });
  t.equal(hashes(), before, 'every input is byte for byte unchanged');
});

const UNWRITABLE: Array<[string, string[], RegExp]> = [
  ['backtest --json /dev/full', ['backtest', spec, '--data', data, '--json', '/dev/full'], /cannot write \S*\/dev\/full: the disk is full/],
  ['backtest --html /dev/full', ['backtest', spec, '--data', data, '--html', '/dev/full'], /cannot write \S*\/dev\/full: the disk is full/],
  ['explain --csv /dev/full', ['explain', spec, '--data', data, '--csv', '/dev/full'], /\/dev\/full.*the disk is full/],
  ['backtest --json into a missing folder', ['backtest', spec, '--data', data, '--json', join(dir, 'nope', 'x.json')], /its folder does not exist/],
  ['backtest --json onto a folder', ['backtest', spec, '--data', data, '--json', join(dir, 'a-folder')], /a-folder is a directory/],
  ['report --out onto a folder', ['report', spec, '--out', join(dir, 'a-folder')], /a-folder is a directory/],
  ['report --out under a file', ['report', spec, '--out', join(spec, 'r.html')], /cannot write the report to .*r\.html: a folder on its path is a file/],
];

t.test(`${UNWRITABLE.length} outputs that cannot be written: plain message, exit 1`, async (t) => {
  for (const [name, args, says] of UNWRITABLE) refused(t, await botctlHere(args), { code: 1, case: name, says });
});

t.test('standard output on a full disk: exit 1, said on standard error', async (t) => {
  for (const args of [['validate', spec], ['backtest', spec, '--data', data], ['trades', spec, '--csv'], ['status', spec, '--json']]) {
    const full = openSync('/dev/full', 'w');
    const r = spawnSync(process.execPath, [BOTCTL, ...args], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8', timeout: 60_000 });
    closeSync(full);
    refused(t, { code: r.status, out: '', err: r.stderr, killed: r.signal !== null, ms: 0 }, { code: 1, case: args[0], says: /cannot write to standard output: the disk is full/ });
  }
});

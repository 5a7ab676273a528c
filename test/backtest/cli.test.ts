// `botctl backtest` end to end through the CLI entry, on the bundled real data.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../engine/cli/main.ts';

const DATA = 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

t.test('quick start: the flagship spec on the bundled data prints a summary', async (t) => {
  const r = await run(['backtest', 'bots/btc-ema.yaml', '--data', DATA]);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /^btc-ema: BTCUSDT linear 1h, 2021-10-01 00:00 → 2022-03-31 23:00 UTC, 4368 candles/);
  for (const k of ['Net P&L', 'Max drawdown', 'Sharpe', 'Sortino', 'Trades', 'Profit factor', 'Expectancy', 'Average trade', 'Exposure', 'Fees']) t.match(r.out, new RegExp(`\\n  ${k.replace('&', '&')}`));
  t.equal(r.err, '');
});

t.test('--json: full result, decimals as strings, byte-identical across runs', async (t) => {
  const dir = t.testdir();
  const a = join(dir, 'a.json');
  const b = join(dir, 'b.json');
  t.equal((await run(['backtest', 'bots/btc-ema.yaml', '--data', DATA, '--json', a])).code, 0);
  t.equal((await run(['backtest', 'bots/btc-ema.yaml', '--data', DATA, '--json', b])).code, 0);
  const ta = readFileSync(a, 'utf8');
  t.equal(ta, readFileSync(b, 'utf8'), 'same inputs, same bytes');
  const j = JSON.parse(ta);
  t.same(Object.keys(j), ['format', 'bot', 'market', 'data', 'instrument', 'simulation', 'metrics', 'trades', 'decisions', 'omitted', 'equity']);
  t.type(j.metrics.netPnl, 'string');
  t.ok(j.trades.length > 10);
  t.type(j.trades[0].entryPrice, 'string');
  t.equal(j.metrics.tradeCount, j.trades.length);
  // net P&L equals the sum of the trades' net P&L (no position open at the end)
  const { Decimal } = await import('decimal.js');
  const sum = j.trades.reduce((s: InstanceType<typeof Decimal>, x: { netPnl: string }) => s.add(x.netPnl), new Decimal(0));
  t.equal(sum.toDecimalPlaces(8).toFixed(), new Decimal(j.metrics.netPnl).toFixed());
  t.ok(j.decisions.every((d: { text: string }) => /^\d{4}-\d\d-\d\d \d\d:\d\d /.test(d.text)));
  t.ok(j.equity.length > 100 && j.equity.length <= 4000);
  t.equal(j.equity[j.equity.length - 1].equity, j.metrics.finalEquity);
});

t.test('--from/--to with --data restrict the replayed range', async (t) => {
  const r = await run(['backtest', 'bots/btc-ema.yaml', '--data', DATA, '--from', '2021-11-01', '--to', '2021-12-01']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /2021-11-01 00:00 → 2021-11-30 23:00 UTC, 720 candles \(first 0 warm-up\)/, 'October warms the strategy up');
});

t.test('usage and data errors: clear message, right exit code, no stack trace', async (t) => {
  const dir = t.testdir();
  let r = await run(['backtest', 'bots/btc-ema.yaml']);
  t.equal(r.code, 2);
  t.match(r.err, /say which candles to replay: --data FILE.csv, or --from DATE/);
  r = await run(['backtest', 'bots/btc-ema.yaml', '--data', DATA, '--from', '2021-13-01']);
  t.equal(r.code, 2);
  t.match(r.err, /--from "2021-13-01" is not a date/);
  r = await run(['backtest', 'bots/btc-ema.yaml', '--data', join(dir, 'nope.csv')]);
  t.equal(r.code, 1);
  t.match(r.err, /cannot read candle file .*nope.csv: no such file/);
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, 'start_ms,open,high,low,close,volume\n1633046400000,43000,43100,42900,43000,1\n1633050000000,43000,43100,zero,43000,1\n');
  r = await run(['backtest', 'bots/btc-ema.yaml', '--data', bad]);
  t.equal(r.code, 1);
  t.match(r.err, /bad.csv:3:\d+: low "zero" is not a decimal number/);
  // Too little finer data to fill one candle of the bot's interval.
  const minute = join(dir, 'minute.csv');
  writeFileSync(minute, 'start_ms,open,high,low,close,volume\n1633046400000,43000,43100,42900,43000,1\n1633046460000,43000,43100,42900,43000,1\n');
  r = await run(['backtest', 'bots/btc-ema.yaml', '--data', minute]);
  t.equal(r.code, 1);
  t.match(r.err, /minute\.csv: its 2 1m candles do not fill a single whole 1h candle for btc-ema; use a longer file/);
  // The ETH example on the BTC file: the file name says BTCUSDT.
  r = await run(['backtest', 'bots/eth-rsi-spot.yaml', '--data', DATA]);
  t.equal(r.code, 1);
  t.match(r.err, /these are BTCUSDT candles \(going by its file name\), but eth-rsi-spot trades ETHUSDT/);
  t.notMatch(r.err, /    at /);
});

t.test('unknown symbol offline: error suggests --instrument-file, which then works', async (t) => {
  const dir = t.testdir();
  const spec = join(dir, 'sol.yaml');
  writeFileSync(spec, readFileSync('bots/btc-ema.yaml', 'utf8').replace('symbol: BTCUSDT', 'symbol: SOLUSDT').replace('quote: 30000', 'quote: 3000'));
  let r = await run(['backtest', spec, '--data', DATA, '--allow-other-symbol']);
  t.equal(r.code, 1);
  t.match(r.err, /no offline instrument rules for SOLUSDT \(linear\); botctl bundles BTCUSDT, ETHUSDT/);
  t.match(r.err, /--instrument-file/);
  const rules = join(dir, 'sol.json');
  writeFileSync(rules, JSON.stringify({ retCode: 0, result: { list: [{ symbol: 'SOLUSDT', priceFilter: { tickSize: '0.010' }, lotSizeFilter: { qtyStep: '0.1', minOrderQty: '0.1', minNotionalValue: '5', maxOrderQty: '79770.0' } }] } }));
  r = await run(['backtest', spec, '--data', DATA, '--instrument-file', rules, '--allow-other-symbol']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /SOLUSDT linear 1h/);
  t.match(r.out, /warning: .*BTCUSDT-1h-2021-10_2022-03\.csv holds BTCUSDT candles \(going by its file name\); btc-ema trades SOLUSDT on them because of --allow-other-symbol/);
});

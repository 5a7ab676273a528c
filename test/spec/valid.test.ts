// The bundled example bots validate, and a valid spec becomes exactly the Plan the trader wrote.
import t from 'tap';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { loadBotSpec } from '../../engine/spec/load.ts';
import type { Plan } from '../../engine/plan/plan.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
process.chdir(root);

async function planOf(file: string): Promise<{ plan: Plan; summary: string }> {
  const r = await loadBotSpec(file);
  if (!r.ok) throw new Error(`${file} should be valid:\n${r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n')}`);
  return { plan: r.plan, summary: r.summary };
}

const bots = readdirSync('bots').filter((f) => f.endsWith('.yaml') && !f.endsWith('.sweep.yaml')); // NAME.sweep.yaml: a sweep file, not a spec
t.ok(bots.length >= 3, 'at least three example bots');
for (const f of bots) {
  t.test(`bots/${f} is valid and has no warnings`, async (t) => {
    const r = await loadBotSpec(`bots/${f}`);
    t.equal(r.ok, true, r.ok ? 'valid' : r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
    if (r.ok) t.strictSame(r.warnings, []);
  });
}

t.test('btc-ema: the flagship plan', async (t) => {
  const { plan, summary } = await planOf('bots/btc-ema.yaml');
  t.equal(plan.name, 'btc-ema');
  t.equal(plan.specFile, resolve('bots/btc-ema.yaml'));
  t.match(plan.specHash, /^[0-9a-f]{64}$/);
  t.strictSame(plan.market, { network: 'testnet', category: 'linear', symbol: 'BTCUSDT', interval: '60' });
  t.equal(plan.strategy.kind, 'rules');
  if (plan.strategy.kind === 'rules') {
    t.strictSame(plan.strategy.params, { fast: 9, slow: 21 });
    t.equal(plan.strategy.expressions.long_entry, 'crossover(ema(close, fast), ema(close, slow)) and rsi(close, 14) < 70');
    t.equal(plan.strategy.expressions.short_exit, 'crossover(ema(close, fast), ema(close, slow))');
  }
  t.strictSame(plan.directions, { long: true, short: true });
  t.strictSame(plan.entryOrder, { type: 'market' });
  t.equal(plan.risk.sizing.kind, 'risk_percent');
  if (plan.risk.sizing.kind === 'risk_percent') t.equal(plan.risk.sizing.percent.toString(), '1');
  t.equal(plan.risk.leverage.toString(), '3');
  t.equal(plan.risk.maxPositionQuote?.toString(), '30000');
  t.equal(plan.exits.stopLoss?.kind, 'atr');
  if (plan.exits.stopLoss?.kind === 'atr') {
    t.equal(plan.exits.stopLoss.length, 14);
    t.equal(plan.exits.stopLoss.multiple.toString(), '2');
  }
  t.equal(plan.exits.takeProfit?.kind, 'risk_reward');
  t.equal(plan.exits.placement, 'exchange');
  t.strictSame(plan.cooldown.afterExit, { unit: 'bars', bars: 3 });
  t.strictSame(plan.cooldown.afterLoss, { unit: 'ms', ms: 12 * 3_600_000 });
  t.equal(plan.protections.maxDailyLossPercent?.toString(), '3');
  t.equal(plan.protections.drawdownCoolOff, undefined, 'the safe default: paused until botctl resume');
  t.match(summary, /Drawdown protection: entries pause once equity is 15% below its all-time peak, until `botctl resume btc-ema`\./);
  t.equal(plan.protections.maxTradesPerDay, 6);
  t.strictSame({ ...plan.run }, { mode: 'paper', journal: resolve('bots/journal/btc-ema.sqlite'), onShutdown: 'keep_position' });
  t.equal(plan.simulation.takerFeePercent.toString(), '0.055');
  t.match(summary, /^btc-ema trades BTCUSDT perpetual \(linear, testnet\) on 1-hour candles, paper mode\. It goes long when crossover/);
  t.match(summary, /risks 1% of equity per trade with a stop 2×ATR\(14\) away and a take-profit at 2R, at 3× leverage/);
});

t.test('eth-rsi-spot: spot defaults (long only, leverage 1, spot fees)', async (t) => {
  const { plan } = await planOf('bots/eth-rsi-spot.yaml');
  t.strictSame(plan.directions, { long: true, short: false });
  t.equal(plan.risk.leverage.toString(), '1');
  t.equal(plan.simulation.takerFeePercent.toString(), '0.1');
  t.equal(plan.simulation.makerFeePercent.toString(), '0.1');
  t.equal(plan.entryOrder.type, 'limit');
  if (plan.entryOrder.type === 'limit') {
    t.equal(plan.entryOrder.offsetPercent.toString(), '0.05');
    t.strictSame(plan.entryOrder.timeout, { unit: 'bars', bars: 2 });
    t.equal(plan.entryOrder.onTimeout, 'cancel');
  }
});

t.test('btc-breakout-module: module path resolved from the spec, params passed through', async (t) => {
  const { plan, summary } = await planOf('bots/btc-breakout-module.yaml');
  t.strictSame(plan.strategy, { kind: 'module', path: resolve('bots/strategies/donchian-breakout.ts'), params: { channel: 20, exit_channel: 10 } });
  t.strictSame(plan.directions, { long: true, short: true });
  t.equal(plan.exits.trailingStop?.activation?.kind, 'risk_reward');
  t.equal(plan.cooldown.volatility?.maxMultiplier.toString(), '3');
  t.equal(plan.run.onShutdown, 'close_position');
  t.match(summary, /strategy module bots\/strategies\/donchian-breakout\.ts \(long and short\)/);
});

t.test('decimals are read from the source text, quoted or not', async (t) => {
  const { plan } = await planOf('test/fixtures/specs/valid-strings.yaml');
  t.equal(plan.market.interval, '15');
  t.equal(plan.market.network, 'demo');
  t.strictSame(plan.directions, { long: true, short: false });
  if (plan.risk.sizing.kind !== 'quantity') throw new Error('quantity sizing expected');
  // More digits than a double holds: only the source text can give this back.
  t.equal(plan.risk.sizing.quantity.toString(), '0.123456789012345678');
  t.equal(plan.risk.maxPositionQty?.toString(), '0.5');
  t.equal(plan.risk.leverage.toString(), '2.5');
  t.equal(plan.simulation.initialEquity.toString(), '2500.5');
  t.equal(plan.simulation.makerFeePercent.toString(), '0');
  t.equal(plan.simulation.takerFeePercent.toString(), '0.1');
  t.strictSame(plan.entryOrder.type === 'limit' && plan.entryOrder.timeout, { unit: 'ms', ms: 90 * 60_000 });
  t.equal(plan.entryOrder.type === 'limit' && plan.entryOrder.onTimeout, 'amend');
  t.equal(plan.exits.placement, 'bot');
  t.strictSame(plan.cooldown.activity?.extra, { unit: 'ms', ms: 30 * 60_000 });
  t.equal(plan.cooldown.activity?.freeTrades, 2);
  t.equal(plan.run.mode, 'live');
  t.equal(plan.run.journal, resolve('test/fixtures/specs/state/vs.sqlite'));
  t.strictSame(plan.protections.drawdownCoolOff, { unit: 'ms', ms: 2 * 86_400_000 });
  t.equal(plan.protections.haltBelowEquity?.toString(), '2000.25');
});

t.test("a drawdown cool-off says in validate's summary how far equity may fall in total", async (t) => {
  const dir = t.testdir();
  const base = readFileSync('bots/btc-ema.yaml', 'utf8').replace('max_drawdown_percent: 15', 'max_drawdown_percent: 10\n  drawdown_cool_off: 1d');
  const spec = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const open = await loadBotSpec(spec('cool.yaml', base));
  t.match(open.ok && open.summary, /Drawdown protection: entries pause once equity is 10% below its peak, for 1 day; then the next 10% is measured from the equity at that moment, so in total equity may keep falling: 10% per pause, 19% after two, 27\.1% after three, with no limit \(set halt_below_equity to cap it\)\./);
  const floored = await loadBotSpec(spec('floor.yaml', base.replace('drawdown_cool_off: 1d', 'drawdown_cool_off: 1d\n  halt_below_equity: 7000')));
  t.match(floored.ok && floored.summary, /for 1 day; then the next 10% is measured from the equity at that moment\. In total, entries stop once equity closes below 7000 USDT \(30% below the starting 10000\), until `botctl resume btc-ema`\./);
});

t.test('a trailing stop without activation is the stop-loss itself: valid, no "no stop_loss" warning, sizes risk_percent', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'trail.yaml');
  writeFileSync(file, readFileSync('bots/btc-ema.yaml', 'utf8')
    .replace(/  stop_loss:\n    atr: \{ length: 14, multiple: 2 \}\n  take_profit:\n    risk_reward: 2 [^\n]*\n/, '  trailing_stop: { percent: 1.5 }\n'));
  const r = await loadBotSpec(file);
  t.ok(r.ok, r.ok ? '' : r.diagnostics.map((x) => x.message).join('; '));
  if (!r.ok) return;
  t.strictSame(r.warnings.map((w) => w.message), []);
  t.match(r.summary, /risks 1% of equity per trade with a trailing stop 1\.5% behind the best close, which is also the initial stop,/);
});

// Strategies come to life from a plan: rules through the rule compiler, modules through import.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { loadBotSpec } from '../../engine/spec/load.ts';
import { instantiateStrategy } from '../../engine/strategy/load.ts';
import { NO_SIGNALS } from '../../engine/strategy/strategy.ts';
import type { Signal } from '../../engine/strategy/strategy.ts';
import type { Candle } from '../../engine/market/candle.ts';
import type { Plan } from '../../engine/plan/plan.ts';
import { UserError } from '../../engine/cli/exit.ts';

process.chdir(fileURLToPath(new URL('../..', import.meta.url)));

const candles: Candle[] = readFileSync('bots/data/BTCUSDT-1h-2021-10_2022-03.csv', 'utf8')
  .trim().split('\n').slice(1)
  .map((l) => {
    const [start, open, high, low, close, volume] = l.split(',').map(Number) as [number, number, number, number, number, number];
    return { start, open, high, low, close, volume };
  });

async function planOf(file: string): Promise<Plan> {
  const r = await loadBotSpec(file);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.plan;
}

t.test('the Donchian module trades breakouts of the previous channel, and is quiet otherwise', async (t) => {
  const plan = await planOf('bots/btc-breakout-module.yaml');
  const s = await instantiateStrategy(plan);
  t.equal(s.warmupBars, 20);
  t.equal(s.preloadBars, 20);
  let entries = 0;
  let quiet = 0;
  let mismatches = 0;
  candles.forEach((c, i) => {
    const out: readonly Signal[] = s.onCandle(c);
    if (out.length === 0) {
      quiet++;
      if (out !== NO_SIGNALS) mismatches++;
    }
    // Independent check against a brute-force channel over the 20 previous candles.
    const prev = candles.slice(Math.max(0, i - 20), i);
    const wantLong = i >= 20 && c.close > Math.max(...prev.map((p) => p.high));
    const wantShort = i >= 20 && c.close < Math.min(...prev.map((p) => p.low));
    const gotLong = out.some((x) => x.action === 'enter_long');
    const gotShort = out.some((x) => x.action === 'enter_short');
    if (wantLong !== gotLong || wantShort !== gotShort) mismatches++;
    if (gotLong || gotShort) entries++;
  });
  t.equal(mismatches, 0, 'entries match the brute-force channel and quiet bars share NO_SIGNALS');
  t.ok(entries > 50, `breakouts found (${entries})`);
  t.ok(quiet > candles.length / 2, 'most bars are quiet');
});

t.test('rules compile into a strategy that emits entries on real candles', async (t) => {
  const plan = await planOf('bots/btc-ema.yaml');
  const s = await instantiateStrategy(plan);
  t.ok(s.warmupBars >= 21);
  t.ok(s.preloadBars >= s.warmupBars);
  const actions = new Set<string>();
  for (const c of candles) for (const sig of s.onCandle(c)) actions.add(sig.action);
  t.ok(actions.has('enter_long') && actions.has('enter_short'), [...actions].join(','));
});

t.test('instantiateStrategy refuses a module that cannot run, with a clear UserError', async (t) => {
  const plan = await planOf('bots/btc-breakout-module.yaml');
  const missing: Plan = { ...plan, strategy: { kind: 'module', path: resolve('bots/strategies/nope.ts'), params: {} } };
  await t.rejects(instantiateStrategy(missing), new UserError('strategy module bots/strategies/nope.ts does not exist\n  hint: the path is relative to the spec file'));
  const badParams: Plan = { ...plan, strategy: { kind: 'module', path: plan.strategy.kind === 'module' ? plan.strategy.path : '', params: { channel: 1 } } };
  await t.rejects(instantiateStrategy(badParams), { name: 'UserError', message: /strategy\.params\.channel: channel must be a whole number of candles from 2 to 1000, not 1/ });
  const syntax: Plan = { ...plan, strategy: { kind: 'module', path: resolve('test/fixtures/strategies/syntax-error.ts'), params: {} } };
  await t.rejects(instantiateStrategy(syntax), { name: 'UserError', message: 'test/fixtures/strategies/syntax-error.ts:7:15: syntax error: Unexpected ";"' });
});

t.test('instantiateStrategy refuses rules that do not compile', async (t) => {
  const plan = await planOf('bots/btc-ema.yaml');
  const broken: Plan = { ...plan, strategy: { kind: 'rules', expressions: { long_entry: 'close >' }, params: {} } };
  await t.rejects(instantiateStrategy(broken), { name: 'UserError', message: /do not compile: long_entry: / });
});

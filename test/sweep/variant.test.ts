// A combination is the spec with some values replaced. It must be judged exactly as `botctl
// validate` judges the file written with those values, and a written combination must keep the
// original's comments and layout.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { checkSpecText } from '../../engine/spec/load.ts';
import { resolveParams } from '../../engine/sweep/params.ts';
import { Space } from '../../engine/sweep/space.ts';
import { SpecVariants, skipReason } from '../../engine/sweep/variant.ts';

const FLAGSHIP = readFileSync('bots/btc-ema.yaml', 'utf8');
// A percent take-profit, so that small values fall inside the round-trip fees.
const PERCENT_TP = FLAGSHIP.replace('    risk_reward: 2        # 2R: twice the stop distance', '    percent: 2            # 2 % above the entry');

function combos(file: string, text: string, params: [string, string][]) {
  const v = new SpecVariants(file, text, 'hash');
  const defs = resolveParams(params.map(([name, values]) => ({ name, values, where: name })), v.data);
  const space = new Space(defs);
  return { v, defs, all: [...space.positions()].map((k) => SpecVariants.pick(defs, space.digits(k))) };
}

t.test('each combination is judged as validate judges the file written with its values', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'tp.yaml');
  writeFileSync(file, PERCENT_TP);
  const { v, defs, all } = combos(file, PERCENT_TP, [
    ['risk.take_profit.percent', '0.05,0.1,0.5,2'],
    ['fast', '5,25'],
    ['risk.leverage', '1,150'],
    ['cooldown.after_loss', '1 bar,1d'],
  ]);
  let skipped = 0;
  for (const values of all) {
    const quick = await v.check(defs, values);
    const written = await checkSpecText(file, v.specText(defs, values), 'hash');
    const label = values.map((x) => x.text).join(' ');
    t.equal(quick.ok, written.ok, `${label}: same verdict`);
    if (!quick.ok && !written.ok) {
      skipped++;
      t.strictSame(quick.diagnostics.map((d) => [d.line, d.message]), written.diagnostics.map((d) => [d.line, d.message]), `${label}: same messages on the same lines`);
    }
    if (quick.ok && written.ok) t.strictSame(JSON.stringify(quick.plan), JSON.stringify(written.plan), `${label}: same plan`);
  }
  t.ok(skipped > 0, 'some combinations do not validate');
  const tooTight = await v.check(defs, all.find((x) => x[0]!.text === '0.1' && x[2]!.text === '1')!);
  t.notOk(tooTight.ok);
  if (!tooTight.ok) t.match(skipReason(tooTight.diagnostics), /tp\.yaml:\d+:\d+: a take-profit of 0\.1% does not cover the round-trip taker fees/);
  const tooMuchLeverage = await v.check(defs, all.find((x) => x[2]!.text === '150')!);
  if (!tooMuchLeverage.ok) t.match(skipReason(tooMuchLeverage.diagnostics), /leverage/, 'the schema\'s bounds too');
  else t.fail('leverage 150 is out of bounds');
});

t.test('a written combination keeps the comments and the layout; only the values change', async (t) => {
  const { v, defs, all } = combos('bots/btc-ema.yaml', FLAGSHIP, [['fast', '12'], ['risk.stop_loss.atr.multiple', '1.5'], ['risk.take_profit.risk_reward', '3']]);
  const text = v.specText(defs, all[0]!);
  const before = FLAGSHIP.split('\n');
  const after = text.split('\n');
  t.equal(after.length, before.length, 'same lines');
  const changed = before.map((l, i) => [l, after[i]]).filter(([a, b]) => a !== b);
  t.strictSame(changed, [
    ['    fast: 9', '    fast: 12'],
    ['    atr: { length: 14, multiple: 2 }', '    atr: { length: 14, multiple: 1.5 }'],
    ['    risk_reward: 2        # 2R: twice the stop distance', '    risk_reward: 3        # 2R: twice the stop distance'],
  ]);
  const added = v.specText(...(() => {
    const c = combos('bots/btc-ema.yaml', FLAGSHIP, [['protections.drawdown_cool_off', '2d'], ['risk.max_position.quantity', '0.5']]);
    return [c.defs, c.all[0]!] as const;
  })());
  t.match(added, /# EMA crossover with an RSI filter/, 'a setting the spec did not have is added; comments stay');
  t.match(added, /quantity: 0\.5/);
  t.match(added, /\n  drawdown_cool_off: 2d\n/, 'added in its section');
  t.ok((await checkSpecText('x.yaml', added, 'h')).ok, 'and it validates');
});

t.test('a combination written to another folder still names the same strategy module', async (t) => {
  const MODULE_SPEC = 'bots/btc-breakout-module.yaml';
  const text = readFileSync(MODULE_SPEC, 'utf8');
  const { v, defs, all } = combos(MODULE_SPEC, text, [['exit_channel', '8']]);
  const elsewhere = join(t.testdir(), 'deeper', 'best.yaml');
  const moved = v.specText(defs, all[0]!, elsewhere);
  const module = /\n {2}module: (\S+)/.exec(moved)?.[1];
  t.equal(module, relative(dirname(elsewhere), resolve('bots/strategies/donchian-breakout.ts')), 'the module path, relative to where the copy is written');
  t.match(moved, /\n {4}exit_channel: 8 /, 'and the value');
  t.ok((await checkSpecText(elsewhere, moved, 'h')).ok, 'it validates where it is written');
  t.equal(v.specText(defs, all[0]!, 'bots/best.yaml').split('\n').filter((l) => l.includes('module:'))[0], '  module: ./strategies/donchian-breakout.ts', 'in the same folder, unchanged');
});

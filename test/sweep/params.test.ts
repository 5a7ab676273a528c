// The parameter grammar a trader types: names resolved against the spec, ranges and lists turned
// into exact values, and every mistake reported where it was written, in plain words.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ParamError, resolveParams, type ParamInput } from '../../engine/sweep/params.ts';

const FLAGSHIP = parseDocument(readFileSync('bots/btc-ema.yaml', 'utf8')).toJS() as unknown;

function values(name: string, text: string, spec: unknown = FLAGSHIP): string[] {
  return resolveParams([{ name, values: text, where: `--param ${name}=${text}` }], spec)[0]!.values.map((v) => v.text);
}

function problem(inputs: ParamInput[] | [string, string], spec: unknown = FLAGSHIP): string {
  const list = Array.isArray(inputs[0]) || typeof inputs[0] === 'object' ? (inputs as ParamInput[]) : [{ name: inputs[0] as string, values: inputs[1] as string, where: `--param ${inputs[0]}=${inputs[1]}` }];
  try {
    resolveParams(list, spec);
  } catch (e) {
    if (e instanceof ParamError) return e.message;
    throw e;
  }
  return 'no error';
}

t.test('ranges, steps and lists give exact values in order', async (t) => {
  t.strictSame(values('fast', '5..9'), ['5', '6', '7', '8', '9'], 'a range steps by 1');
  t.strictSame(values('slow', '20..60:10'), ['20', '30', '40', '50', '60']);
  t.strictSame(values('slow', '20..55:10'), ['20', '30', '40', '50'], 'the last step may fall short of the end');
  t.strictSame(values('risk.stop_loss.atr.multiple', '0.1..0.5:0.1'), ['0.1', '0.2', '0.3', '0.4', '0.5'], 'decimal steps are exact (no 0.30000000000000004)');
  t.strictSame(values('risk.stop_loss.atr.multiple', '1,1.5,2,3'), ['1', '1.5', '2', '3']);
  t.strictSame(values('fast', '5..7,12,6'), ['5', '6', '7', '12'], 'ranges and single values mix; repeats are dropped');
  t.strictSame(values('cooldown.after_exit', '1..3 bars'), ['1 bar', '2 bars', '3 bars'], 'spans take a unit');
  t.strictSame(values('cooldown.after_loss', '4h,12h,1d'), ['4h', '12h', '1d']);
  t.strictSame(values('cooldown.after_loss', '2h..6h:2h'), ['2h', '4h', '6h']);
});

t.test('names: strategy.params by name or path, any numeric spec setting by its dotted path', async (t) => {
  const [a, b, c] = resolveParams([
    { name: 'fast', values: '5', where: 'a' },
    { name: 'strategy.params.slow', values: '30', where: 'b' },
    { name: 'protections.max_trades_per_day', values: '3..5', where: 'c' },
  ], FLAGSHIP);
  t.strictSame(a!.path, ['strategy', 'params', 'fast']);
  t.strictSame(b!.path, ['strategy', 'params', 'slow']);
  t.strictSame(c!.path, ['protections', 'max_trades_per_day']);
  t.equal(c!.kind, 'integer');
  t.strictSame(resolveParams([{ name: 'risk.take_profit.percent', values: '1,2', where: 'x' }], FLAGSHIP)[0]!.path, ['risk', 'take_profit', 'percent'], 'a setting the spec does not have yet may be swept (validation decides)');
});

t.test('mistakes say where, what and how to fix it', async (t) => {
  t.match(problem(['fats', '5..20']), /^--param fats=5\.\.20: unknown parameter `fats`; did you mean `fast`\?\n {2}hint: the spec's strategy\.params are `fast`, `slow`/);
  t.match(problem(['risk.stop_loss.atr.multipel', '1,2']), /unknown parameter `risk\.stop_loss\.atr\.multipel`; did you mean `risk\.stop_loss\.atr\.multiple`\?/);
  t.match(problem(['protections.resume_after', '1d,2d']), /^--param protections\.resume_after=1d,2d: unknown parameter `protections\.resume_after`: it was replaced by `protections\.drawdown_cool_off`\n {2}hint: a drawdown pause now lasts until `botctl resume`; `drawdown_cool_off` lifts it by itself after a time/, 'a replaced setting names its successor, as validate does');
  t.match(problem(['protections.drawdown_cooloff', '1d']), /did you mean `protections\.drawdown_cool_off`\?/);
  t.strictSame(values('protections.drawdown_cool_off', '1d,2d'), ['1d', '2d'], 'the drawdown settings of the current schema can be swept');
  t.strictSame(values('protections.halt_below_equity', '7000,8000'), ['7000', '8000']);
  t.match(problem(['market.symbol', '1,2']), /`market\.symbol` is text, not a number a sweep can vary/);
  t.match(problem(['market.interval', '15,60']), /`market\.interval` is a choice \(`1`, `3`/);
  t.match(problem(['fast', '5..20:0']), /the step of `5\.\.20:0` is 0, so the range never moves\n {2}hint: give a positive step/);
  t.match(problem(['fast', '20..5']), /the range `20\.\.5` produces no value: it starts above its end\n {2}hint: write it low to high: `5\.\.20`/);
  t.match(problem(['fast', '5..20:-1']), /the step of `5\.\.20:-1` is negative/);
  t.match(problem(['fast', 'five']), /`five` is not a number/);
  t.match(problem(['fast', '']), /no values for `fast`/);
  t.match(problem(['fast', '5,,6']), /an empty value in `5,,6`/);
  t.match(problem(['fast', '0..1000:0.001']), /has 1,000,001 values\n {2}hint: use a coarser step/);
  t.match(problem(['cooldown.after_exit', '1..3']), /the range `1\.\.3` has no unit/);
  t.match(problem(['cooldown.after_exit', '1..3:0.5 bars']), /spans are whole numbers/);
  t.match(problem([{ name: 'fast', values: '5', where: 'sweep.yaml:2:3' }, { name: 'strategy.params.fast', values: '6', where: 'sweep.yaml:3:3' }]), /^sweep\.yaml:3:3: `strategy\.params\.fast` is already swept \(sweep\.yaml:2:3\)/);
  const withText = { strategy: { params: { mode: 'fast' } } };
  t.match(problem(['mode', '1,2'], withText), /`mode` is the text `fast`, not a number/);
});

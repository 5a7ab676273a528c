// Rule sets of different shapes run on separate copies of the per-bar code (dsl/lanes.ts) so that
// several bots in one process keep their speed (the figure is in test/bench/dsl.ts). What a user
// relies on here: a strategy decides the same whichever lane it runs on, however many other
// rule sets ran before it, and rule sets that differ only in numbers share one lane.
import t from 'tap';
import { compileProgram, createStrategy, type Program } from '../../dsl/compile.ts';
import { laneFor, loadLanes, BASE_LANE, LANES } from '../../dsl/lanes.ts';
import type { RuleExpressions } from '../../dsl/index.ts';
import type { Strategy } from '../../engine/strategy/strategy.ts';
import { btcCandles } from './helpers.ts';

function program(exprs: RuleExpressions, params: Record<string, number> = {}): Program {
  const r = compileProgram(exprs, new Map(Object.entries(params)));
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.program;
}

function signals(s: Strategy): string[] {
  return btcCandles().map((c) => s.onCandle(c).map((x) => x.action).join(','));
}

const FLAGSHIP = { long_entry: 'crossover(ema(close, fast), ema(close, slow)) and rsi(close, 14) < 70', long_exit: 'crossunder(ema(close, fast), ema(close, slow))' };
const OTHERS: RuleExpressions[] = [
  { long_entry: 'rsi(close, 14) < 30 and close > sma(close, 50)', long_exit: 'rsi(close, 14) > 70' },
  { short_entry: 'close < lowest(low, 20)[1]', short_exit: 'close > highest(high, 20)[1] or atr(14) > 900' },
  { long_entry: 'crossover(close, bb_upper(close, 20, 2))', strength: '(70 - rsi(close, 14)) / 70' },
];

t.test('a strategy gives the same signals on every lane, also after other shapes ran there', async (t) => {
  await loadLanes();
  const p = program(FLAGSHIP, { fast: 9, slow: 21 });
  const reference = signals(createStrategy(p, BASE_LANE));
  t.ok(reference.filter((x) => x !== '').length > 20, 'the rule fires on the bundled data');
  for (let i = 0; i < LANES; i++) {
    const lane = laneFor(program(OTHERS[i % OTHERS.length]!));
    for (const other of OTHERS) signals(createStrategy(program(other), lane));
    t.strictSame(signals(createStrategy(p, lane)), reference, `lane of shape ${i}`);
  }
});

t.test('rule sets that differ only in numbers share a lane; other shapes get their own', async (t) => {
  await loadLanes();
  const a = laneFor(program(FLAGSHIP, { fast: 5, slow: 30 }));
  t.equal(laneFor(program(FLAGSHIP, { fast: 12, slow: 40 })), a, 'same shape, same lane');
  const b = laneFor(program({ ...FLAGSHIP, short_entry: 'rsi(close, 14) > 80' }, { fast: 5, slow: 30 }));
  t.not(b, a, 'one more rule is another shape');
  t.not(b.strategy.RulesStrategy, a.strategy.RulesStrategy, 'with its own copy of the per-bar code');
});

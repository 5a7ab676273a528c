// One rule set with several params compiled into one DAG (a sweep's variants): every strategy
// must say on every bar exactly what the same rules compiled alone say, though the indicators
// they share are computed once.
import t from 'tap';
import { compileRules, compileVariants, loadLanes } from '../../dsl/index.ts';
import { compileProgram } from '../../dsl/compile.ts';
import { Dag } from '../../dsl/dag.ts';
import { btcCandles } from './helpers.ts';

const RULES = {
  long_entry: 'crossover(ema(close, fast), ema(close, slow)) and rsi(close, 14) < 70',
  long_exit: 'crossunder(ema(close, fast), ema(close, slow))',
  short_entry: 'crossunder(ema(close, fast), ema(close, slow)) and rsi(close, len) > 30',
  short_exit: 'close > highest(high, slow)[1]',
  strength: '(ema(close, fast) - ema(close, slow)) / atr(14)',
};

t.test('variants compiled together signal exactly as each compiled alone', async (t) => {
  await loadLanes();
  const sets = [[5, 20, 14], [5, 30, 14], [9, 20, 7], [9, 30, 14], [12, 12, 14]].map(([fast, slow, len]) => new Map<string, number>([['fast', fast!], ['slow', slow!], ['len', len!]]));
  const together = compileVariants(RULES, sets);
  if (!together.ok) throw new Error(JSON.stringify(together.diagnostics));
  const shared = together.createStrategies();
  const alone = sets.map((params) => {
    const r = compileRules(RULES, params);
    if (!r.ok) throw new Error('compile');
    return r.rules.createStrategy();
  });
  const mismatches = sets.map(() => 0);
  let fired = 0;
  for (const c of btcCandles()) {
    const a = shared.map((s) => JSON.stringify(s.onCandle(c)));
    alone.forEach((s, i) => {
      const b = JSON.stringify(s.onCandle(c));
      if (a[i] !== b) mismatches[i]!++;
      if (b !== '[]') fired++;
    });
  }
  t.strictSame(mismatches, sets.map(() => 0), 'no bar differs');
  t.ok(fired > 500, `${fired} signals compared`);
  t.strictSame(shared.map((s) => s.warmupBars), alone.map((s) => s.warmupBars));
  const nodes = (params: Map<string, number>, dag?: Dag) => { const r = compileProgram(RULES, params, {}, dag, Infinity); return r.ok ? r.program.dag.nodes.length : 0; };
  const separate = sets.reduce((n, p) => n + nodes(p), 0);
  const dag = new Dag();
  for (const p of sets) nodes(p, dag);
  const combined = dag.nodes.length;
  t.ok(combined < separate * 0.6, `shared indicators: ${combined} nodes together, ${separate} apart`);
});

// Turns a plan's strategy into a running `Strategy`: compiled rules, or a `.ts`/`.js` module whose
// default export is a strategy class (module.ts loads and checks it; the spec check has already
// probed it in a child process, probe.ts). A module's strategy runs behind checkedStrategy.
import { UserError } from '../cli/exit.ts';
import { compileRules, loadLanes } from '../../dsl/index.ts';
import type { Plan } from '../plan/plan.ts';
import { checkedStrategy, withoutExit } from './checked.ts';
import { constructStrategy, displayPath, loadStrategyClass, throwSite, type StrategyModuleProblem } from './module.ts';
import type { Strategy, StrategyContext } from './strategy.ts';

export { constructStrategy, displayPath, loadStrategyClass, missingModule } from './module.ts';
export type { Loaded, StrategyModuleProblem } from './module.ts';

function describeProblem(p: StrategyModuleProblem, specFile: string): string {
  if (p.kind === 'syntax') return `${p.file}:${p.line}:${p.column}: ${p.message}`;
  if (p.kind === 'params') return `${specFile}: strategy.params${p.param ? `.${p.param}` : ''}: ${p.message}`;
  return `${p.message}${'hint' in p && p.hint ? `\n  hint: ${p.hint}` : ''}`;
}

/** A fresh strategy for the plan: compiled rules or the module's class. Throws UserError if that fails. */
export async function instantiateStrategy(plan: Plan): Promise<Strategy> {
  const ctx: StrategyContext = { symbol: plan.market.symbol, interval: plan.market.interval, params: plan.strategy.params };
  if (plan.strategy.kind === 'rules') {
    const result = compileRules(plan.strategy.expressions, new Map(Object.entries(plan.strategy.params)));
    if (!result.ok) {
      const first = result.diagnostics[0];
      throw new UserError(`the rules in ${plan.specFile} do not compile${first ? `: ${first.field}: ${first.message}` : ''}; run \`botctl validate ${plan.specFile}\``);
    }
    // Rule sets of other shapes in this process then run on code of their own (dsl/lanes.ts).
    await loadLanes();
    return result.rules.createStrategy();
  }
  const shown = displayPath(plan.strategy.path);
  const loaded = await loadStrategyClass(plan.strategy.path);
  if (!loaded.ok) throw new UserError(describeProblem(loaded.problem, plan.specFile));
  const { value: built, exited } = withoutExit(() => constructStrategy(loaded.value, ctx, shown));
  if (exited || !built) throw new UserError(`strategy module ${shown}: its constructor called process.exit()\n  hint: a strategy must not end the process; throw StrategyParamsError to reject its parameters`);
  if (!built.ok) throw new UserError(describeProblem(built.problem, plan.specFile));
  return checkedStrategy(built.value, shown, (e) => throwSite(e, shown));
}

// A valid spec becomes the Plan the engine executes: defaults applied, decimals exact, spans
// parsed, paths absolute. Only called once every check has passed.
import { Decimal } from 'decimal.js';
import { dirname, resolve as resolvePath } from 'node:path';
import type {
  Category, CooldownPlan, Distance, EntryOrderPlan, ExitsPlan, Network, Plan, ProtectionsPlan,
  RiskPlan, Sizing, Span, StrategyPlan, TargetDistance, TrailingStopPlan,
} from '../plan/plan.ts';
import type { Path } from './source.ts';
import type { SpecValues } from './values.ts';
import { ruleExpressions } from './expressions.ts';
import { intervalOf, modulePath } from './module-check.ts';
import { DEFAULT_INITIAL_EQUITY, DEFAULT_SLIPPAGE_PERCENT, defaultFees } from './defaults.ts';

export function buildPlan(v: SpecValues, specFileAbs: string, specHash: string): Plan {
  const req = <T>(x: T | undefined, path: Path): T => {
    if (x === undefined) throw new Error(`buildPlan: ${path.join('.')} missing after validation`);
    return x;
  };
  const dec = (path: Path): Decimal => req(v.decimal(path), path);
  const span = (path: Path): Span => req(v.span(path), path);
  const opt = <T>(path: Path, f: (p: Path) => T): T | undefined => (v.has(path) ? f(path) : undefined);

  const name = req(v.str(['name']), ['name']);
  const category = req(v.str(['market', 'category']), ['market', 'category']) as Category;
  const spot = category === 'spot';

  const distance = (path: Path): Distance =>
    v.has([...path, 'percent'])
      ? { kind: 'percent', percent: dec([...path, 'percent']) }
      : { kind: 'atr', length: req(v.int([...path, 'atr', 'length']), path), multiple: dec([...path, 'atr', 'multiple']) };
  const target = (path: Path): TargetDistance =>
    v.has([...path, 'risk_reward']) ? { kind: 'risk_reward', multiple: dec([...path, 'risk_reward']) } : distance(path);

  let strategy: StrategyPlan;
  let directions: Plan['directions'];
  const module = v.str(['strategy', 'module']);
  if (module !== undefined) {
    const params = { ...(v.obj(['strategy', 'params']) ?? {}) } as Record<string, number | string | boolean>;
    strategy = { kind: 'module', path: modulePath(specFileAbs, module), params };
    const dir = v.str(['strategy', 'direction']) ?? (spot ? 'long' : 'both');
    directions = { long: dir !== 'short', short: dir !== 'long' };
  } else {
    const params = { ...(v.obj(['strategy', 'params']) ?? {}) } as Record<string, number | boolean>;
    strategy = { kind: 'rules', expressions: ruleExpressions(v), params };
    directions = { long: v.has(['strategy', 'long', 'entry']), short: v.has(['strategy', 'short', 'entry']) };
  }

  const entryOrder: EntryOrderPlan = v.str(['entry_order', 'type']) === 'limit'
    ? {
        type: 'limit',
        offsetPercent: dec(['entry_order', 'offset_percent']),
        timeout: span(['entry_order', 'timeout']),
        onTimeout: (v.str(['entry_order', 'on_timeout']) ?? 'cancel') as 'cancel' | 'amend',
      }
    : { type: 'market' };

  const sizing: Sizing = v.has(['risk', 'quantity'])
    ? { kind: 'quantity', quantity: dec(['risk', 'quantity']) }
    : v.has(['risk', 'quote'])
      ? { kind: 'quote', amount: dec(['risk', 'quote']) }
      : { kind: 'risk_percent', percent: dec(['risk', 'risk_percent']) };
  const risk: RiskPlan = {
    sizing,
    leverage: spot ? new Decimal(1) : v.decimal(['risk', 'leverage']) ?? new Decimal(1),
  };
  const maxQty = opt(['risk', 'max_position', 'quantity'], dec);
  const maxQuote = opt(['risk', 'max_position', 'quote'], dec);
  if (maxQty) risk.maxPositionQty = maxQty;
  if (maxQuote) risk.maxPositionQuote = maxQuote;

  const exits: ExitsPlan = { placement: (v.str(['risk', 'placement']) ?? 'exchange') as 'exchange' | 'bot' };
  const stopLoss = opt(['risk', 'stop_loss'], distance);
  const takeProfit = opt(['risk', 'take_profit'], target);
  if (stopLoss) exits.stopLoss = stopLoss;
  if (takeProfit) exits.takeProfit = takeProfit;
  if (v.has(['risk', 'trailing_stop'])) {
    const trailing: TrailingStopPlan = { distance: distance(['risk', 'trailing_stop']) };
    const activation = opt(['risk', 'trailing_stop', 'activation'], target);
    if (activation) trailing.activation = activation;
    exits.trailingStop = trailing;
  }

  const cooldown: CooldownPlan = {};
  for (const [key, field] of [['after_entry', 'afterEntry'], ['after_exit', 'afterExit'], ['after_loss', 'afterLoss']] as const) {
    const s = opt(['cooldown', key], span);
    if (s) cooldown[field] = s;
  }
  if (v.has(['cooldown', 'volatility'])) {
    cooldown.volatility = {
      atrLength: req(v.int(['cooldown', 'volatility', 'atr_length']), ['atr_length']),
      baselineLength: req(v.int(['cooldown', 'volatility', 'baseline_length']), ['baseline_length']),
      maxMultiplier: dec(['cooldown', 'volatility', 'max_multiplier']),
    };
  }
  if (v.has(['cooldown', 'activity'])) {
    cooldown.activity = {
      window: span(['cooldown', 'activity', 'window']),
      freeTrades: req(v.int(['cooldown', 'activity', 'free_trades']), ['free_trades']),
      extra: span(['cooldown', 'activity', 'extra']),
    };
  }

  const protections: ProtectionsPlan = {};
  const daily = opt(['protections', 'max_daily_loss_percent'], dec);
  const drawdown = opt(['protections', 'max_drawdown_percent'], dec);
  const coolOff = opt(['protections', 'drawdown_cool_off'], span);
  const floor = opt(['protections', 'halt_below_equity'], dec);
  const trades = v.int(['protections', 'max_trades_per_day']);
  if (daily) protections.maxDailyLossPercent = daily;
  if (drawdown) protections.maxDrawdownPercent = drawdown;
  if (coolOff) protections.drawdownCoolOff = coolOff;
  if (floor) protections.haltBelowEquity = floor;
  if (trades !== undefined) protections.maxTradesPerDay = trades;

  const entryGate: Plan['entryGate'] = {};
  const minStrength = v.num(['strategy', 'min_strength']);
  const minConfidence = v.num(['strategy', 'min_confidence']);
  if (minStrength !== undefined) entryGate.minStrength = minStrength;
  if (minConfidence !== undefined) entryGate.minConfidence = minConfidence;

  const fees = defaultFees(category);
  return {
    name,
    specFile: specFileAbs,
    specHash,
    market: {
      network: req(v.str(['market', 'network']), ['network']) as Network,
      category,
      symbol: req(v.str(['market', 'symbol']), ['symbol']),
      interval: req(intervalOf(v), ['interval']),
    },
    strategy,
    directions,
    entryGate,
    entryOrder,
    risk,
    exits,
    cooldown,
    protections,
    run: {
      mode: (v.str(['run', 'mode']) ?? 'paper') as 'paper' | 'live',
      journal: resolvePath(dirname(specFileAbs), v.str(['run', 'journal']) ?? `journal/${name}.sqlite`),
      onShutdown: (v.str(['run', 'on_shutdown']) ?? 'keep_position') as 'keep_position' | 'close_position',
    },
    simulation: {
      initialEquity: v.decimal(['simulation', 'initial_equity']) ?? DEFAULT_INITIAL_EQUITY,
      takerFeePercent: v.decimal(['simulation', 'fees', 'taker_percent']) ?? fees.taker,
      makerFeePercent: v.decimal(['simulation', 'fees', 'maker_percent']) ?? fees.maker,
      slippagePercent: v.decimal(['simulation', 'slippage_percent']) ?? DEFAULT_SLIPPAGE_PERCENT,
    },
  };
}

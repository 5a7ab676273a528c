// Introspection for `botctl explain`: the same DAG and kernels as the strategy, plus the value of
// every named sub-expression after each bar. Kept apart from RulesStrategy so the normal path
// pays nothing for it.
import type { Candle } from '../engine/market/candle.ts';
import type { Signal } from '../engine/strategy/strategy.ts';
import type { Program } from './compile.ts';
import type { RuleField } from './index.ts';
import type { ValueType } from './dag.ts';
import { buildMachine, type BuildOptions } from './runtime.ts';
import { RulesStrategy } from './strategy.ts';
import { condition } from './lazy.ts';

export interface TraceColumn {
  /** The sub-expression as written (whitespace collapsed), e.g. `ema(close, 9)`. */
  label: string;
  type: ValueType;
  /** Part of a larger expression (an argument of another node), e.g. the crossover in `crossover(…) and rsi(…) < 70`. */
  inner: boolean;
}

export interface TraceField {
  field: RuleField;
  text: string;
  type: ValueType;
  /** Index of the column holding the whole expression, or −1 when it is a constant. */
  column: number;
}

export interface TraceBar {
  /** 0-based index of the bar since the tracer was created. */
  index: number;
  /** Bar is inside warm-up: the strategy stays silent whatever the conditions say. */
  warmingUp: boolean;
  /** One value per column: numbers, or 1/0 for true/false; NaN for na. */
  values: number[];
  /** Value of each field's whole expression on this bar (same encoding). */
  fields: Map<RuleField, number>;
  /** What the strategy emitted on this bar. */
  signals: readonly Signal[];
}

export class RuleTracer {
  readonly columns: readonly TraceColumn[];
  readonly fields: readonly TraceField[];
  readonly warmupBars: number;
  readonly preloadBars: number;
  private readonly ids: number[];
  private readonly rootIds: Map<RuleField, number>;
  private readonly slots: Float64Array;
  private readonly strategy: RulesStrategy;
  private index = 0;

  /** `options.fuse: false` steps every node separately (tests compare it with the fused path). */
  constructor(program: Program, options: BuildOptions = {}) {
    const machine = buildMachine(program.dag, new Set(), options);
    this.slots = machine.slots;
    // Every node steps here (no lazy conditions), so every value can be shown.
    const p = program.plan;
    const read = (id: number) => (id >= 0 ? condition(program.dag, new Set(), id) : undefined);
    this.strategy = new RulesStrategy(machine, p, { longEntry: read(p.longEntry), longExit: read(p.longExit), shortEntry: read(p.shortEntry), shortExit: read(p.shortExit) }, true);
    this.warmupBars = program.plan.warmupBars;
    this.preloadBars = program.plan.preloadBars;
    const named = program.dag.nodes.filter((n) => n.named && n.op !== 'const');
    this.ids = named.map((n) => n.id);
    const inner = new Set(program.dag.nodes.flatMap((n) => n.args));
    this.columns = named.map((n) => ({ label: n.label, type: n.type, inner: inner.has(n.id) }));
    this.rootIds = new Map(program.roots);
    this.fields = [...program.roots].map(([field, id]) => ({ field, text: program.texts.get(field) ?? '', type: program.dag.node(id).type, column: this.ids.indexOf(id) }));
  }

  step(candle: Candle): TraceBar {
    const signals = this.strategy.onCandle(candle);
    const s = this.slots;
    const fields = new Map<RuleField, number>();
    for (const [f, id] of this.rootIds) fields.set(f, s[id]!);
    const bar: TraceBar = {
      index: this.index,
      warmingUp: this.index < this.warmupBars,
      values: this.ids.map((id) => s[id]!),
      fields,
      signals,
    };
    this.index++;
    return bar;
  }
}

// The function table: arity, parameter kinds, and how each call lowers to DAG nodes with its
// warm-up (first valid bar, reference 1.4) and settle length (preload). Multi-output and derived
// indicators (macd, bb, atr, change) are built from the streaming kernels, so they share state
// with anything else the user wrote: `macd_signal` reuses the `macd` line node, for example.
import type { Dag, ValueType } from './dag.ts';
import { INPUT_ID } from './dag.ts';

/** A checked argument or result: a DAG node and, when known at compile time, its value. */
export interface Value {
  id: number;
  type: ValueType;
  isConst: boolean;
  /** Set for constants. */
  value?: number;
  /** The literal `na`, which comparisons reject. */
  isNaLiteral?: boolean;
}

export type ParamKind =
  /** A number series or constant. */
  | 'number'
  | 'bool'
  /** Constant whole number 1..5000. */
  | 'length'
  /** Constant number > 0. */
  | 'mult'
  /** Constant true/false. */
  | 'flag'
  /** Number or bool (iff branches); the lowering checks they agree. */
  | 'any';

export interface Param {
  name: string;
  kind: ParamKind;
  /** Default text shown in the signature; the lowering supplies the value. */
  default?: string;
}

/** Validated arguments: Values for series kinds, plain numbers for constant kinds. */
export type Arg = Value | number;

export interface LowerCtx {
  dag: Dag;
  /** Label for the call's own node (the user's text). */
  label: string;
  /** Labels for internal nodes: the text of argument i. */
  argText: (i: number) => string;
  /** Report a problem on the whole call. */
  error: (message: string, hint?: string) => void;
}

export interface FunctionSig {
  params: Param[];
  /** Minimum argument count (parameters with defaults may be left out). */
  min: number;
  /** Extra arguments repeat the last parameter (min, max). */
  variadic?: boolean;
  result: ValueType | 'same';
  lower: (ctx: LowerCtx, args: Arg[]) => Value | undefined;
}

const LN_TOLERANCE = Math.log(1e-4);

/** Bars for an exponential average with decay (1−α) to forget its seed to 1e-4. */
export function settleBars(alpha: number, length: number): number {
  if (alpha >= 1) return length - 1;
  return Math.max(length - 1, Math.ceil(LN_TOLERANCE / Math.log(1 - alpha)));
}

function series(dag: Dag, v: Value): { w: number; s: number } {
  const n = dag.node(v.id);
  return { w: n.warmup, s: n.settle };
}

const num = (id: number): Value => ({ id, type: 'number', isConst: false });
const bool = (id: number): Value => ({ id, type: 'bool', isConst: false });

export function maxOf(dag: Dag, ids: readonly number[]): { w: number; s: number } {
  let w = 0;
  let s = 0;
  for (const id of ids) {
    const n = dag.node(id);
    if (n.warmup > w) w = n.warmup;
    if (n.settle > s) s = n.settle;
  }
  return { w, s };
}

type WindowOp = 'sma' | 'ema' | 'rma' | 'wma' | 'stdev';

export function windowNode(dag: Dag, op: WindowOp, src: Value, n: number, label: string, named: boolean): number {
  const { w, s } = series(dag, src);
  const own = op === 'ema' ? settleBars(2 / (n + 1), n) : op === 'rma' ? settleBars(1 / n, n) : n - 1;
  return dag.add({ op, type: 'number', args: [src.id], consts: [n], label, named, warmup: w + n - 1, settle: s + own });
}

function arith(dag: Dag, op: 'add' | 'sub' | 'mul', a: number, b: number, label: string, named: boolean): number {
  const { w, s } = maxOf(dag, [a, b]);
  return dag.add({ op, type: 'number', args: [a, b], label, named, warmup: w, settle: s });
}

export function trNode(dag: Dag, handleNa: boolean, label: string, named: boolean): number {
  const w = handleNa ? 0 : 1;
  return dag.add({ op: 'tr', type: 'number', args: [INPUT_ID.high, INPUT_ID.low, INPUT_ID.close], consts: [handleNa ? 1 : 0], label, named, warmup: w, settle: w });
}

function extremum(dag: Dag, op: 'highest' | 'lowest', src: Value, n: number, label: string, named: boolean): number {
  const { w, s } = series(dag, src);
  return dag.add({ op, type: 'number', args: [src.id], consts: [n], label, named, warmup: Math.max(w, n - 1), settle: Math.max(s, n - 1) });
}

function macdLine(ctx: LowerCtx, src: Value, fast: number, slow: number, named: boolean): number {
  const { dag } = ctx;
  const s = ctx.argText(0);
  const f = windowNode(dag, 'ema', src, fast, `ema(${s}, ${fast})`, false);
  const sl = windowNode(dag, 'ema', src, slow, `ema(${s}, ${slow})`, false);
  return arith(dag, 'sub', f, sl, named ? ctx.label : `macd(${s}, ${fast}, ${slow})`, named);
}

function macdSignal(ctx: LowerCtx, src: Value, fast: number, slow: number, signal: number, named: boolean): number {
  const line = macdLine(ctx, src, fast, slow, false);
  const s = ctx.argText(0);
  return windowNode(ctx.dag, 'ema', num(line), signal, named ? ctx.label : `macd_signal(${s}, ${fast}, ${slow}, ${signal})`, named);
}

type BbBand = 'upper' | 'lower';
function bbBand(ctx: LowerCtx, band: BbBand, src: Value, n: number, mult: number): number {
  const { dag } = ctx;
  const s = ctx.argText(0);
  const mid = windowNode(dag, 'sma', src, n, `bb_mid(${s}, ${n})`, false);
  const sd = windowNode(dag, 'stdev', src, n, `stdev(${s}, ${n})`, false);
  const k = dag.constant(mult, 'number', String(mult));
  const dev = arith(dag, 'mul', k, sd, `${mult} * stdev(${s}, ${n})`, false);
  return arith(dag, band === 'upper' ? 'add' : 'sub', mid, dev, ctx.label, true);
}

const SOURCE: Param = { name: 'source', kind: 'number' };
const LENGTH: Param = { name: 'length', kind: 'length' };

function windowFn(op: WindowOp): FunctionSig {
  return {
    params: [SOURCE, LENGTH],
    min: 2,
    result: 'number',
    lower: (ctx, [src, n]) => num(windowNode(ctx.dag, op, src as Value, n as number, ctx.label, true)),
  };
}

function extremumFn(op: 'highest' | 'lowest'): FunctionSig {
  return {
    params: [SOURCE, LENGTH],
    // The one-argument form `highest(20)` reads high (lowest: low), as in Pine.
    min: 1,
    result: 'number',
    lower: (ctx, args) => {
      const [src, n] = args.length === 1 ? [num(op === 'highest' ? INPUT_ID.high : INPUT_ID.low), args[0] as number] : [args[0] as Value, args[1] as number];
      return num(extremum(ctx.dag, op, src, n, ctx.label, true));
    },
  };
}

function crossFn(op: 'crossover' | 'crossunder' | 'cross'): FunctionSig {
  return {
    params: [{ name: 'a', kind: 'number' }, { name: 'b', kind: 'number' }],
    min: 2,
    result: 'bool',
    lower: (ctx, [a, b]) => {
      const ids = [(a as Value).id, (b as Value).id];
      const { w, s } = maxOf(ctx.dag, ids);
      return bool(ctx.dag.add({ op, type: 'bool', args: ids, label: ctx.label, named: true, warmup: w + 1, settle: s + 1 }));
    },
  };
}

function pure(op: 'abs' | 'min' | 'max', params: Param[], min: number, variadic: boolean): FunctionSig {
  return {
    params,
    min,
    variadic,
    result: 'number',
    lower: (ctx, args) => {
      const vals = args as Value[];
      if (vals.every((v) => v.isConst)) {
        const xs = vals.map((v) => v.value!);
        const r = op === 'abs' ? Math.abs(xs[0]!) : op === 'min' ? Math.min(...xs) : Math.max(...xs);
        return { id: ctx.dag.constant(r, 'number', ctx.label), type: 'number', isConst: true, value: r };
      }
      if (op === 'abs') {
        const { w, s } = maxOf(ctx.dag, [vals[0]!.id]);
        return num(ctx.dag.add({ op, type: 'number', args: [vals[0]!.id], label: ctx.label, named: true, warmup: w, settle: s }));
      }
      // min(a, b, c) folds into binary nodes; only the outermost carries the user's text.
      let acc = vals[0]!.id;
      for (let i = 1; i < vals.length; i++) {
        const ids = [acc, vals[i]!.id];
        const { w, s } = maxOf(ctx.dag, ids);
        const last = i === vals.length - 1;
        acc = ctx.dag.add({ op, type: 'number', args: ids, label: last ? ctx.label : `${op}(…)`, named: last, warmup: w, settle: s });
      }
      return num(acc);
    },
  };
}

export const FUNCTIONS: ReadonlyMap<string, FunctionSig> = new Map<string, FunctionSig>([
  ['sma', windowFn('sma')],
  ['ema', windowFn('ema')],
  ['rma', windowFn('rma')],
  ['wma', windowFn('wma')],
  ['stdev', windowFn('stdev')],
  ['rsi', {
    params: [SOURCE, LENGTH],
    min: 2,
    result: 'number',
    lower: (ctx, [src, n]) => {
      const { w, s } = series(ctx.dag, src as Value);
      const len = n as number;
      return num(ctx.dag.add({ op: 'rsi', type: 'number', args: [(src as Value).id], consts: [len], label: ctx.label, named: true, warmup: w + len, settle: s + 1 + settleBars(1 / len, len) }));
    },
  }],
  ['macd', {
    params: [SOURCE, { name: 'fast', kind: 'length' }, { name: 'slow', kind: 'length' }, { name: 'signal', kind: 'length' }],
    min: 3,
    result: 'number',
    lower: (ctx, [src, f, s]) => num(macdLine(ctx, src as Value, f as number, s as number, true)),
  }],
  ['macd_signal', {
    params: [SOURCE, { name: 'fast', kind: 'length' }, { name: 'slow', kind: 'length' }, { name: 'signal', kind: 'length' }],
    min: 4,
    result: 'number',
    lower: (ctx, [src, f, s, g]) => num(macdSignal(ctx, src as Value, f as number, s as number, g as number, true)),
  }],
  ['macd_hist', {
    params: [SOURCE, { name: 'fast', kind: 'length' }, { name: 'slow', kind: 'length' }, { name: 'signal', kind: 'length' }],
    min: 4,
    result: 'number',
    lower: (ctx, [src, f, s, g]) => {
      const line = macdLine(ctx, src as Value, f as number, s as number, false);
      const sig = macdSignal(ctx, src as Value, f as number, s as number, g as number, false);
      return num(arith(ctx.dag, 'sub', line, sig, ctx.label, true));
    },
  }],
  ['bb_mid', {
    params: [SOURCE, LENGTH, { name: 'mult', kind: 'mult', default: '2' }],
    min: 2,
    result: 'number',
    lower: (ctx, [src, n]) => num(windowNode(ctx.dag, 'sma', src as Value, n as number, ctx.label, true)),
  }],
  ['bb_upper', {
    params: [SOURCE, LENGTH, { name: 'mult', kind: 'mult', default: '2' }],
    min: 2,
    result: 'number',
    lower: (ctx, [src, n, k]) => num(bbBand(ctx, 'upper', src as Value, n as number, (k as number | undefined) ?? 2)),
  }],
  ['bb_lower', {
    params: [SOURCE, LENGTH, { name: 'mult', kind: 'mult', default: '2' }],
    min: 2,
    result: 'number',
    lower: (ctx, [src, n, k]) => num(bbBand(ctx, 'lower', src as Value, n as number, (k as number | undefined) ?? 2)),
  }],
  ['tr', {
    params: [{ name: 'handle_na', kind: 'flag', default: 'false' }],
    min: 0,
    result: 'number',
    lower: (ctx, [h]) => num(trNode(ctx.dag, h === 1, ctx.label, true)),
  }],
  ['atr', {
    params: [LENGTH],
    min: 1,
    result: 'number',
    lower: (ctx, [n]) => {
      const tr = trNode(ctx.dag, true, 'tr(true)', false);
      return num(windowNode(ctx.dag, 'rma', num(tr), n as number, ctx.label, true));
    },
  }],
  ['stoch', {
    params: [SOURCE, { name: 'high', kind: 'number' }, { name: 'low', kind: 'number' }, LENGTH],
    min: 4,
    result: 'number',
    lower: (ctx, [src, hi, lo, n]) => {
      const len = n as number;
      const hh = extremum(ctx.dag, 'highest', hi as Value, len, `highest(${ctx.argText(1)}, ${len})`, false);
      const ll = extremum(ctx.dag, 'lowest', lo as Value, len, `lowest(${ctx.argText(2)}, ${len})`, false);
      const ids = [(src as Value).id, hh, ll];
      const { w, s } = maxOf(ctx.dag, ids);
      return num(ctx.dag.add({ op: 'stoch', type: 'number', args: ids, label: ctx.label, named: true, warmup: w, settle: s }));
    },
  }],
  ['highest', extremumFn('highest')],
  ['lowest', extremumFn('lowest')],
  ['change', {
    params: [SOURCE, { name: 'length', kind: 'length', default: '1' }],
    min: 1,
    result: 'number',
    lower: (ctx, [src, n]) => {
      const v = src as Value;
      const k = (n as number | undefined) ?? 1;
      ctx.dag.requestHistory(v.id, k);
      const { w, s } = series(ctx.dag, v);
      const past = ctx.dag.add({ op: 'hist', type: 'number', args: [v.id], consts: [k], label: `${ctx.argText(0)}[${k}]`, named: false, warmup: w + k, settle: s + k });
      return num(arith(ctx.dag, 'sub', v.id, past, ctx.label, true));
    },
  }],
  ['crossover', crossFn('crossover')],
  ['crossunder', crossFn('crossunder')],
  ['cross', crossFn('cross')],
  ['vwap', {
    params: [{ name: 'source', kind: 'number', default: 'hlc3' }],
    min: 0,
    result: 'number',
    lower: (ctx, [src]) => {
      const srcId = src === undefined ? hlc3(ctx.dag) : (src as Value).id;
      const { w, s } = maxOf(ctx.dag, [srcId]);
      return num(ctx.dag.add({ op: 'vwap', type: 'number', args: [srcId, INPUT_ID.volume, INPUT_ID.time], label: ctx.label, named: true, warmup: w, settle: s }));
    },
  }],
  ['na', {
    params: [{ name: 'x', kind: 'number' }],
    min: 1,
    result: 'bool',
    // Testing for na ends the dependence on warm-up: the user handles the missing bars.
    lower: (ctx, [x]) => bool(ctx.dag.add({ op: 'isna', type: 'bool', args: [(x as Value).id], label: ctx.label, named: true, warmup: 0, settle: 0 })),
  }],
  ['nz', {
    params: [{ name: 'x', kind: 'number' }, { name: 'replacement', kind: 'number', default: '0' }],
    min: 1,
    result: 'number',
    lower: (ctx, [x, y]) => {
      const rep = y === undefined ? ctx.dag.constant(0, 'number', '0') : (y as Value).id;
      const r = ctx.dag.node(rep);
      return num(ctx.dag.add({ op: 'nz', type: 'number', args: [(x as Value).id, rep], label: ctx.label, named: true, warmup: r.warmup, settle: r.settle }));
    },
  }],
  ['iff', {
    params: [{ name: 'condition', kind: 'bool' }, { name: 'then', kind: 'any' }, { name: 'else', kind: 'any' }],
    min: 3,
    result: 'same',
    lower: (ctx, [c, a, b]) => {
      const [cv, av, bv] = [c as Value, a as Value, b as Value];
      if (av.type !== bv.type) {
        ctx.error(`both branches of iff must have the same type, but \`${ctx.argText(1)}\` is ${typeWords(av.type)} and \`${ctx.argText(2)}\` is ${typeWords(bv.type)}`);
        return undefined;
      }
      if (cv.isConst) return cv.value === 1 ? av : bv;
      const ids = [cv.id, av.id, bv.id];
      const { w, s } = maxOf(ctx.dag, ids);
      return { id: ctx.dag.add({ op: 'iff', type: av.type, args: ids, label: ctx.label, named: true, warmup: w, settle: s }), type: av.type, isConst: false };
    },
  }],
  ['abs', pure('abs', [{ name: 'x', kind: 'number' }], 1, false)],
  ['min', pure('min', [{ name: 'a', kind: 'number' }, { name: 'b', kind: 'number' }], 2, true)],
  ['max', pure('max', [{ name: 'a', kind: 'number' }, { name: 'b', kind: 'number' }], 2, true)],
]);

export function hlc3(dag: Dag): number {
  return dag.add({ op: 'hlc3', type: 'number', args: [INPUT_ID.high, INPUT_ID.low, INPUT_ID.close], label: 'hlc3', named: false, warmup: 0, settle: 0 });
}

export function signatureText(name: string, sig: FunctionSig): string {
  const ps = sig.params.map((p, i) => (p.default !== undefined || i >= sig.min ? `${p.name} = ${p.default ?? '…'}` : p.name));
  if (name === 'highest' || name === 'lowest') return `${name}(source, length) or ${name}(length)`;
  if (name === 'macd') return 'macd(source, fast, slow, signal)';
  return `${name}(${ps.join(', ')}${sig.variadic ? ', …' : ''})`;
}

export function typeWords(t: ValueType): string {
  return t === 'bool' ? 'a true/false condition' : 'a number';
}

// Name resolution, type checking and constant folding in one walk over the AST, lowering each
// checked node straight into the shared DAG. Problems are collected, not thrown, so the user sees
// every mistake of an expression at once; a failed sub-expression yields `undefined` and its
// parents stay quiet about it (no cascades).
import type { CmpOp, Expr, Span } from './ast.ts';
import type { Dag, Op } from './dag.ts';
import { INPUT_ID } from './dag.ts';
import { FUNCTIONS, maxOf, signatureText, type Arg, type FunctionSig, type Value } from './functions.ts';
import { closestNames, didYouMean } from './suggest.ts';
import type { Problem } from './syntax.ts';
import { LIMITS } from './limits.ts';

const SERIES_NAMES = ['open', 'high', 'low', 'close', 'volume', 'hl2', 'hlc3', 'ohlc4'] as const;
const CONSTANT_NAMES = ['true', 'false', 'na'] as const;
/** Names from other tools, suggested rather than silently accepted. */
const ALIASES: ReadonlyMap<string, string> = new Map([
  ['crossabove', 'crossover'], ['cross_above', 'crossover'], ['crossup', 'crossover'],
  ['crossbelow', 'crossunder'], ['cross_below', 'crossunder'], ['crossdown', 'crossunder'],
  ['stddev', 'stdev'], ['std', 'stdev'], ['average', 'sma'], ['mean', 'sma'], ['ma', 'sma'],
  ['smma', 'rma'], ['wilders', 'rma'], ['max_of', 'highest'], ['min_of', 'lowest'], ['atr_', 'atr'],
  ['bbands', 'bb_mid'], ['bb', 'bb_mid'], ['mom', 'change'], ['momentum', 'change'],
]);
/** Pine spellings accepted as they are. */
const PREFIXES = ['ta.', 'math.'];

export class Checker {
  readonly problems: Problem[] = [];

  constructor(
    private readonly dag: Dag,
    private readonly params: ReadonlyMap<string, number | boolean>,
    private readonly text: string,
  ) {}

  /** Source text of a span, whitespace collapsed: the label users recognise. */
  src(span: Span): string {
    return this.text.slice(span.start, span.end).replace(/\s+/g, ' ').trim();
  }

  /** Short quotation for messages. */
  private q(e: Expr): string {
    return this.quote(e.span);
  }

  /** The source of `span` quoted for a message, shortened past 40 characters. */
  quote(span: Span): string {
    const s = this.src(span);
    return `\`${s.length > 40 ? `${s.slice(0, 39)}…` : s}\``;
  }

  private report(span: Span, message: string, hint?: string): void {
    const p: Problem = { offset: span.start, length: Math.max(1, span.end - span.start), message };
    if (hint) p.hint = hint;
    this.problems.push(p);
  }

  private constant(value: number, type: 'number' | 'bool', span: Span): Value {
    return { id: this.dag.constant(value, type, this.src(span)), type, isConst: true, value };
  }

  check(e: Expr): Value | undefined {
    switch (e.kind) {
      case 'number':
        return this.constant(e.value, 'number', e.span);
      case 'name':
        return this.name(e);
      case 'call':
        return this.call(e);
      case 'history':
        return this.history(e);
      case 'negate': {
        const v = this.check(e.operand);
        if (!v) return undefined;
        if (v.type !== 'number') return this.report(e.span, `'-' works on numbers, but ${this.q(e.operand)} is a true/false condition`), undefined;
        if (v.isConst) return this.constant(cleanNumber(-v.value!), 'number', e.span);
        return this.node('neg', 'number', [v.id], e.span);
      }
      case 'arith': {
        const l = this.check(e.left);
        const r = this.check(e.right);
        if (l && l.type !== 'number') this.report(e.left.span, `'${e.op}' works on numbers, but ${this.q(e.left)} is a true/false condition`);
        if (r && r.type !== 'number') this.report(e.right.span, `'${e.op}' works on numbers, but ${this.q(e.right)} is a true/false condition`);
        if (!l || !r || l.type !== 'number' || r.type !== 'number') return undefined;
        if (l.isConst && r.isConst) return this.constant(foldArith(e.op, l.value!, r.value!), 'number', e.span);
        const op: Op = e.op === '+' ? 'add' : e.op === '-' ? 'sub' : e.op === '*' ? 'mul' : e.op === '/' ? 'div' : 'mod';
        return this.node(op, 'number', [l.id, r.id], e.span);
      }
      case 'compare':
        return this.compare(e);
      case 'logic': {
        const l = this.check(e.left);
        const r = this.check(e.right);
        this.needBool(e.op, e.left, l);
        this.needBool(e.op, e.right, r);
        if (!l || !r || l.type !== 'bool' || r.type !== 'bool') return undefined;
        if (l.isConst && r.isConst) return this.constant(kleene(e.op, l.value!, r.value!), 'bool', e.span);
        return this.node(e.op, 'bool', [l.id, r.id], e.span);
      }
      case 'not': {
        const v = this.check(e.operand);
        this.needBool('not', e.operand, v);
        if (!v || v.type !== 'bool') return undefined;
        if (v.isConst) return this.constant(Number.isNaN(v.value!) ? NaN : 1 - v.value!, 'bool', e.span);
        return this.node('not', 'bool', [v.id], e.span);
      }
    }
  }

  private needBool(op: string, e: Expr, v: Value | undefined): void {
    if (v && v.type !== 'bool') {
      this.report(e.span, `'${op}' needs true/false conditions, but ${this.q(e)} is a number`, `compare it with something, for example ${this.src(e.span)} > 0`);
    }
  }

  private node(op: Op, type: 'number' | 'bool', args: number[], span: Span): Value {
    const { w, s } = maxOf(this.dag, args);
    return { id: this.dag.add({ op, type, args, label: this.src(span), named: true, warmup: w, settle: s }), type, isConst: false };
  }

  private series(op: 'hl2' | 'hlc3' | 'ohlc4', args: number[], label: string): Value {
    return { id: this.dag.add({ op, type: 'number', args, label, named: true, warmup: 0, settle: 0 }), type: 'number', isConst: false };
  }

  private name(e: Extract<Expr, { kind: 'name' }>): Value | undefined {
    const name = e.name;
    const label = this.src(e.span);
    switch (name) {
      case 'open': case 'high': case 'low': case 'close': case 'volume':
        return { id: this.dag.add({ op: 'input', type: 'number', label: name, named: true, warmup: 0, settle: 0 }), type: 'number', isConst: false };
      case 'hl2':
        return this.series('hl2', [INPUT_ID.high, INPUT_ID.low], label);
      case 'hlc3':
        return this.series('hlc3', [INPUT_ID.high, INPUT_ID.low, INPUT_ID.close], label);
      case 'ohlc4':
        return this.series('ohlc4', [INPUT_ID.open, INPUT_ID.high, INPUT_ID.low, INPUT_ID.close], label);
      case 'true':
        return this.constant(1, 'bool', e.span);
      case 'false':
        return this.constant(0, 'bool', e.span);
      case 'na':
        return { ...this.constant(NaN, 'number', e.span), isNaLiteral: true };
      default:
        break;
    }
    const param = this.params.get(name);
    if (param !== undefined) {
      return typeof param === 'boolean' ? this.constant(param ? 1 : 0, 'bool', e.span) : this.constant(param, 'number', e.span);
    }
    const fn = lookupFunction(name);
    // Functions without required arguments double as series, as Pine's `ta.tr` and `ta.vwap` do.
    if (fn && fn.sig.min === 0) return this.call({ kind: 'call', name, nameSpan: e.span, args: [], span: e.span });
    if (fn) {
      this.report(e.span, `\`${name}\` is a function; call it with its arguments: ${signatureText(fn.name, fn.sig)}`);
      return undefined;
    }
    const candidates = [...SERIES_NAMES, ...CONSTANT_NAMES, ...this.params.keys()];
    const close = closestNames(name, candidates);
    this.report(e.span, `unknown name \`${name}\`${didYouMean(close)}`, close.length ? undefined : `names are ${SERIES_NAMES.join(', ')}, true, false, na${this.params.size ? `, or one of the params ${[...this.params.keys()].join(', ')}` : ', or a param from strategy.params'}`);
    return undefined;
  }

  private call(e: Extract<Expr, { kind: 'call' }>): Value | undefined {
    const found = lookupFunction(e.name);
    // Check the arguments even when the function is unknown, so their mistakes show up too.
    const fn = found?.sig;
    if (!found || !fn) {
      for (const a of e.args) this.check(a);
      if ((SERIES_NAMES as readonly string[]).includes(e.name)) {
        this.report(e.nameSpan, `\`${e.name}\` is a series, not a function`, `for an earlier value write ${e.name}[1]`);
      } else if (this.params.has(e.name)) {
        this.report(e.nameSpan, `\`${e.name}\` is a param, not a function`);
      } else {
        const alias = ALIASES.get(e.name.toLowerCase());
        const close = alias ? [alias] : closestNames(e.name, FUNCTIONS.keys());
        this.report(e.nameSpan, `unknown function \`${e.name}\`${didYouMean(close)}`, close.length ? undefined : `functions are ${[...FUNCTIONS.keys()].join(', ')}`);
      }
      return undefined;
    }
    const name = found.name;
    const max = fn.variadic ? Infinity : fn.params.length;
    const argVals = e.args.map((a) => this.check(a));
    if (e.args.length < fn.min || e.args.length > max) {
      const want = fn.variadic ? `at least ${fn.min} arguments` : fn.min === max ? `${max} argument${max === 1 ? '' : 's'}` : `${fn.min} to ${max} arguments`;
      this.report(e.span, `\`${name}\` takes ${want}, ${signatureText(name, fn)}, but got ${e.args.length}`);
      return undefined;
    }
    const oneArgLength = (name === 'highest' || name === 'lowest') && e.args.length === 1;
    const args: Arg[] = [];
    let ok = true;
    for (let i = 0; i < e.args.length; i++) {
      const param = oneArgLength ? fn.params[1]! : fn.params[Math.min(i, fn.params.length - 1)]!;
      const arg = this.argument(name, fn, param.name, param.kind, e.args[i]!, argVals[i]);
      if (arg === undefined) ok = false;
      else args.push(arg);
    }
    if (!ok) return undefined;
    const label = this.src(e.span);
    let failed = false;
    const result = fn.lower(
      {
        dag: this.dag,
        label,
        argText: (i) => this.src(e.args[i]!.span),
        error: (message, hint) => {
          failed = true;
          this.report(e.span, message, hint);
        },
      },
      args,
    );
    return failed ? undefined : result;
  }

  private argument(fn: string, sig: FunctionSig, pname: string, kind: string, e: Expr, v: Value | undefined): Arg | undefined {
    if (!v) return undefined;
    const where = `\`${pname}\` of ${signatureText(fn, sig)}`;
    switch (kind) {
      case 'number':
        if (v.type !== 'number') return this.report(e.span, `${where} must be a number, but ${this.q(e)} is a true/false condition`), undefined;
        return v;
      case 'bool':
        if (v.type !== 'bool') return this.report(e.span, `${where} must be a true/false condition, but ${this.q(e)} is a number`, `compare it with something, for example ${this.src(e.span)} > 0`), undefined;
        return v;
      case 'any':
        return v;
      case 'flag':
        if (v.type !== 'bool' || !v.isConst) return this.report(e.span, `${where} must be true or false`), undefined;
        return v.value!;
      case 'mult':
        if (v.type !== 'number' || !v.isConst || !(v.value! > 0) || !Number.isFinite(v.value!)) {
          return this.report(e.span, `${where} must be a positive number or a param, but ${this.q(e)} ${v.isConst ? `is ${v.value}` : 'changes from bar to bar'}`), undefined;
        }
        return v.value!;
      case 'length':
        return this.wholeNumber(e, v, `${where}`, 1);
      default:
        return undefined;
    }
  }

  /** Lengths and history offsets: constant whole numbers (literals or params) within limits. */
  private wholeNumber(e: Expr, v: Value, what: string, min: number): number | undefined {
    const fix = 'lengths and offsets must be whole numbers or params';
    if (v.type !== 'number') return this.report(e.span, `${what} must be a whole number, but ${this.q(e)} is a true/false condition`, fix), undefined;
    if (!v.isConst) return this.report(e.span, `${what} must be a whole number or a param, but ${this.q(e)} changes from bar to bar`, fix), undefined;
    const x = v.value!;
    const shown = Number.isNaN(x) ? 'na' : String(x);
    const is = e.kind === 'number' || this.src(e.span) === shown ? `not ${shown}` : `but ${this.q(e)} is ${shown}`;
    if (!Number.isInteger(x)) return this.report(e.span, `${what} must be a whole number, ${is}`, fix), undefined;
    if (x < min) return this.report(e.span, `${what} must be at least ${min}, ${is}`), undefined;
    if (x > LIMITS.maxLength) return this.report(e.span, `${what} is ${x}; the largest allowed is ${LIMITS.maxLength}`), undefined;
    return x;
  }

  private history(e: Extract<Expr, { kind: 'history' }>): Value | undefined {
    const target = this.check(e.target);
    const off = this.check(e.offset);
    const k = off ? this.wholeNumber(e.offset, off, `the history offset in ${this.q(e)}`, 0) : undefined;
    if (!target || k === undefined) return undefined;
    if (target.isConst) {
      this.report(e.target.span, `${this.q(e.target)} is a constant, so it has no earlier values to read with [${k}]: use a series such as \`close\` (\`close[1]\` is the previous candle's close)`);
      return undefined;
    }
    if (k === 0) return target;
    this.dag.requestHistory(target.id, k);
    const t = this.dag.node(target.id);
    return {
      id: this.dag.add({ op: 'hist', type: target.type, args: [target.id], consts: [k], label: this.src(e.span), named: true, warmup: t.warmup + k, settle: t.settle + k }),
      type: target.type,
      isConst: false,
    };
  }

  private compare(e: Extract<Expr, { kind: 'compare' }>): Value | undefined {
    const vals = e.operands.map((o) => this.check(o));
    let ok = vals.every((v) => v !== undefined);
    for (let i = 0; i < e.operands.length; i++) {
      const v = vals[i];
      const o = e.operands[i]!;
      if (v?.isNaLiteral) {
        this.report(o.span, 'comparing with `na` is never true', 'to test for a missing value write na(x)');
        ok = false;
      } else if (v && v.type !== 'number') {
        const op = e.ops[Math.max(0, i - 1)]!;
        this.report(o.span, `'${op}' compares numbers, but ${this.q(o)} is a true/false condition`, `combine conditions with 'and' / 'or'`);
        ok = false;
      }
    }
    if (!ok) return undefined;
    // `a < b < c` means `a < b and b < c`; b is one DAG node, so it is computed once.
    let acc: Value | undefined;
    for (let i = 0; i < e.ops.length; i++) {
      const l = vals[i]!;
      const r = vals[i + 1]!;
      const span = { start: e.operands[i]!.span.start, end: e.operands[i + 1]!.span.end };
      const op = e.ops[i]!;
      const cmp: Value = l.isConst && r.isConst
        ? this.constant(foldCompare(op, l.value!, r.value!), 'bool', span)
        : this.node(CMP_OPS[op], 'bool', [l.id, r.id], span);
      if (!acc) acc = cmp;
      else if (acc.isConst && cmp.isConst) acc = this.constant(kleene('and', acc.value!, cmp.value!), 'bool', { start: e.span.start, end: span.end });
      else acc = this.node('and', 'bool', [acc.id, cmp.id], { start: e.span.start, end: span.end });
    }
    return acc;
  }
}

const CMP_OPS: Record<CmpOp, Op> = { '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge', '==': 'eq', '!=': 'ne' };

export function lookupFunction(name: string): { name: string; sig: FunctionSig } | undefined {
  let n = name;
  for (const p of PREFIXES) if (n.startsWith(p)) n = n.slice(p.length);
  const sig = FUNCTIONS.get(n);
  return sig ? { name: n, sig } : undefined;
}

/** Non-finite arithmetic results (x/0) are na, as in the reference (decision 9). */
export function cleanNumber(x: number): number {
  return Number.isFinite(x) ? x : NaN;
}

export function foldArith(op: string, a: number, b: number): number {
  switch (op) {
    case '+': return cleanNumber(a + b);
    case '-': return cleanNumber(a - b);
    case '*': return cleanNumber(a * b);
    case '/': return cleanNumber(a / b);
    default: return cleanNumber(a % b);
  }
}

/** `==`/`!=` round both sides to 9 decimals (Pine v6 reference, op_==). */
export function round9(x: number): number {
  return Math.abs(x) < 1e6 ? Math.round(x * 1e9) / 1e9 : x;
}

export function foldCompare(op: CmpOp, a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  switch (op) {
    case '<': return a < b ? 1 : 0;
    case '<=': return a <= b ? 1 : 0;
    case '>': return a > b ? 1 : 0;
    case '>=': return a >= b ? 1 : 0;
    case '==': return round9(a) === round9(b) ? 1 : 0;
    case '!=': return round9(a) !== round9(b) ? 1 : 0;
  }
}

/** Three-valued logic: 1 true, 0 false, NaN unknown (na). */
export function kleene(op: 'and' | 'or', a: number, b: number): number {
  if (op === 'and') return a === 0 || b === 0 ? 0 : a === 1 && b === 1 ? 1 : NaN;
  return a === 1 || b === 1 ? 1 : a === 0 && b === 0 ? 0 : NaN;
}

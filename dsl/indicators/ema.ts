// ta.ema: α = 2/(length+1), seeded with the SMA of the first `length` non-na values (Pine's real
// output, not the first-value seed of its "same on pine" snippet); na before that. The step is
// `prev + α(x − prev)`, the operation order that reproduces TradingView bit for bit.
//
// Kernel convention (all indicators): the runtime calls `step(slots, in…, out)`, which reads its
// inputs from and writes its result into the shared Float64Array, and mutable state lives in a
// Float64Array too. A double returned from a call or stored in an object field can be boxed by V8,
// which would allocate on every bar. `update(x)` is the same computation for direct use and tests.
export class Ema {
  private readonly alpha: number;
  /** [count, seed sum, previous value] */
  private readonly st = new Float64Array([0, 0, NaN]);
  private readonly io = new Float64Array(2);

  constructor(readonly length: number) {
    this.alpha = 2 / (length + 1);
  }

  step(slots: Float64Array, input: number, output: number): void {
    const x = slots[input]!;
    const st = this.st;
    // Hot path kept tiny so V8 can inline it into the strategy's per-bar function.
    if (st[0]! < this.length || x !== x) {
      this.warmup(slots, x, output);
      return;
    }
    const prev = st[2]!;
    const next = prev + this.alpha * (x - prev);
    st[2] = next;
    slots[output] = next;
  }

  private warmup(slots: Float64Array, x: number, output: number): void {
    if (x !== x) {
      slots[output] = NaN;
      return;
    }
    const st = this.st;
    const n = this.length;
    st[1] = st[1]! + x;
    st[0] = st[0]! + 1;
    if (st[0]! < n) {
      slots[output] = NaN;
      return;
    }
    st[2] = st[1]! / n;
    slots[output] = st[2]!;
  }

  update(x: number): number {
    this.io[0] = x;
    this.step(this.io, 0, 1);
    return this.io[1]!;
  }
}

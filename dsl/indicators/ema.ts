// ta.ema: α = 2/(length+1), seeded with the SMA of the first `length` non-na values (Pine's real
// output, not the first-value seed of its "same on pine" snippet); na before that. The step is
// `prev + α(x − prev)`, the operation order that reproduces TradingView bit for bit.
//
// Kernel convention (all indicators): the runtime calls `step(slots, close)`, which reads its
// inputs from and writes its result into the shared Float64Array of node values; the slot indices
// are fixed at construction. A source that is the close (slot 3) is read from the `close`
// argument instead: a register rather than a store and a load through the array. The hot kernels (ema, rsi, crossover, crossunder, ema-pair) keep their
// state in number fields of one monomorphic object, measured faster than Float64Array state; a
// field already holding a double is overwritten in place, so nothing allocates per bar. The
// older kernels take `step(slots, in…, out)` and keep state in Float64Arrays; runtime.ts adapts.
// The hot kernels also keep their result in `value`, which fused conditions read directly, and
// stop writing their slot once nothing reads it there (`drop`): fewer typed-array stores
// measured ~2.5 ns/bar on the benchmark rule.
export class Ema {
  private readonly alpha: number;
  private count = 0;
  private sum = 0;
  private prev = NaN;
  /** This bar's result. */
  value = NaN;
  private output: number;

  constructor(readonly length: number, private readonly input: number, output: number) {
    this.alpha = 2 / (length + 1);
    this.output = output;
  }

  /** Stop writing the slot of node `id`: nothing reads it from the slots. */
  drop(id: number): void {
    if (id === this.output) this.output = -1;
  }

  step(s: Float64Array, close: number): void {
    const x = this.input === 3 ? close : s[this.input]!;
    // Hot path kept tiny so V8 can inline it into the strategy's per-bar call.
    // The cold path reads its input and writes its result itself (see rsi.ts for why).
    if (this.count < this.length || x !== x) {
      if (this.input === 3) s[3] = close;
      this.warmStep(s);
      return;
    }
    const next = this.prev + this.alpha * (x - this.prev);
    this.prev = next;
    this.value = next;
    if (this.output >= 0) s[this.output] = next;
  }

  private warmStep(s: Float64Array): void {
    const v = this.warmup(s[this.input]!);
    this.value = v;
    if (this.output >= 0) s[this.output] = v;
  }

  private warmup(x: number): number {
    if (x !== x) return NaN;
    if (this.count >= this.length) return (this.prev = this.prev + this.alpha * (x - this.prev));
    this.sum += x;
    this.count++;
    if (this.count < this.length) return NaN;
    return (this.prev = this.sum / this.length);
  }
}

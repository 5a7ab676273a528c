// ta.sma: mean of the last `length` non-na values. The rolling sum is Neumaier-compensated so
// adding and evicting a million prices does not drift; na input gives na and leaves the window
// alone. (Kernel convention: see ema.ts.)
export class Sma {
  private readonly window: Float64Array;
  private sum = 0;
  private comp = 0;
  private pos = 0;
  private count = 0;
  /** This bar's result. */
  value = NaN;
  private output: number;

  constructor(readonly length: number, private readonly input: number, output: number) {
    this.window = new Float64Array(length);
    this.output = output;
  }

  /** Stop writing the slot of node `id`: nothing reads it from the slots. */
  drop(id: number): void {
    if (id === this.output) this.output = -1;
  }

  step(s: Float64Array, close: number): void {
    const x = this.input === 3 ? close : s[this.input]!;
    let v = NaN;
    if (x === x) {
      const n = this.length;
      const w = this.window;
      const evicted = this.count === n ? w[this.pos]! : 0;
      w[this.pos] = x;
      this.pos = this.pos + 1 === n ? 0 : this.pos + 1;
      // Neumaier: add x, then subtract the evicted value.
      let sum = this.sum;
      let comp = this.comp;
      let t = sum + x;
      comp += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
      sum = t;
      if (this.count === n) {
        t = sum - evicted;
        comp += Math.abs(sum) >= Math.abs(evicted) ? sum - t - evicted : -evicted - t + sum;
        sum = t;
      } else {
        this.count++;
      }
      this.sum = sum;
      this.comp = comp;
      if (this.count === n) v = (sum + comp) / n;
    }
    this.value = v;
    if (this.output >= 0) s[this.output] = v;
  }
}

// ta.sma: mean of the last `length` non-na values. The rolling sum is Neumaier-compensated so
// adding and evicting a million prices does not drift; na input gives na and leaves the window
// alone. (Kernel convention: see ema.ts.)
export class Sma {
  private readonly window: Float64Array;
  /** [sum, compensation] */
  private readonly acc = new Float64Array(2);
  private readonly io = new Float64Array(2);
  private pos = 0;
  private count = 0;

  constructor(readonly length: number) {
    this.window = new Float64Array(length);
  }

  step(slots: Float64Array, input: number, output: number): void {
    const x = slots[input]!;
    if (x !== x) {
      slots[output] = NaN;
      return;
    }
    const n = this.length;
    const w = this.window;
    const acc = this.acc;
    const evicted = this.count === n ? w[this.pos]! : 0;
    w[this.pos] = x;
    this.pos = this.pos + 1 === n ? 0 : this.pos + 1;
    // Neumaier: add x, then subtract the evicted value.
    let sum = acc[0]!;
    let comp = acc[1]!;
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
    acc[0] = sum;
    acc[1] = comp;
    slots[output] = this.count === n ? (sum + comp) / n : NaN;
  }

  update(x: number): number {
    this.io[0] = x;
    this.step(this.io, 0, 1);
    return this.io[1]!;
  }
}

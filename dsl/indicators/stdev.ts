// ta.stdev (biased = true, Pine's default): population standard deviation of the last `length`
// non-na values. Sums run over values shifted by a recent price, so E[x²]−E[x]² does not cancel
// at price scale; the shift and sums are rebuilt from the window every `length` bars (O(1)
// amortised). A flat window gives exactly 0. (Kernel convention: see ema.ts.)
export class Stdev {
  private readonly window: Float64Array;
  /** [shift, Σ(x−shift), Σ(x−shift)²] */
  private readonly acc = new Float64Array(3);
  private readonly io = new Float64Array(2);
  private pos = 0;
  private count = 0;
  private sinceRebuild = 0;

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
    const full = this.count === n;
    const evicted = full ? this.window[this.pos]! : 0;
    this.window[this.pos] = x;
    this.pos = this.pos + 1 === n ? 0 : this.pos + 1;
    const acc = this.acc;
    if (!full) {
      this.count++;
      if (this.count < n) {
        slots[output] = NaN;
        return;
      }
      this.rebuild(x);
    } else {
      const shift = acc[0]!;
      const a = x - shift;
      const b = evicted - shift;
      acc[1] = acc[1]! + a - b;
      acc[2] = acc[2]! + a * a - b * b;
      if (++this.sinceRebuild === n) this.rebuild(x);
    }
    const s = acc[1]!;
    const variance = (acc[2]! - (s * s) / n) / n;
    slots[output] = variance > 0 ? Math.sqrt(variance) : 0;
  }

  private rebuild(shift: number): void {
    let s = 0;
    let q = 0;
    for (let i = 0; i < this.length; i++) {
      const d = this.window[i]! - shift;
      s += d;
      q += d * d;
    }
    this.acc[0] = shift;
    this.acc[1] = s;
    this.acc[2] = q;
    this.sinceRebuild = 0;
  }

  update(x: number): number {
    this.io[0] = x;
    this.step(this.io, 0, 1);
    return this.io[1]!;
  }
}

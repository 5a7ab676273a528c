// ta.stdev (biased = true, Pine's default): population standard deviation of the last `length`
// non-na values. Sums run over values shifted by a recent price, so E[x²]−E[x]² does not cancel
// at price scale; the shift and sums are rebuilt from the window every `length` bars (O(1)
// amortised). A flat window gives exactly 0.
export class Stdev {
  private readonly window: Float64Array;
  private pos = 0;
  private count = 0;
  private shift = 0;
  private sum = 0;
  private sumSq = 0;
  private sinceRebuild = 0;

  constructor(readonly length: number) {
    this.window = new Float64Array(length);
  }

  update(x: number): number {
    if (x !== x) return NaN;
    const n = this.length;
    const full = this.count === n;
    const evicted = full ? this.window[this.pos]! : 0;
    this.window[this.pos] = x;
    this.pos = this.pos + 1 === n ? 0 : this.pos + 1;
    if (!full) {
      this.count++;
      if (this.count < n) return NaN;
      this.rebuild(x);
      return this.value();
    }
    const a = x - this.shift;
    const b = evicted - this.shift;
    this.sum += a - b;
    this.sumSq += a * a - b * b;
    if (++this.sinceRebuild === n) this.rebuild(x);
    return this.value();
  }

  private value(): number {
    const n = this.length;
    const variance = (this.sumSq - (this.sum * this.sum) / n) / n;
    return variance > 0 ? Math.sqrt(variance) : 0;
  }

  private rebuild(shift: number): void {
    let s = 0;
    let q = 0;
    for (let i = 0; i < this.length; i++) {
      const d = this.window[i]! - shift;
      s += d;
      q += d * d;
    }
    this.shift = shift;
    this.sum = s;
    this.sumSq = q;
    this.sinceRebuild = 0;
  }
}

// ta.sma: mean of the last `length` non-na values. The rolling sum is Neumaier-compensated so
// adding and evicting a million prices does not drift; na input gives na and leaves the window alone.
export class Sma {
  private readonly window: Float64Array;
  private pos = 0;
  private count = 0;
  private sum = 0;
  private comp = 0;

  constructor(readonly length: number) {
    this.window = new Float64Array(length);
  }

  update(x: number): number {
    if (x !== x) return NaN;
    const n = this.length;
    if (this.count < n) {
      this.add(x);
      this.window[this.pos] = x;
      this.pos = this.pos + 1 === n ? 0 : this.pos + 1;
      this.count++;
      return this.count === n ? (this.sum + this.comp) / n : NaN;
    }
    const evicted = this.window[this.pos]!;
    this.window[this.pos] = x;
    this.pos = this.pos + 1 === n ? 0 : this.pos + 1;
    this.add(x);
    this.add(-evicted);
    return (this.sum + this.comp) / n;
  }

  private add(v: number): void {
    const t = this.sum + v;
    if (Math.abs(this.sum) >= Math.abs(v)) this.comp += this.sum - t + v;
    else this.comp += v - t + this.sum;
    this.sum = t;
  }
}

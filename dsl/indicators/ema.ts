// ta.ema: α = 2/(length+1), seeded with the SMA of the first `length` non-na values (Pine's real
// output, not the first-value seed of its "same on pine" snippet); na before that. The step is
// `prev + α(x − prev)`, the operation order that reproduces TradingView bit for bit.
export class Ema {
  private readonly alpha: number;
  private count = 0;
  private seed = 0;
  private prev = NaN;

  constructor(readonly length: number) {
    this.alpha = 2 / (length + 1);
  }

  update(x: number): number {
    if (x !== x) return NaN;
    if (this.count < this.length) {
      this.seed += x;
      this.count++;
      if (this.count < this.length) return NaN;
      this.prev = this.seed / this.length;
      return this.prev;
    }
    this.prev = this.prev + this.alpha * (x - this.prev);
    return this.prev;
  }
}

// ta.rma (Wilder's smoothing): α = 1/length, SMA-seeded like ema; step `(prev·(n−1) + x)/n`.
export class Rma {
  private count = 0;
  private seed = 0;
  private prev = NaN;

  constructor(readonly length: number) {}

  update(x: number): number {
    if (x !== x) return NaN;
    const n = this.length;
    if (this.count < n) {
      this.seed += x;
      this.count++;
      if (this.count < n) return NaN;
      this.prev = this.seed / n;
      return this.prev;
    }
    this.prev = (this.prev * (n - 1) + x) / n;
    return this.prev;
  }
}

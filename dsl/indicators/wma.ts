// ta.wma: weights length..1 from the newest value back, over the last `length` non-na values.
// The weighted sum is updated in O(1) (WS' = WS − S + n·x) and rebuilt from the window every
// `length` bars, which keeps rounding from accumulating at O(1) amortised cost.
export class Wma {
  private readonly window: Float64Array;
  private readonly norm: number;
  private pos = 0;
  private count = 0;
  private sum = 0;
  private weighted = 0;
  private sinceRebuild = 0;

  constructor(readonly length: number) {
    this.window = new Float64Array(length);
    this.norm = (length * (length + 1)) / 2;
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
      this.rebuild();
      return this.weighted / this.norm;
    }
    this.weighted += n * x - this.sum;
    this.sum += x - evicted;
    if (++this.sinceRebuild === n) this.rebuild();
    return this.weighted / this.norm;
  }

  private rebuild(): void {
    // Oldest value sits at `pos` once the window is full.
    let s = 0;
    let ws = 0;
    const n = this.length;
    for (let i = 0; i < n; i++) {
      const v = this.window[(this.pos + i) % n]!;
      s += v;
      ws += (i + 1) * v;
    }
    this.sum = s;
    this.weighted = ws;
    this.sinceRebuild = 0;
  }
}

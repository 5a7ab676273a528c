// ta.wma: weights length..1 from the newest value back, over the last `length` non-na values.
// The weighted sum is updated in O(1) (WS' = WS − S + n·x) and rebuilt from the window every
// `length` bars, which keeps rounding from accumulating at O(1) amortised cost.
// (Kernel convention: see ema.ts.)
export class Wma {
  private readonly window: Float64Array;
  private readonly norm: number;
  /** [sum, weighted sum] */
  private readonly acc = new Float64Array(2);
  private readonly io = new Float64Array(2);
  private pos = 0;
  private count = 0;
  private sinceRebuild = 0;

  constructor(readonly length: number) {
    this.window = new Float64Array(length);
    this.norm = (length * (length + 1)) / 2;
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
      this.rebuild();
    } else {
      acc[1] = acc[1]! + n * x - acc[0]!;
      acc[0] = acc[0]! + x - evicted;
      if (++this.sinceRebuild === n) this.rebuild();
    }
    slots[output] = acc[1]! / this.norm;
  }

  private rebuild(): void {
    // Once the window is full the oldest value sits at `pos`.
    let s = 0;
    let ws = 0;
    const n = this.length;
    for (let i = 0; i < n; i++) {
      const v = this.window[(this.pos + i) % n]!;
      s += v;
      ws += (i + 1) * v;
    }
    this.acc[0] = s;
    this.acc[1] = ws;
    this.sinceRebuild = 0;
  }

  update(x: number): number {
    this.io[0] = x;
    this.step(this.io, 0, 1);
    return this.io[1]!;
  }
}

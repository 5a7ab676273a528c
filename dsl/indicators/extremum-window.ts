// Sliding maximum over the last `length` bars with a monotonic deque: each value is pushed and
// popped at most once, so O(1) amortised and exact. na values are skipped (not stored); the
// result is na before bar length−1 or when the whole window is na (Pine's highest/lowest).
// (Kernel convention: see ema.ts.)
export class SlidingMax {
  private readonly bars: Float64Array;
  private readonly vals: Float64Array;
  private readonly io = new Float64Array(2);
  private head = 0;
  private size = 0;
  private bar = -1;

  /** `sign` −1 turns the maximum into a minimum (values are stored negated). */
  constructor(readonly length: number, private readonly sign: 1 | -1) {
    this.bars = new Float64Array(length);
    this.vals = new Float64Array(length);
  }

  step(slots: Float64Array, input: number, output: number): void {
    const n = this.length;
    const bar = ++this.bar;
    const bars = this.bars;
    const vals = this.vals;
    while (this.size > 0 && bars[this.head]! <= bar - n) {
      this.head = this.head + 1 === n ? 0 : this.head + 1;
      this.size--;
    }
    const input0 = slots[input]!;
    if (input0 === input0) {
      const x = this.sign * input0;
      while (this.size > 0) {
        let back = this.head + this.size - 1;
        if (back >= n) back -= n;
        if (vals[back]! <= x) this.size--;
        else break;
      }
      let at = this.head + this.size;
      if (at >= n) at -= n;
      bars[at] = bar;
      vals[at] = x;
      this.size++;
    }
    slots[output] = bar < n - 1 || this.size === 0 ? NaN : this.sign * vals[this.head]!;
  }

  update(x: number): number {
    this.io[0] = x;
    this.step(this.io, 0, 1);
    return this.io[1]!;
  }
}

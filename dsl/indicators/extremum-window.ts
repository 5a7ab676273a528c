// Sliding maximum over the last `length` bars with a monotonic deque: each value is pushed and
// popped at most once, so O(1) amortised and exact. na values are skipped (not stored); the
// result is na before bar length−1 or when the whole window is na (Pine's highest/lowest).
export class SlidingMax {
  private readonly bars: Float64Array;
  private readonly vals: Float64Array;
  private head = 0;
  private size = 0;
  private bar = -1;

  /** `sign` −1 turns the maximum into a minimum (values are stored negated). */
  constructor(readonly length: number, private readonly sign: 1 | -1) {
    this.bars = new Float64Array(length);
    this.vals = new Float64Array(length);
  }

  update(input: number): number {
    const n = this.length;
    const bar = ++this.bar;
    while (this.size > 0 && this.bars[this.head]! <= bar - n) {
      this.head = this.head + 1 === n ? 0 : this.head + 1;
      this.size--;
    }
    if (input === input) {
      const x = this.sign * input;
      while (this.size > 0) {
        const back = (this.head + this.size - 1) % n;
        if (this.vals[back]! <= x) this.size--;
        else break;
      }
      const at = (this.head + this.size) % n;
      this.bars[at] = bar;
      this.vals[at] = x;
      this.size++;
    }
    if (bar < n - 1 || this.size === 0) return NaN;
    return this.sign * this.vals[this.head]!;
  }
}

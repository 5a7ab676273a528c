// Per-node history for `x[k]` and change(): a ring sized to the deepest offset requested
// (TradingView's max_bars_back, sized statically). Reading before enough bars exist gives na.
export class HistoryRing {
  private readonly buf: Float64Array;
  private pos = 0;
  private count = 0;

  constructor(readonly depth: number) {
    this.buf = new Float64Array(depth + 1);
  }

  push(x: number): void {
    this.buf[this.pos] = x;
    this.pos = this.pos + 1 === this.buf.length ? 0 : this.pos + 1;
    if (this.count <= this.depth) this.count++;
  }

  /** Value k bars back; 0 is the value just pushed. */
  get(k: number): number {
    if (k >= this.count) return NaN;
    const cap = this.buf.length;
    let i = this.pos - 1 - k;
    if (i < 0) i += cap;
    return this.buf[i]!;
  }
}

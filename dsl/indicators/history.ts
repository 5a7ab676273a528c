// Per-node history for `x[k]` and change(): a ring sized to the deepest offset requested
// (TradingView's max_bars_back, sized statically). Reading before enough bars exist gives na.
export class HistoryRing {
  private readonly buf: Float64Array;
  private pos = 0;
  private count = 0;

  constructor(readonly depth: number) {
    this.buf = new Float64Array(depth + 1);
  }

  /** Records the node's value for this bar (call once per bar, after the node has stepped). */
  record(slots: Float64Array, input: number): void {
    this.buf[this.pos] = slots[input]!;
    this.pos = this.pos + 1 === this.buf.length ? 0 : this.pos + 1;
    if (this.count <= this.depth) this.count++;
  }

  /** Writes the value k bars back (0 = this bar) into `output`. */
  read(slots: Float64Array, k: number, output: number): void {
    if (k >= this.count) {
      slots[output] = NaN;
      return;
    }
    let i = this.pos - 1 - k;
    if (i < 0) i += this.buf.length;
    slots[output] = this.buf[i]!;
  }
}

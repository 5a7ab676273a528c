// Fused kernel for the shape traders write most: crossover/crossunder(ema(x, a), ema(x, b)).
// Both averages read the same source, so one step updates both and derives the cross flags from
// the fresh values, instead of four separate nodes passing values through slots. Every value it
// writes (both averages, each cross flag) is the one ema.ts and crossover.ts / crossunder.ts give,
// bit for bit: same seed, same `prev + α(x − prev)` order, same na rules.
//
// State lives in number fields of one monomorphic object: measured faster than Float64Array
// state, and a field already holding a double is overwritten in place (no allocation per bar).
export class EmaPair {
  private readonly alphaA: number;
  private readonly alphaB: number;
  private countA = 0;
  private countB = 0;
  private sumA = 0;
  private sumB = 0;
  private emaA = NaN;
  private emaB = NaN;
  /** Last bar's outputs (na included), for the cross flags. */
  private prevA = NaN;
  private prevB = NaN;
  /** This bar's "a crossed above b" (crossover(a, b)) and "a crossed below b" (crossunder(a, b)). */
  upValue = NaN;
  downValue = NaN;

  /**
   * Slots of the two averages and of the nodes for the two flags (−1 for a flag no node asks for);
   * `drop` turns a slot write off once nothing reads it from the slots.
   */
  constructor(
    readonly lengthA: number,
    readonly lengthB: number,
    private readonly source: number,
    private outA: number,
    private outB: number,
    public up: number,
    public down: number,
  ) {
    this.alphaA = 2 / (lengthA + 1);
    this.alphaB = 2 / (lengthB + 1);
  }

  drop(id: number): void {
    if (id === this.outA) this.outA = -1;
    if (id === this.outB) this.outB = -1;
    if (id === this.up) this.up = -1;
    if (id === this.down) this.down = -1;
    this.writes = this.outA >= 0 || this.outB >= 0 || this.up >= 0 || this.down >= 0;
  }

  /** Some slot is still read: see `drop`. */
  private writes = true;

  // Hot path kept small on purpose: V8 inlines a strategy's whole per-bar path only while the
  // inlined bytecode stays under a budget (~920 bytes); past it, the conditions became a call
  // per bar (~6 ns/bar on the benchmark rule). Warm-up, na and slot writes are separate methods,
  // which V8 leaves out of line while they are cold.
  step(s: Float64Array, close: number): void {
    const x = this.source === 3 ? close : s[this.source]!;
    if (!this.hot || x !== x) {
      this.slowStep(s, close);
      return;
    }
    // Last bar's outputs are the current averages (that is what `hot` means).
    const pa = this.emaA;
    const pb = this.emaB;
    const a = pa + this.alphaA * (x - pa);
    const b = pb + this.alphaB * (x - pb);
    this.emaA = a;
    this.emaB = b;
    if (a !== a || b !== b) {
      this.prevA = pa;
      this.prevB = pb;
      this.hot = false;
      this.emit(s, a, b);
      return;
    }
    this.upValue = a > b && pa <= pb ? 1 : 0;
    this.downValue = a < b && pa >= pb ? 1 : 0;
    if (this.writes) this.write(s, a, b);
  }

  /**
   * True once both averages are seeded and last bar's outputs were numbers, so they equal
   * emaA/emaB: the hot path then needs no separate previous values or na tests on them.
   * prevA/prevB are kept up to date only off the hot path.
   */
  private hot = false;

  /** Warm-up, an na source, or the bar after an na output. Reads its input itself: passing the double out of line made V8 box it on every bar. */
  private slowStep(s: Float64Array, close: number): void {
    if (this.source === 3) s[3] = close;
    if (this.hot) {
      this.prevA = this.emaA;
      this.prevB = this.emaB;
    }
    this.warmup(s);
    this.hot = this.countA >= this.lengthA && this.countB >= this.lengthB && this.prevA === this.prevA && this.prevB === this.prevB;
  }

  private warmup(s: Float64Array): void {
    const x = s[this.source]!;
    if (x !== x) {
      // An na source leaves both averages untouched and gives na this bar.
      this.emit(s, NaN, NaN);
      return;
    }
    let a: number;
    if (this.countA < this.lengthA) {
      this.sumA += x;
      this.countA++;
      if (this.countA < this.lengthA) a = NaN;
      else a = this.emaA = this.sumA / this.lengthA;
    } else {
      a = this.emaA = this.emaA + this.alphaA * (x - this.emaA);
    }
    let b: number;
    if (this.countB < this.lengthB) {
      this.sumB += x;
      this.countB++;
      if (this.countB < this.lengthB) b = NaN;
      else b = this.emaB = this.sumB / this.lengthB;
    } else {
      b = this.emaB = this.emaB + this.alphaB * (x - this.emaB);
    }
    this.emit(s, a, b);
  }

  /** Flags from this bar's averages and the previous bar's, any of them possibly na. */
  private emit(s: Float64Array, a: number, b: number): void {
    const pa = this.prevA;
    const pb = this.prevB;
    this.prevA = a;
    this.prevB = b;
    const na = a !== a || b !== b || pa !== pa || pb !== pb;
    this.upValue = na ? NaN : a > b && pa <= pb ? 1 : 0;
    this.downValue = na ? NaN : a < b && pa >= pb ? 1 : 0;
    if (this.writes) this.write(s, a, b);
  }

  private write(s: Float64Array, a: number, b: number): void {
    if (this.outA >= 0) s[this.outA] = a;
    if (this.outB >= 0) s[this.outB] = b;
    if (this.up >= 0) s[this.up] = this.upValue;
    if (this.down >= 0) s[this.down] = this.downValue;
  }
}

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

  /**
   * `up` receives "a crossed above b" (crossover(a, b)), `down` "a crossed below b"
   * (crossunder(a, b)); −1 for a flag nobody reads.
   */
  constructor(
    readonly lengthA: number,
    readonly lengthB: number,
    private readonly source: number,
    private readonly outA: number,
    private readonly outB: number,
    public up: number,
    public down: number,
  ) {
    this.alphaA = 2 / (lengthA + 1);
    this.alphaB = 2 / (lengthB + 1);
  }

  step(s: Float64Array, close: number): void {
    const x = this.source === 3 ? close : s[this.source]!;
    // Hot path kept tiny so V8 inlines it into the strategy's per-bar call.
    if (this.countA < this.lengthA || this.countB < this.lengthB || x !== x) {
      this.warmup(s, x);
      return;
    }
    const a = this.emaA + this.alphaA * (x - this.emaA);
    const b = this.emaB + this.alphaB * (x - this.emaB);
    this.emaA = a;
    this.emaB = b;
    this.emit(s, a, b);
  }

  private warmup(s: Float64Array, x: number): void {
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

  private emit(s: Float64Array, a: number, b: number): void {
    s[this.outA] = a;
    s[this.outB] = b;
    const pa = this.prevA;
    const pb = this.prevB;
    this.prevA = a;
    this.prevB = b;
    const na = a !== a || b !== b || pa !== pa || pb !== pb;
    if (this.up >= 0) s[this.up] = na ? NaN : a > b && pa <= pb ? 1 : 0;
    if (this.down >= 0) s[this.down] = na ? NaN : a < b && pa >= pb ? 1 : 0;
  }
}

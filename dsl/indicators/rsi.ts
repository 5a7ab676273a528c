// ta.rsi: u = max(x − x[1], 0), d = max(x[1] − x, 0); 100 − 100/(1 + rma(u)/rma(d)).
// Deltas follow Pine's formula literally: a bar whose previous value is na has an na delta, which
// the rma skips. First value at bar `length`. A flat start (both averages 0) is 0/0, so na, as the
// Pine formula gives; no down moves at all is 100. The two Wilder averages (SMA-seeded, step
// `(prev·(n−1) + x)/n`, as rma.ts) are inlined here: RSI runs on most bots' every bar.
// (Kernel convention: see ema.ts.)
export class Rsi {
  private prev = NaN;
  /** Deltas seen, up to `length`. */
  private count = 0;
  /** rma(up) and rma(down); seed sums until `length` deltas. */
  private up = 0;
  private down = 0;
  /** This bar's result. */
  value = NaN;
  private output: number;

  constructor(readonly length: number, private readonly input: number, output: number) {
    this.output = output;
  }

  /** Stop writing the slot of node `id`: nothing reads it from the slots. */
  drop(id: number): void {
    if (id === this.output) this.output = -1;
  }

  step(s: Float64Array, close: number): void {
    const x = this.input === 3 ? close : s[this.input]!;
    // Kept small so V8 inlines it into the strategy's per-bar call (budget: see ema-pair.ts).
    // The cold path reads its input and writes its result itself: passing a double to, or taking
    // one from, an out-of-line call made V8 box a number into a fresh heap object on every bar.
    if (!this.hot || x !== x) {
      if (this.input === 3) s[3] = close;
      this.warmStep(s);
      return;
    }
    const prev = this.prev;
    this.prev = x;
    const n = this.length;
    const delta = x - prev;
    const up = (this.up * (n - 1) + (delta > 0 ? delta : 0)) / n;
    const down = (this.down * (n - 1) + (delta < 0 ? -delta : 0)) / n;
    this.up = up;
    this.down = down;
    const v = down === 0 ? (up === 0 ? NaN : 100) : 100 - 100 / (1 + up / down);
    this.value = v;
    if (this.output >= 0) s[this.output] = v;
  }

  /** `length` deltas seen and the previous source value is a number. */
  private hot = false;

  private warmStep(s: Float64Array): void {
    const x = s[this.input]!;
    const prev = this.prev;
    this.prev = x;
    const v = this.warmup(x, prev);
    this.hot = this.count >= this.length && x === x;
    this.value = v;
    if (this.output >= 0) s[this.output] = v;
  }

  /** Before `length` deltas, or around na values: seed the averages or report na. */
  private warmup(x: number, prev: number): number {
    if (x !== x || prev !== prev) return NaN;
    const n = this.length;
    const delta = x - prev;
    let up: number;
    let down: number;
    if (this.count >= n) {
      up = (this.up * (n - 1) + (delta > 0 ? delta : 0)) / n;
      down = (this.down * (n - 1) + (delta < 0 ? -delta : 0)) / n;
    } else {
      this.count++;
      this.up += delta > 0 ? delta : 0;
      this.down += delta < 0 ? -delta : 0;
      if (this.count < n) return NaN;
      up = this.up / n;
      down = this.down / n;
    }
    this.up = up;
    this.down = down;
    return down === 0 ? (up === 0 ? NaN : 100) : 100 - 100 / (1 + up / down);
  }
}

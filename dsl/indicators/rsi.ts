// ta.rsi: u = max(x − x[1], 0), d = max(x[1] − x, 0); 100 − 100/(1 + rma(u)/rma(d)).
// Deltas follow Pine's formula literally: a bar whose previous value is na has an na delta, which
// the rma skips. First value at bar `length`. A flat start (both averages 0) is 0/0, so na, as the
// Pine formula gives; no down moves at all is 100. The two Wilder averages (SMA-seeded, step
// `(prev·(n−1) + x)/n`, as rma.ts) are inlined here: RSI runs on most bots' every bar.
// (Kernel convention: see ema.ts.)
const PREV = 0;
const COUNT = 1;
const UP = 2;
const DOWN = 3;

export class Rsi {
  /** [previous source, deltas seen, rma(up) (seed sum until `length` deltas), rma(down)] */
  private readonly st = new Float64Array([NaN, 0, 0, 0]);
  private readonly io = new Float64Array(2);

  constructor(readonly length: number) {}

  step(slots: Float64Array, input: number, output: number): void {
    const x = slots[input]!;
    const st = this.st;
    const prev = st[PREV]!;
    st[PREV] = x;
    // Hot path kept tiny so V8 can inline it into the strategy's per-bar function.
    if (st[COUNT]! < this.length || x !== x || prev !== prev) {
      this.warmup(slots, x, prev, output);
      return;
    }
    const n = this.length;
    const delta = x - prev;
    const up = (st[UP]! * (n - 1) + (delta > 0 ? delta : 0)) / n;
    const down = (st[DOWN]! * (n - 1) + (delta < 0 ? -delta : 0)) / n;
    st[UP] = up;
    st[DOWN] = down;
    slots[output] = down === 0 ? (up === 0 ? NaN : 100) : 100 - 100 / (1 + up / down);
  }

  /** Before `length` deltas, or around na values: seed the averages or report na. */
  private warmup(slots: Float64Array, x: number, prev: number, output: number): void {
    if (x !== x || prev !== prev) {
      slots[output] = NaN;
      return;
    }
    const st = this.st;
    const n = this.length;
    const delta = x - prev;
    st[COUNT] = st[COUNT]! + 1;
    st[UP] = st[UP]! + (delta > 0 ? delta : 0);
    st[DOWN] = st[DOWN]! + (delta < 0 ? -delta : 0);
    if (st[COUNT]! < n) {
      slots[output] = NaN;
      return;
    }
    const up = st[UP]! / n;
    const down = st[DOWN]! / n;
    st[UP] = up;
    st[DOWN] = down;
    slots[output] = down === 0 ? (up === 0 ? NaN : 100) : 100 - 100 / (1 + up / down);
  }

  update(x: number): number {
    this.io[0] = x;
    this.step(this.io, 0, 1);
    return this.io[1]!;
  }
}

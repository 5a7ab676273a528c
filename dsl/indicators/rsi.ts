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
    if (x !== x || prev !== prev) {
      slots[output] = NaN;
      return;
    }
    const n = this.length;
    const delta = x - prev;
    const u = delta > 0 ? delta : 0;
    const d = delta < 0 ? -delta : 0;
    let up: number;
    let down: number;
    const count = st[COUNT]!;
    if (count < n) {
      st[COUNT] = count + 1;
      st[UP] = st[UP]! + u;
      st[DOWN] = st[DOWN]! + d;
      if (count + 1 < n) {
        slots[output] = NaN;
        return;
      }
      up = st[UP]! / n;
      down = st[DOWN]! / n;
    } else {
      up = (st[UP]! * (n - 1) + u) / n;
      down = (st[DOWN]! * (n - 1) + d) / n;
    }
    st[UP] = up;
    st[DOWN] = down;
    if (down === 0) slots[output] = up === 0 ? NaN : 100;
    else slots[output] = 100 - 100 / (1 + up / down);
  }

  update(x: number): number {
    this.io[0] = x;
    this.step(this.io, 0, 1);
    return this.io[1]!;
  }
}

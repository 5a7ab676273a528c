// ta.rsi: u = max(x − x[1], 0), d = max(x[1] − x, 0); 100 − 100/(1 + rma(u)/rma(d)).
// Deltas follow Pine's formula literally: a bar whose previous value is na has an na delta, which
// the rma skips. First value at bar `length`. A flat start (both averages 0) is 0/0, so na, as the
// Pine formula gives; no down moves at all is 100. (Kernel convention: see ema.ts.)
import { Rma } from './rma.ts';

export class Rsi {
  private readonly up: Rma;
  private readonly down: Rma;
  /** [previous source, up move, down move, rma(up), rma(down)]: also the rmas' slot array. */
  private readonly st = new Float64Array([NaN, 0, 0, NaN, NaN]);
  private readonly io = new Float64Array(2);

  constructor(readonly length: number) {
    this.up = new Rma(length);
    this.down = new Rma(length);
  }

  step(slots: Float64Array, input: number, output: number): void {
    const x = slots[input]!;
    const st = this.st;
    const prev = st[0]!;
    st[0] = x;
    if (x !== x || prev !== prev) {
      slots[output] = NaN;
      return;
    }
    const delta = x - prev;
    st[1] = delta > 0 ? delta : 0;
    st[2] = delta < 0 ? -delta : 0;
    this.up.step(st, 1, 3);
    this.down.step(st, 2, 4);
    const u = st[3]!;
    const d = st[4]!;
    if (u !== u) slots[output] = NaN;
    else if (d === 0) slots[output] = u === 0 ? NaN : 100;
    else slots[output] = 100 - 100 / (1 + u / d);
  }

  update(x: number): number {
    this.io[0] = x;
    this.step(this.io, 0, 1);
    return this.io[1]!;
  }
}

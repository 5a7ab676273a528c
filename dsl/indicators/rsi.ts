// ta.rsi: u = max(x − x[1], 0), d = max(x[1] − x, 0); 100 − 100/(1 + rma(u)/rma(d)).
// Deltas follow Pine's formula literally: a bar whose previous value is na has an na delta, which
// the rma skips. First value at bar `length`. A flat start (both averages 0) is 0/0, so na, as the
// Pine formula gives; no down moves at all is 100.
import { Rma } from './rma.ts';

export class Rsi {
  private prev = NaN;
  private readonly up: Rma;
  private readonly down: Rma;

  constructor(readonly length: number) {
    this.up = new Rma(length);
    this.down = new Rma(length);
  }

  update(x: number): number {
    const prev = this.prev;
    this.prev = x;
    if (x !== x || prev !== prev) return NaN;
    const delta = x - prev;
    const u = this.up.update(delta > 0 ? delta : 0);
    const d = this.down.update(delta < 0 ? -delta : 0);
    if (u !== u) return NaN;
    if (d === 0) return u === 0 ? NaN : 100;
    return 100 - 100 / (1 + u / d);
  }
}

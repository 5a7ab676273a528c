// ta.rma (Wilder's smoothing): α = 1/length, SMA-seeded like ema; step `(prev·(n−1) + x)/n`.
// (Kernel convention: see ema.ts.)
export class Rma {
  /** [count, seed sum, previous value] */
  private readonly st = new Float64Array([0, 0, NaN]);
  private readonly io = new Float64Array(2);

  constructor(readonly length: number) {}

  step(slots: Float64Array, input: number, output: number): void {
    const x = slots[input]!;
    if (x !== x) {
      slots[output] = NaN;
      return;
    }
    const st = this.st;
    const n = this.length;
    if (st[0]! < n) {
      st[1] = st[1]! + x;
      st[0] = st[0]! + 1;
      if (st[0]! < n) {
        slots[output] = NaN;
        return;
      }
      st[2] = st[1]! / n;
      slots[output] = st[2]!;
      return;
    }
    const next = (st[2]! * (n - 1) + x) / n;
    st[2] = next;
    slots[output] = next;
  }

  update(x: number): number {
    this.io[0] = x;
    this.step(this.io, 0, 1);
    return this.io[1]!;
  }
}

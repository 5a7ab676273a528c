// ta.crossunder: a < b now and a ≥ b on the immediately previous bar; na while any value is na.
// (Kernel convention: see ema.ts.)
export class Crossunder {
  /** [previous a, previous b] */
  private readonly prev = new Float64Array([NaN, NaN]);
  private readonly io = new Float64Array(3);

  step(slots: Float64Array, a: number, b: number, output: number): void {
    const x = slots[a]!;
    const y = slots[b]!;
    const px = this.prev[0]!;
    const py = this.prev[1]!;
    this.prev[0] = x;
    this.prev[1] = y;
    slots[output] = x !== x || y !== y || px !== px || py !== py ? NaN : x < y && px >= py ? 1 : 0;
  }

  update(a: number, b: number): number {
    this.io[0] = a;
    this.io[1] = b;
    this.step(this.io, 0, 1, 2);
    return this.io[2]!;
  }
}

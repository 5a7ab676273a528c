// ta.crossunder: a < b now and a ≥ b on the immediately previous bar; na while any value is na.
// (Kernel convention: see ema.ts.)
export class Crossunder {
  private prevA = NaN;
  private prevB = NaN;
  /** This bar's result. */
  value = NaN;
  private output: number;

  constructor(private readonly a: number, private readonly b: number, output: number) {
    this.output = output;
  }

  /** Stop writing the slot of node `id`: nothing reads it from the slots. */
  drop(id: number): void {
    if (id === this.output) this.output = -1;
  }

  step(s: Float64Array): void {
    const x = s[this.a]!;
    const y = s[this.b]!;
    const px = this.prevA;
    const py = this.prevB;
    this.prevA = x;
    this.prevB = y;
    const v = x !== x || y !== y || px !== px || py !== py ? NaN : x < y && px >= py ? 1 : 0;
    this.value = v;
    const o = this.output;
    if (o >= 0) s[o] = v;
  }
}

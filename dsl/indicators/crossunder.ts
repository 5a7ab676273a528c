// ta.crossunder: a < b now and a ≥ b on the immediately previous bar; na while any value is na.
// (Kernel convention: see ema.ts.)
export class Crossunder {
  private prevA = NaN;
  private prevB = NaN;

  constructor(private readonly a: number, private readonly b: number, private readonly output: number) {}

  step(s: Float64Array): void {
    const x = s[this.a]!;
    const y = s[this.b]!;
    const px = this.prevA;
    const py = this.prevB;
    this.prevA = x;
    this.prevB = y;
    s[this.output] = x !== x || y !== y || px !== px || py !== py ? NaN : x < y && px >= py ? 1 : 0;
  }
}

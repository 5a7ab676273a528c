// ta.crossover: a > b now and a ≤ b on the immediately previous bar. na if any of the four
// values is na, so nothing fires during warm-up.
export class Crossover {
  private prevA = NaN;
  private prevB = NaN;

  update(a: number, b: number): number {
    const pa = this.prevA;
    const pb = this.prevB;
    this.prevA = a;
    this.prevB = b;
    if (a !== a || b !== b || pa !== pa || pb !== pb) return NaN;
    return a > b && pa <= pb ? 1 : 0;
  }
}

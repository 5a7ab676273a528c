// ta.tr: true range max(H − L, |H − C[1]|, |L − C[1]|). On the first bar there is no previous
// close: na, or H − L with handle_na = true (the form ta.atr uses). (Kernel convention: see ema.ts.)
export class TrueRange {
  private readonly prevClose = new Float64Array([NaN]);
  private readonly io = new Float64Array(4);

  constructor(readonly handleNa: boolean) {}

  step(slots: Float64Array, high: number, low: number, close: number, output: number): void {
    const h = slots[high]!;
    const l = slots[low]!;
    const pc = this.prevClose[0]!;
    this.prevClose[0] = slots[close]!;
    if (pc !== pc) slots[output] = this.handleNa ? h - l : NaN;
    else slots[output] = Math.max(h - l, Math.abs(h - pc), Math.abs(l - pc));
  }

  update(high: number, low: number, close: number): number {
    const io = this.io;
    io[0] = high;
    io[1] = low;
    io[2] = close;
    this.step(io, 0, 1, 2, 3);
    return io[3]!;
  }
}

// ta.tr: true range max(H − L, |H − C[1]|, |L − C[1]|). On the first bar there is no previous
// close: na, or H − L with handle_na = true (the form ta.atr uses).
export class TrueRange {
  private prevClose = NaN;

  constructor(readonly handleNa: boolean) {}

  update(high: number, low: number, close: number): number {
    const pc = this.prevClose;
    this.prevClose = close;
    if (pc !== pc) return this.handleNa ? high - low : NaN;
    return Math.max(high - low, Math.abs(high - pc), Math.abs(low - pc));
  }
}

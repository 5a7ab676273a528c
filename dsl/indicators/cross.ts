// ta.cross, as TradingView behaves (measured by PyneCore), not as `crossover or crossunder`:
// it remembers the last strict relation (|a − b| > 1e-10) and fires when that relation flips.
// So an equality plateau from the start never fires, and above → equal → above does not fire.
const EPSILON = 1e-10;

export class Cross {
  /** 0 unarmed (no strict relation seen yet), 1 a above b, −1 a below b. */
  private relation = 0;

  update(a: number, b: number): number {
    if (a !== a || b !== b) return NaN;
    const d = a - b;
    if (d > EPSILON || d < -EPSILON) {
      const rel = d > 0 ? 1 : -1;
      const fired = this.relation !== 0 && rel !== this.relation;
      this.relation = rel;
      return fired ? 1 : 0;
    }
    return 0;
  }
}

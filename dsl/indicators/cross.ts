// ta.cross, as TradingView behaves (measured by PyneCore), not as `crossover or crossunder`:
// it remembers the last strict relation (|a − b| > 1e-10) and fires when that relation flips.
// So an equality plateau from the start never fires, and above → equal → above does not fire.
// (Kernel convention: see ema.ts.)
const EPSILON = 1e-10;

export class Cross {
  /** 0 unarmed (no strict relation seen yet), 1 a above b, −1 a below b. */
  private relation = 0;
  private readonly io = new Float64Array(3);

  step(slots: Float64Array, a: number, b: number, output: number): void {
    const x = slots[a]!;
    const y = slots[b]!;
    if (x !== x || y !== y) {
      slots[output] = NaN;
      return;
    }
    const d = x - y;
    if (d > EPSILON || d < -EPSILON) {
      const rel = d > 0 ? 1 : -1;
      slots[output] = this.relation !== 0 && rel !== this.relation ? 1 : 0;
      this.relation = rel;
      return;
    }
    slots[output] = 0;
  }

  update(a: number, b: number): number {
    this.io[0] = a;
    this.io[1] = b;
    this.step(this.io, 0, 1, 2);
    return this.io[2]!;
  }
}

// ta.stoch: 100·(source − lowest)/(highest − lowest), not clamped. The window extremes come from
// shared highest/lowest nodes. A zero range is 0/0: na, as in Pine (TA-Lib would say 0).
export function stochStep(slots: Float64Array, source: number, highest: number, lowest: number, output: number): void {
  const s = slots[source]!;
  const ll = slots[lowest]!;
  const range = slots[highest]! - ll;
  slots[output] = range === 0 || range !== range || s !== s ? NaN : (100 * (s - ll)) / range;
}

export function stochValue(source: number, highest: number, lowest: number): number {
  const io = new Float64Array([source, highest, lowest, 0]);
  stochStep(io, 0, 1, 2, 3);
  return io[3]!;
}

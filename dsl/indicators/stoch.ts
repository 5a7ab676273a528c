// ta.stoch: 100·(source − lowest)/(highest − lowest), not clamped. The window extremes come from
// shared highest/lowest nodes. A zero range is 0/0: na, as in Pine (TA-Lib would say 0).
export function stochValue(source: number, highest: number, lowest: number): number {
  const range = highest - lowest;
  if (range === 0 || range !== range || source !== source) return NaN;
  return (100 * (source - lowest)) / range;
}

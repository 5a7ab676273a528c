// "Did you mean …?" for misspelt keys and values.

/** Optimal-string-alignment distance: Levenshtein plus adjacent transpositions (Damerau). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidates, best first: case-insensitive match, then edit distance ≤ 1 (short) or ≤ 2. */
export function suggest(word: string, candidates: readonly string[], max = 3): string[] {
  const lower = word.toLowerCase();
  const exact = candidates.filter((c) => c.toLowerCase() === lower);
  if (exact.length) return exact.slice(0, max);
  const limit = word.length <= 4 ? 1 : 2;
  return candidates
    .map((c) => ({ c, d: editDistance(lower, c.toLowerCase()) }))
    .filter((x) => x.d <= limit)
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
    .slice(0, max)
    .map((x) => x.c);
}

/** "; did you mean `stop_loss`?" or '' */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const s = suggest(word, candidates);
  if (s.length === 0) return '';
  return `; did you mean ${s.map((x) => `\`${x}\``).join(' or ')}?`;
}

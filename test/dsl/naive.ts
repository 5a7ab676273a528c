// Deliberately naive batch reference implementations (textbook formulas over whole arrays,
// O(n·length), no shared code with dsl/), used as the oracle for the streaming kernels.
// NaN stands for na. "Compacted" windows skip na values, as Pine's sma/ema/rma/stdev/... do.

export type Series = number[];
const isNa = (x: number) => Number.isNaN(x);

/** Indices of the last `n` non-na values up to and including i, or undefined if fewer exist. */
function lastNonNa(xs: Series, i: number, n: number): number[] | undefined {
  const out: number[] = [];
  for (let j = i; j >= 0 && out.length < n; j--) if (!isNa(xs[j]!)) out.push(j);
  return out.length === n ? out : undefined;
}

export function sma(xs: Series, n: number): Series {
  return xs.map((x, i) => {
    if (isNa(x)) return NaN;
    const idx = lastNonNa(xs, i, n);
    if (!idx) return NaN;
    return idx.reduce((s, j) => s + xs[j]!, 0) / n;
  });
}

function exponential(xs: Series, n: number, alpha: number): Series {
  const out: Series = [];
  let prev = NaN;
  let seen = 0;
  const seed: number[] = [];
  for (const x of xs) {
    if (isNa(x)) { out.push(NaN); continue; }
    seen++;
    if (seen < n) { seed.push(x); out.push(NaN); continue; }
    if (seen === n) { seed.push(x); prev = seed.reduce((a, b) => a + b, 0) / n; out.push(prev); continue; }
    prev = alpha * x + (1 - alpha) * prev;
    out.push(prev);
  }
  return out;
}

export const ema = (xs: Series, n: number) => exponential(xs, n, 2 / (n + 1));
export const rma = (xs: Series, n: number) => exponential(xs, n, 1 / n);

export function wma(xs: Series, n: number): Series {
  return xs.map((x, i) => {
    if (isNa(x)) return NaN;
    const idx = lastNonNa(xs, i, n);
    if (!idx) return NaN;
    // idx[0] is the newest: weight n.
    let num = 0;
    idx.forEach((j, k) => { num += (n - k) * xs[j]!; });
    return num / ((n * (n + 1)) / 2);
  });
}

export function stdev(xs: Series, n: number): Series {
  return xs.map((x, i) => {
    if (isNa(x)) return NaN;
    const idx = lastNonNa(xs, i, n);
    if (!idx) return NaN;
    const vals = idx.map((j) => xs[j]!);
    const mean = vals.reduce((a, b) => a + b, 0) / n;
    return Math.sqrt(vals.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
  });
}

export function rsi(xs: Series, n: number): Series {
  const up = xs.map((x, i) => (i === 0 || isNa(x) || isNa(xs[i - 1]!) ? NaN : Math.max(x - xs[i - 1]!, 0)));
  const down = xs.map((x, i) => (i === 0 || isNa(x) || isNa(xs[i - 1]!) ? NaN : Math.max(xs[i - 1]! - x, 0)));
  const u = rma(up, n);
  const d = rma(down, n);
  return u.map((uv, i) => {
    const dv = d[i]!;
    if (isNa(uv) || isNa(dv)) return NaN;
    if (dv === 0) return uv === 0 ? NaN : 100;
    return 100 - 100 / (1 + uv / dv);
  });
}

export function tr(h: Series, l: Series, c: Series, handleNa: boolean): Series {
  return h.map((hi, i) => (i === 0 ? (handleNa ? hi - l[0]! : NaN) : Math.max(hi - l[i]!, Math.abs(hi - c[i - 1]!), Math.abs(l[i]! - c[i - 1]!))));
}

export const atr = (h: Series, l: Series, c: Series, n: number) => rma(tr(h, l, c, true), n);

function extreme(xs: Series, n: number, pick: (a: number, b: number) => number): Series {
  return xs.map((_, i) => {
    if (i < n - 1) return NaN;
    const window = xs.slice(i - n + 1, i + 1).filter((v) => !isNa(v));
    return window.length === 0 ? NaN : window.reduce((a, b) => pick(a, b));
  });
}
export const highest = (xs: Series, n: number) => extreme(xs, n, Math.max);
export const lowest = (xs: Series, n: number) => extreme(xs, n, Math.min);

export function stoch(s: Series, h: Series, l: Series, n: number): Series {
  const hh = highest(h, n);
  const ll = lowest(l, n);
  return s.map((x, i) => {
    const range = hh[i]! - ll[i]!;
    if (isNa(x) || isNa(range) || range === 0) return NaN;
    return (100 * (x - ll[i]!)) / range;
  });
}

export function change(xs: Series, n: number): Series {
  return xs.map((x, i) => (i < n ? NaN : x - xs[i - n]!));
}

export function shift(xs: Series, k: number): Series {
  return xs.map((_, i) => (i < k ? NaN : xs[i - k]!));
}

export function crossover(a: Series, b: Series): Series {
  return a.map((x, i) => {
    if (i === 0) return NaN;
    const vals = [x, b[i]!, a[i - 1]!, b[i - 1]!];
    if (vals.some(isNa)) return NaN;
    return x > b[i]! && a[i - 1]! <= b[i - 1]! ? 1 : 0;
  });
}

export function crossunder(a: Series, b: Series): Series {
  return a.map((x, i) => {
    if (i === 0) return NaN;
    const vals = [x, b[i]!, a[i - 1]!, b[i - 1]!];
    if (vals.some(isNa)) return NaN;
    return x < b[i]! && a[i - 1]! >= b[i - 1]! ? 1 : 0;
  });
}

/** ta.cross as measured: look back to the last bar with a strict relation and compare signs. */
export function cross(a: Series, b: Series): Series {
  const eps = 1e-10;
  return a.map((x, i) => {
    if (isNa(x) || isNa(b[i]!)) return NaN;
    const d = x - b[i]!;
    if (Math.abs(d) <= eps) return 0;
    for (let j = i - 1; j >= 0; j--) {
      if (isNa(a[j]!) || isNa(b[j]!)) continue;
      const dj = a[j]! - b[j]!;
      if (Math.abs(dj) > eps) return Math.sign(dj) !== Math.sign(d) ? 1 : 0;
    }
    return 0;
  });
}

export function vwap(src: Series, vol: Series, time: number[]): Series {
  const day = (t: number) => Math.floor(t / 86_400_000);
  return src.map((_, i) => {
    let start = i;
    while (start > 0 && day(time[start - 1]!) === day(time[i]!)) start--;
    if (start === 0 && time[0]! % 86_400_000 !== 0) return NaN;
    let pv = 0;
    let v = 0;
    for (let j = start; j <= i; j++) { pv += src[j]! * vol[j]!; v += vol[j]!; }
    return v === 0 ? NaN : pv / v;
  });
}

export function zip(a: Series, b: Series, f: (x: number, y: number) => number): Series {
  return a.map((x, i) => f(x, b[i]!));
}

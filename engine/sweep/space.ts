// The combinations a sweep runs, numbered. The grid is every combination of the parameters'
// values; `--random N --seed S` draws N distinct grid points instead (the same N for the same
// seed); `--shard i/n` keeps every n-th of those, so n machines split one sweep and their results
// merge back by number. Nothing is listed up front beyond a random sample: a grid of a million
// combinations costs no memory until it runs.
//
// Numbering: strategy parameters vary slowest, so neighbouring combinations share one signal
// series (the rules' output does not depend on risk, stop, cooldown or protection settings).
import type { ParamDef } from './params.ts';

/** A grid larger than this needs `--random`. */
export const MAX_GRID = 1_000_000;

export interface SpaceOptions {
  random?: { count: number; seed: number };
  shard?: { index: number; count: number };
}

export class Space {
  /** Parameter indices from the slowest-varying to the fastest. */
  readonly order: number[];
  readonly gridSize: number;
  /** Combinations of the whole run (all shards). */
  readonly size: number;
  private readonly sample: Float64Array | null;

  constructor(readonly params: readonly ParamDef[], readonly options: SpaceOptions = {}) {
    const strategyFirst = params.map((p, i) => ({ i, s: p.path[0] === 'strategy' && p.path[1] === 'params' ? 0 : 1 }));
    this.order = strategyFirst.sort((a, b) => a.s - b.s || a.i - b.i).map((x) => x.i);
    this.gridSize = params.reduce((n, p) => n * p.values.length, 1);
    const r = options.random;
    if (r && r.count < this.gridSize) {
      this.sample = drawSample(this.gridSize, r.count, r.seed);
      this.size = r.count;
    } else {
      this.sample = null;
      this.size = this.gridSize;
    }
  }

  /** Positions (numbers in the whole run) this shard runs, in order. */
  *positions(from = 0): Generator<number> {
    const s = this.options.shard;
    const step = s ? s.count : 1;
    let k = s ? s.index - 1 : 0;
    if (from > k) k += Math.ceil((from - k) / step) * step;
    for (; k < this.size; k += step) yield k;
  }

  /** How many combinations this shard runs. */
  get shardSize(): number {
    const s = this.options.shard;
    return s ? Math.max(0, Math.ceil((this.size - (s.index - 1)) / s.count)) : this.size;
  }

  /** The value index of each parameter (declared order) for the combination at `position`. */
  digits(position: number): number[] {
    let g = this.sample ? this.sample[position]! : position;
    const out = new Array<number>(this.params.length).fill(0);
    for (let j = this.order.length - 1; j >= 0; j--) {
      const p = this.order[j]!;
      const n = this.params[p]!.values.length;
      out[p] = g % n;
      g = Math.floor(g / n);
    }
    return out;
  }

  /** The grid point of the combination at `position` (the same number whatever the sampling). */
  gridIndex(position: number): number {
    return this.sample ? this.sample[position]! : position;
  }
}

/** `count` distinct numbers below `n`, ascending: Floyd's sampling with a seeded generator. */
function drawSample(n: number, count: number, seed: number): Float64Array {
  const rand = seeded(seed);
  const chosen = new Set<number>();
  for (let j = n - count; j < n; j++) {
    const t = Math.floor(rand() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return Float64Array.from(chosen).sort();
}

/** A uniform double in [0, 1) with 53 random bits, from two mulberry32 draws: reproducible everywhere. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
}

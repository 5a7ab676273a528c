// ta.vwap anchored to the UTC day: Σ(source·volume)/Σvolume since the day's first bar. A series
// that starts mid-day has no anchor yet, so the value is na until the next 00:00 UTC (a partial
// day would give a VWAP nobody else sees). Zero volume since the anchor is 0/0: na.
// (Kernel convention: see ema.ts.)
const DAY_MS = 86_400_000;

export class Vwap {
  /** [current UTC day number, Σ source·volume, Σ volume] */
  private readonly st = new Float64Array([NaN, 0, 0]);
  private readonly io = new Float64Array(4);
  private anchored = false;

  step(slots: Float64Array, source: number, volume: number, time: number, output: number): void {
    const st = this.st;
    const t = slots[time]!;
    const day = Math.floor(t / DAY_MS);
    if (day !== st[0]) {
      // The first bar anchors only if it opens the day.
      this.anchored = st[0] === st[0] || t % DAY_MS === 0;
      st[0] = day;
      st[1] = 0;
      st[2] = 0;
    }
    if (!this.anchored) {
      slots[output] = NaN;
      return;
    }
    const s = slots[source]!;
    const v = slots[volume]!;
    if (s === s && v === v) {
      st[1] = st[1]! + s * v;
      st[2] = st[2]! + v;
    }
    slots[output] = st[2] === 0 ? NaN : st[1]! / st[2]!;
  }

  update(source: number, volume: number, time: number): number {
    const io = this.io;
    io[0] = source;
    io[1] = volume;
    io[2] = time;
    this.step(io, 0, 1, 2, 3);
    return io[3]!;
  }
}

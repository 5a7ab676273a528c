// ta.vwap anchored to the UTC day: Σ(source·volume)/Σvolume since the day's first bar. A series
// that starts mid-day has no anchor yet, so the value is na until the next 00:00 UTC (a partial
// day would give a VWAP nobody else sees). Zero volume since the anchor is 0/0: na.
const DAY_MS = 86_400_000;

export class Vwap {
  private day = NaN;
  private anchored = false;
  private sumPv = 0;
  private sumV = 0;

  update(source: number, volume: number, time: number): number {
    const day = Math.floor(time / DAY_MS);
    if (day !== this.day) {
      this.anchored = this.day === this.day || time % DAY_MS === 0;
      this.day = day;
      this.sumPv = 0;
      this.sumV = 0;
    }
    if (!this.anchored) return NaN;
    if (source === source && volume === volume) {
      this.sumPv += source * volume;
      this.sumV += volume;
    }
    return this.sumV === 0 ? NaN : this.sumPv / this.sumV;
  }
}

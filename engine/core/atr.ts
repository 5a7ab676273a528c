// Streaming Average True Range with Pine's `ta.atr` semantics, so a stop placed at "2 × ATR(14)"
// matches what a trader reads off a TradingView chart:
//   true range = max(high − low, |high − prev close|, |low − prev close|), and high − low on the
//   first bar (Pine `ta.tr(true)`); ATR = RMA (Wilder) of the true range, seeded with the simple
//   average of the first `length` true ranges, so the first value appears on bar index length − 1.
// float64 on purpose: indicator math is float, only order prices become Decimal.
export class WilderAtr {
  private prevClose = NaN;
  private seedSum = 0;
  private count = 0;
  /** NaN until `length` bars have been seen. */
  value = NaN;

  constructor(readonly length: number) {
    if (!Number.isInteger(length) || length < 1) throw new RangeError(`ATR length must be a positive integer, got ${length}`);
  }

  update(high: number, low: number, close: number): number {
    const pc = this.prevClose;
    let tr = high - low;
    if (pc === pc) {
      const a = high > pc ? high - pc : pc - high;
      const b = low > pc ? low - pc : pc - low;
      if (a > tr) tr = a;
      if (b > tr) tr = b;
    }
    this.prevClose = close;
    const n = this.length;
    if (this.count < n) {
      this.seedSum += tr;
      this.count++;
      if (this.count === n) this.value = this.seedSum / n;
    } else {
      this.value = (this.value * (n - 1) + tr) / n;
    }
    return this.value;
  }

  get ready(): boolean {
    return this.count >= this.length;
  }

  /** Plain-data snapshot for journals and crash recovery. */
  toState(): AtrState {
    return { length: this.length, prevClose: this.prevClose, seedSum: this.seedSum, count: this.count, value: this.value };
  }

  static fromState(s: AtrState): WilderAtr {
    const a = new WilderAtr(s.length);
    a.prevClose = s.prevClose;
    a.seedSum = s.seedSum;
    a.count = s.count;
    a.value = s.value;
    return a;
  }
}

export interface AtrState {
  length: number;
  prevClose: number;
  seedSum: number;
  count: number;
  value: number;
}

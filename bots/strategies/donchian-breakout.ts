// Donchian channel breakout: go long when a candle closes above the highest high of the previous
// `channel` candles, short when it closes below the lowest low; exit when price closes back
// through the opposite edge of the shorter `exit_channel`. Streaming: O(channel) per candle with
// small ring buffers, no allocation on quiet bars.
import { NO_SIGNALS, StrategyParamsError } from '../../engine/strategy/strategy.ts';
import type { Signal, Strategy, StrategyContext } from '../../engine/strategy/strategy.ts';
import type { Candle } from '../../engine/market/candle.ts';

function lengthParam(params: StrategyContext['params'], name: string, fallback: number): number {
  const value = params[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 2 || value > 1000) {
    throw new StrategyParamsError(`${name} must be a whole number of candles from 2 to 1000, not ${JSON.stringify(value)}`, name);
  }
  return value;
}

/** Highs and lows of the last `size` candles. */
class Window {
  private readonly highs: Float64Array;
  private readonly lows: Float64Array;
  private count = 0;
  private next = 0;

  constructor(readonly size: number) {
    this.highs = new Float64Array(size);
    this.lows = new Float64Array(size);
  }

  get full(): boolean {
    return this.count === this.size;
  }

  push(c: Candle): void {
    this.highs[this.next] = c.high;
    this.lows[this.next] = c.low;
    this.next = (this.next + 1) % this.size;
    if (this.count < this.size) this.count++;
  }

  highest(): number {
    let h = -Infinity;
    for (let i = 0; i < this.count; i++) h = Math.max(h, this.highs[i]!);
    return h;
  }

  lowest(): number {
    let l = Infinity;
    for (let i = 0; i < this.count; i++) l = Math.min(l, this.lows[i]!);
    return l;
  }
}

export default class DonchianBreakout implements Strategy {
  readonly warmupBars: number;
  readonly preloadBars: number;
  private readonly entry: Window;
  private readonly exit: Window;
  private readonly allowed = new Set(['channel', 'exit_channel']);

  constructor(params: StrategyContext['params']) {
    for (const name of Object.keys(params)) {
      if (!this.allowed.has(name)) throw new StrategyParamsError(`unknown parameter \`${name}\`; this strategy takes channel and exit_channel`, name);
    }
    const channel = lengthParam(params, 'channel', 20);
    const exitChannel = lengthParam(params, 'exit_channel', 10);
    if (exitChannel > channel) throw new StrategyParamsError(`exit_channel (${exitChannel}) must not be longer than channel (${channel})`, 'exit_channel');
    this.entry = new Window(channel);
    this.exit = new Window(exitChannel);
    // The channel describes the candles *before* the current one, so one more bar of history.
    this.warmupBars = channel;
    this.preloadBars = channel;
  }

  onCandle(c: Candle): readonly Signal[] {
    let signals: readonly Signal[] = NO_SIGNALS;
    if (this.entry.full) {
      const upper = this.entry.highest();
      const lower = this.entry.lowest();
      const exitUpper = this.exit.highest();
      const exitLower = this.exit.lowest();
      const out: Signal[] = [];
      if (c.close < exitLower) out.push({ action: 'exit_long', reason: `close ${c.close} fell below the ${this.exit.size}-bar low ${exitLower}` });
      if (c.close > exitUpper) out.push({ action: 'exit_short', reason: `close ${c.close} rose above the ${this.exit.size}-bar high ${exitUpper}` });
      if (c.close > upper) out.push({ action: 'enter_long', reason: `close ${c.close} broke above the ${this.entry.size}-bar high ${upper}` });
      if (c.close < lower) out.push({ action: 'enter_short', reason: `close ${c.close} broke below the ${this.entry.size}-bar low ${lower}` });
      if (out.length) signals = out;
    }
    this.entry.push(c);
    this.exit.push(c);
    return signals;
  }
}

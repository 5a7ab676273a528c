// Builds Plans for tests without a spec file: sensible defaults (BTCUSDT linear 1h, 0.01 BTC
// market entries, no exits, no cooldowns, fees and slippage zero unless asked) and per-section
// overrides. Also candle and strategy builders for hand-checkable scenarios.
import { Decimal } from 'decimal.js';
import type { Plan } from '../../engine/plan/plan.ts';
import type { Candle, Interval } from '../../engine/market/candle.ts';
import { intervalMs } from '../../engine/market/candle.ts';
import type { InstrumentRules } from '../../engine/market/instrument.ts';
import { NO_SIGNALS, type Signal, type SignalAction, type Strategy } from '../../engine/strategy/strategy.ts';

export const d = (x: string | number): Decimal => new Decimal(x);

export type PlanPatch = { [K in keyof Plan]?: Partial<Plan[K]> };

export function makePlan(patch: PlanPatch = {}): Plan {
  const base: Plan = {
    name: 'test-bot',
    specFile: '/tmp/test-bot.yaml',
    specHash: '0'.repeat(64),
    market: { network: 'mainnet', category: 'linear', symbol: 'BTCUSDT', interval: '60' },
    strategy: { kind: 'module', path: '/tmp/strategy.ts', params: {} },
    directions: { long: true, short: true },
    entryGate: {},
    entryOrder: { type: 'market' },
    risk: { sizing: { kind: 'quantity', quantity: d('0.01') }, leverage: d(1) },
    exits: { placement: 'exchange' },
    cooldown: {},
    protections: {},
    run: { mode: 'paper', journal: '/tmp/journal.db', onShutdown: 'keep_position' },
    simulation: { initialEquity: d(10000), takerFeePercent: d(0), makerFeePercent: d(0), slippagePercent: d(0) },
  };
  const out = { ...base } as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    const key = k as keyof Plan;
    const b = base[key];
    out[key] = b !== null && typeof b === 'object' && v !== null && typeof v === 'object' ? { ...(b as object), ...(v as object) } : v;
  }
  return out as unknown as Plan;
}

/** Bybit BTCUSDT linear rules (tick 0.1, step 0.001, min notional 5). */
export const BTC_LINEAR: InstrumentRules = {
  symbol: 'BTCUSDT', category: 'linear', tickSize: d('0.1'), qtyStep: d('0.001'), minQty: d('0.001'), minNotional: d(5), maxLeverage: d(100),
};
export const BTC_SPOT: InstrumentRules = {
  symbol: 'BTCUSDT', category: 'spot', tickSize: d('0.01'), qtyStep: d('0.000001'), minQty: d('0.000001'), minNotional: d(5),
};

export const T0 = Date.UTC(2021, 9, 1, 0, 0); // 2021-10-01 00:00 UTC

/** Candles from [open, high, low, close] rows, one interval apart from `start`. */
export function candles(rows: [number, number, number, number][], start = T0, interval: Interval = '60'): Candle[] {
  const step = intervalMs(interval);
  return rows.map(([open, high, low, close], i) => ({ start: start + i * step, open, high, low, close, volume: 1 }));
}

/** n flat candles at `price` (open = high = low = close). */
export function flat(n: number, price: number): [number, number, number, number][] {
  return Array.from({ length: n }, () => [price, price, price, price] as [number, number, number, number]);
}

/** A strategy that emits the given signals on the given bar indices (0-based). */
export function scripted(script: Record<number, (SignalAction | Signal)[]>, preloadBars = 0): Strategy {
  let i = 0;
  return {
    warmupBars: preloadBars,
    preloadBars,
    onCandle(): readonly Signal[] {
      const s = script[i++];
      if (!s) return NO_SIGNALS;
      return s.map((x) => (typeof x === 'string' ? { action: x, reason: 'test' } : x));
    },
  };
}

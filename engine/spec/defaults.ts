// Defaults the schema documents and the plan builder applies, in one place.
import { Decimal } from 'decimal.js';
import type { Category } from '../plan/plan.ts';

/** Bybit's base-tier fee rates in percent of order value. */
export function defaultFees(category: Category): { taker: Decimal; maker: Decimal } {
  return category === 'spot'
    ? { taker: new Decimal('0.1'), maker: new Decimal('0.1') }
    : { taker: new Decimal('0.055'), maker: new Decimal('0.02') };
}

export const DEFAULT_INITIAL_EQUITY = new Decimal(10000);
export const DEFAULT_SLIPPAGE_PERCENT = new Decimal('0.02');

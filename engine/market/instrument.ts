// Exchange precision rules for one symbol. The engine rounds every order to these before it is
// sent (quantities down, stop prices toward safety) and skips orders below the minimums.
import type { Decimal } from 'decimal.js';

export interface InstrumentRules {
  symbol: string;
  category: 'linear' | 'spot';
  /** Price increment (`priceFilter.tickSize`). */
  tickSize: Decimal;
  /** Quantity increment: `lotSizeFilter.qtyStep` (linear) or `basePrecision` (spot). */
  qtyStep: Decimal;
  /** Smallest order quantity in base coin (`lotSizeFilter.minOrderQty`). */
  minQty: Decimal;
  /** Largest order quantity in base coin, if the exchange states one (market orders may be lower). */
  maxQty?: Decimal;
  /** Smallest order value in quote coin: `minNotionalValue` (linear) or `minOrderAmt` (spot). */
  minNotional: Decimal;
  /** Linear only: the exchange's leverage ceiling. */
  maxLeverage?: Decimal;
  /** Whether the symbol takes new orders: 'Trading', or the exchange's word for why not (PreLaunch, Delivering, Closed). */
  status?: string;
}

// Deterministic order ids. Every order the runner sends is named after the decision that caused
// it (bot, candle, purpose), so a retry, a crash-restart or a second look at the same candle
// re-sends the same orderLinkId and the exchange refuses a second copy (Bybit 110072).
import { createHash } from 'node:crypto';

/** What an order is for; one letter keeps ids short (Bybit allows 36 characters). */
export type OrderPurpose = 'entry' | 'exit' | 'protect';

const LETTER: Record<OrderPurpose, string> = { entry: 'e', exit: 'x', protect: 'p' };
const PURPOSE: Record<string, OrderPurpose> = { e: 'entry', x: 'exit', p: 'protect' };

/** 10 hex characters of SHA-256(name | symbol): stable across restarts, distinct per bot. */
export function botIdOf(name: string, symbol: string): string {
  return 'b' + createHash('sha256').update(`${name}|${symbol}`).digest('hex').slice(0, 9);
}

/** `<botId>-<candleStart base36>-<purpose letter>`, e.g. `b1a2b3c4d5-kuexc2o0-e` (≤ 24 chars). */
export function orderLinkIdFor(botId: string, candleStart: number, purpose: OrderPurpose, attempt = 1): string {
  return `${botId}-${candleStart.toString(36)}-${LETTER[purpose]}${attempt > 1 ? attempt : ''}`;
}

/** The purpose of one of this bot's ids, or undefined for anyone else's order. */
export function purposeOf(botId: string, orderLinkId: string): OrderPurpose | undefined {
  if (!orderLinkId.startsWith(botId + '-')) return undefined;
  // A retry for the rest of a partly filled close adds a digit: `…-x2`.
  return PURPOSE[orderLinkId.charAt(orderLinkId.lastIndexOf('-') + 1)];
}

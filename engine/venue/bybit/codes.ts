// Bybit v5 retCodes the adapter reacts to (reference §4). Grouped by what botctl does about them.

export const OK = 0;
/** Request time outside the recv window: resync the clock and retry once. */
export const TIMESTAMP_OUT_OF_WINDOW = 10002;
/** Per-UID rate limit: back off and retry. */
export const RATE_LIMITED = 10006;
/** Server error / service restarting: retry with jitter. */
export const SERVER_BUSY = new Set([10016, 10000]);

/** Keys wrong or lacking permission: the user must fix them. */
export const AUTH_FAILED: ReadonlyMap<number, string> = new Map([
  [10003, 'the API key is invalid (unknown to Bybit, deleted, or for another network)'],
  [10004, 'the request signature was rejected: the API secret does not belong to this API key'],
  [10005, 'the API key lacks a permission botctl needs (it must allow Contract/Spot trading and reading positions and wallet)'],
  [10007, 'the request was not authorised'],
  [10009, 'this IP address is banned by Bybit'],
  [10010, "this machine's IP address is not on the API key's allow-list"],
  [33004, 'the API key has expired'],
]);

/** Not enough balance or margin: the core records the entry as skipped. */
export const INSUFFICIENT_BALANCE = new Set([
  110004, // wallet balance insufficient
  110007, // available balance insufficient
  110012, // available balance insufficient
  110044, // available margin insufficient
  110045, // wallet balance insufficient (liquidation risk)
  110052, // insufficient available balance to add margin
  170131, // spot: balance insufficient
  170033, // spot: margin insufficient
]);

/** orderLinkId already used: the order exists, look it up. */
export const DUPLICATE_ORDER_LINK_ID = new Set([110072, 170141]);

/** Order unknown or already finished (amend/cancel). */
export const ORDER_NOT_FOUND = new Set([110001, 170213, 110008]);

/** Trade socket: a repeat login on a socket already logged in (bybit-api sends the login twice). */
export const REPEAT_AUTH = 20001;

/** Nothing to change: counts as success for leverage and trading stops. */
export const LEVERAGE_NOT_MODIFIED = 110043;
export const NOT_MODIFIED = 34040;

/** A conditional order's trigger is on the wrong side of the price (expect Rising / expect Falling). */
export const TRIGGER_PAST_PRICE = new Set([110092, 110093]);

/**
 * Bybit refuses a stop-loss or take-profit the price is already past with 10001 and a text such as
 * "StopLoss:495000000 set for Buy position should lower than base_price:490000000??LastPrice"
 * (trading-stop) or "sl:… set for Sell position should greater base_price:…" (create-order). Only the
 * shape is read, never the (scaled) numbers.
 */
const LEVEL_PAST_PRICE = /^\s*(StopLoss|sl|TakeProfit|tp)\s*:\s*-?\d+(\.\d+)?\s+set for (Buy|Sell) position should/i;

/** Which level a refusal says the price is already past, if it says so. */
export function levelPastPrice(retCode: number, retMsg: string): 'stopLoss' | 'takeProfit' | 'trigger' | undefined {
  if (TRIGGER_PAST_PRICE.has(retCode)) return 'trigger';
  const m = LEVEL_PAST_PRICE.exec(retMsg);
  if (!m) return undefined;
  return /^(StopLoss|sl)$/i.test(m[1] as string) ? 'stopLoss' : 'takeProfit';
}
/** A price or quantity off the instrument's grid (spot: too many decimals; linear: 110017 truncated to zero). */
export const PRECISION = new Set([170134, 170137]);

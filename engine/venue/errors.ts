// Typed failures a Venue reports, so the core can react by kind (record a skipped entry, stop the
// bot, reconcile) instead of parsing messages. Messages never contain keys or secrets.
import { UserError } from '../cli/exit.ts';

/** Base class; `code` is the exchange's own code when there is one (Bybit retCode or HTTP status). */
export class VenueError extends Error {
  constructor(message: string, readonly code?: number) {
    super(message);
    this.name = 'VenueError';
  }
}

/**
 * API key missing, unknown, wrong signature or lacking permission. The user must fix the keys;
 * retrying cannot help. Also a UserError so the CLI prints it plainly and exits 1.
 */
export class VenueAuthError extends UserError {
  constructor(message: string, readonly code?: number) {
    super(message);
    this.name = 'VenueAuthError';
  }
}

/**
 * The Bybit account is set up in a way botctl cannot trade (hedge mode, portfolio margin, a
 * classic account, leverage Bybit refuses). The message says what is wrong and how to change it;
 * retrying cannot help. A UserError, so the CLI prints it plainly and exits 1.
 */
export class VenueSetupError extends UserError {
  constructor(message: string, readonly code?: number) {
    super(message);
    this.name = 'VenueSetupError';
  }
}

/** Not enough balance/margin for the order: the core records the entry as skipped. */
export class InsufficientBalanceError extends VenueError {
  constructor(message: string, code?: number) {
    super(message, code);
    this.name = 'InsufficientBalanceError';
  }
}

/**
 * Why a refusal happened, when it matters for what to do next: 'nothing_to_reduce' (a reduce-only
 * order with no such position left: re-read the position), 'precision' (a price or quantity off
 * the instrument's grid: its rules may have changed, read them again), 'not_trading' (the symbol
 * takes no orders now: its status changed).
 */
export type RejectionKind = 'nothing_to_reduce' | 'precision' | 'not_trading';

/** The exchange refused the order (bad qty/price, too small, ...). */
export class OrderRejectedError extends VenueError {
  constructor(message: string, code?: number, readonly kind?: RejectionKind) {
    super(message, code);
    this.name = 'OrderRejectedError';
  }
}

/**
 * The exchange refused a stop-loss, take-profit or trigger because the price is already past it:
 * set now, it would fire at once. The caller acts as if it had fired (closes at market) rather than
 * retrying a level that can never be placed. `level` says which one.
 */
export class StopBeyondPriceError extends OrderRejectedError {
  /** `said`: the exchange's own words ("10001 StopLoss:… should lower than base_price:…"). */
  constructor(message: string, readonly level: 'stopLoss' | 'takeProfit' | 'trigger', readonly said: string, code?: number) {
    super(message, code);
    this.name = 'StopBeyondPriceError';
  }
}

/** Amend/cancel/lookup of an orderLinkId the exchange doesn't know. */
export class OrderNotFoundError extends VenueError {
  constructor(readonly orderLinkId: string, code?: number) {
    super(`the exchange has no order with orderLinkId "${orderLinkId}"`, code);
    this.name = 'OrderNotFoundError';
  }
}

/**
 * An order was sent but no answer came back, retries ran out, and a lookup could not tell whether
 * the exchange has it. The caller must reconcile with orderStatus(orderLinkId) later; re-sending
 * with the same orderLinkId is always safe.
 */
export class OrderStateUnknownError extends VenueError {
  /** `why`: what happened instead of an answer, in words for a decision record. */
  constructor(readonly orderLinkId: string, readonly why: string) {
    super(`order "${orderLinkId}" may or may not have been placed: ${why}`);
    this.name = 'OrderStateUnknownError';
  }
}

/** The exchange could not be reached, or kept failing/throttling, after bounded retries. */
export class VenueUnavailableError extends VenueError {
  constructor(message: string, code?: number) {
    super(message, code);
    this.name = 'VenueUnavailableError';
  }
}

/**
 * Bybit refused this machine's IP address (HTTP 403, "access too frequent": more than 600 requests
 * in 5 s, or a forbidden region). Bybit lifts the ban after about 10 minutes and asks clients to
 * send nothing meanwhile, so every request fails at once until `until` (ms, Bybit's clock); nothing
 * was sent, so an order refused this way certainly does not exist.
 */
export class VenueBannedError extends VenueUnavailableError {
  constructor(message: string, readonly until: number) {
    super(message, 403);
    this.name = 'VenueBannedError';
  }
}

/** The operation doesn't exist on this market (e.g. trading stops on spot). */
export class VenueUnsupportedError extends VenueError {
  constructor(message: string) {
    super(message);
    this.name = 'VenueUnsupportedError';
  }
}

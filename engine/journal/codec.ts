// Decimal ⇄ TEXT. Stored text is plain notation (never "1e-7"), exactly the value given.
import { Decimal } from 'decimal.js';
import { JournalError, type DecimalInput } from './types.ts';

export function decText(value: DecimalInput, field: string): string {
  let d: Decimal;
  try {
    d = Decimal.isDecimal(value) ? value : new Decimal(value);
  } catch {
    throw new JournalError(`${field} must be a decimal number, got ${JSON.stringify(value)}`);
  }
  if (!d.isFinite()) throw new JournalError(`${field} must be a finite decimal number, got ${d.toString()}`);
  return d.toFixed();
}

export function optDecText(value: DecimalInput | null | undefined, field: string): string | null {
  return value === undefined || value === null || value === '' ? null : decText(value, field);
}

/** Stored text back to a Decimal. Open-time checks (health.ts) catch bad values first; this is the last guard. */
export function dec(text: string): Decimal {
  try {
    return new Decimal(text);
  } catch {
    throw new JournalError(`the journal holds ${JSON.stringify(String(text).slice(0, 30))} where a number belongs; it was changed outside botctl`);
  }
}

export function optDec(text: string | null): Decimal | null {
  return text === null ? null : dec(text);
}

/** Event times are integer UTC milliseconds; anything else would corrupt ordering silently. */
export function eventTime(value: number, field = 'time'): number {
  if (!Number.isSafeInteger(value)) throw new JournalError(`${field} must be UTC milliseconds (an integer), got ${String(value)}`);
  return value;
}

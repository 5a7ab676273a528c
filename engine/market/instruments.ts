// Exchange precision rules for offline use (backtests without network): a bundled copy of Bybit's
// instruments-info for the symbols the examples trade, and a loader for a rules file the user
// saved (`--instrument-file`). Live trading reads the rules from the exchange instead.
import { readFile } from 'node:fs/promises';
import { Decimal } from 'decimal.js';
import { UserError } from '../cli/exit.ts';
import type { Category } from '../plan/plan.ts';
import type { InstrumentRules } from './instrument.ts';

type RawRules = { tickSize: string; qtyStep: string; minQty: string; minNotional: string; maxQty?: string; maxLeverage?: string };

// From Bybit v5 GET /v5/market/instruments-info (linear: priceFilter.tickSize, lotSizeFilter.qtyStep,
// minOrderQty, minNotionalValue; spot: tickSize, basePrecision as the step, minOrderAmt).
const BUNDLED: Record<Category, Record<string, RawRules>> = {
  linear: {
    BTCUSDT: { tickSize: '0.10', qtyStep: '0.001', minQty: '0.001', minNotional: '5', maxLeverage: '100' },
    ETHUSDT: { tickSize: '0.01', qtyStep: '0.01', minQty: '0.01', minNotional: '5', maxLeverage: '100' },
  },
  spot: {
    BTCUSDT: { tickSize: '0.01', qtyStep: '0.000001', minQty: '0.000001', minNotional: '5' },
    ETHUSDT: { tickSize: '0.01', qtyStep: '0.00001', minQty: '0.00001', minNotional: '5' },
  },
};

function build(symbol: string, category: Category, raw: RawRules): InstrumentRules {
  const r: InstrumentRules = {
    symbol, category,
    tickSize: new Decimal(raw.tickSize), qtyStep: new Decimal(raw.qtyStep),
    minQty: new Decimal(raw.minQty), minNotional: new Decimal(raw.minNotional),
  };
  if (raw.maxQty !== undefined) r.maxQty = new Decimal(raw.maxQty);
  if (raw.maxLeverage !== undefined) r.maxLeverage = new Decimal(raw.maxLeverage);
  return r;
}

/** The bundled rules for a symbol, or a UserError saying how to supply them. */
export function bundledInstrument(symbol: string, category: Category): InstrumentRules {
  const raw = BUNDLED[category][symbol];
  if (!raw) {
    const known = Object.keys(BUNDLED[category]).join(', ');
    throw new UserError(
      `no offline instrument rules for ${symbol} (${category}); botctl bundles ${known}.\n` +
      `  hint: pass --instrument-file FILE with the symbol's tick size, quantity step and minimums, e.g.\n` +
      `  {"symbol":"${symbol}","category":"${category}","tickSize":"0.01","qtyStep":"0.01","minQty":"0.01","minNotional":"5"}\n` +
      `  (Bybit's GET /v5/market/instruments-info response for the symbol is accepted as well)`,
    );
  }
  return build(symbol, category, raw);
}

/**
 * Reads rules from a JSON file: either the flat form above or a saved Bybit instruments-info
 * response (`{"result":{"list":[…]}}` or one list item).
 */
export async function loadInstrumentFile(file: string, symbol: string, category: Category): Promise<InstrumentRules> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UserError(`cannot read instrument file ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  }
  const fail = (why: string): never => {
    throw new UserError(`instrument file ${file}: ${why}`);
  };
  let items: unknown[] = [data];
  const list = (data as { result?: { list?: unknown[] } })?.result?.list;
  if (Array.isArray(list)) items = list;
  else if (Array.isArray(data)) items = data;
  const item = items.find((x) => (x as { symbol?: string })?.symbol === symbol) as Record<string, unknown> | undefined;
  if (!item) return fail(`no entry for symbol ${symbol}`);
  const pf = (item.priceFilter ?? {}) as Record<string, string>;
  const lf = (item.lotSizeFilter ?? {}) as Record<string, string>;
  const lev = (item.leverageFilter ?? {}) as Record<string, string>;
  const pick = (name: string, ...vals: unknown[]): string => {
    const v = vals.find((x) => typeof x === 'string' || typeof x === 'number');
    if (v === undefined) return fail(`missing ${name} for ${symbol}`);
    const s = String(v);
    let dec: Decimal;
    try {
      dec = new Decimal(s);
    } catch {
      return fail(`${name} "${s}" is not a number`);
    }
    if (dec.isNegative() || (name !== 'minNotional' && dec.isZero())) fail(`${name} must be positive, got ${s}`);
    return s;
  };
  const raw: RawRules = {
    tickSize: pick('tickSize', item.tickSize, pf.tickSize),
    qtyStep: pick('qtyStep', item.qtyStep, lf.qtyStep, lf.basePrecision),
    minQty: pick('minQty', item.minQty, lf.minOrderQty),
    minNotional: pick('minNotional', item.minNotional, lf.minNotionalValue, lf.minOrderAmt),
  };
  // Entries are mostly market orders, which Bybit caps lower than limit orders (the live venue
  // reads the same ceiling): linear maxMktOrderQty, spot maxMarketOrderQty.
  const maxQty = item.maxQty ?? lf.maxMktOrderQty ?? lf.maxMarketOrderQty ?? lf.maxOrderQty;
  if (maxQty !== undefined) raw.maxQty = String(maxQty);
  const maxLev = item.maxLeverage ?? lev.maxLeverage;
  if (maxLev !== undefined) raw.maxLeverage = String(maxLev);
  return build(symbol, category, raw);
}

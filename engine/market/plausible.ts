// Is this file really the market the bot trades? Two cheap checks made before a backtest runs on
// the wrong prices: the symbol the data names (a `# symbol:` line, the kline cache folder or the
// file name) must be the spec's, and for the symbols botctl knows, the first candle's price must
// lie in the range the coin actually traded in that year.
import { basename, sep } from 'node:path';

/** Quote coins a symbol can end with (BTCUSDT, ETHBTC, BTCUSD ...). */
const QUOTES = ['USDT', 'USDC', 'BUSD', 'FDUSD', 'USD', 'DAI', 'EUR', 'BTC', 'ETH', 'PERP'];

export interface FoundSymbol {
  symbol: string;
  /** Where it was read, in the trader's words. */
  from: string;
}

/**
 * The symbol a candle file names: its `# symbol:` line, the kline cache path
 * (…/klines/<category>/<SYMBOL>/<interval>/…), or an all-capitals word of the file name that ends
 * in a quote coin (`BTCUSDT-1h-2022.csv`, `BYBIT_BTCUSDT.P, 60.csv`, `ETHUSDT-15m-2024-01.csv`).
 */
export function symbolOfFile(file: string, metaSymbol: string | undefined): FoundSymbol | undefined {
  if (metaSymbol) return { symbol: metaSymbol.toUpperCase(), from: 'its "# symbol:" line' };
  const parts = file.split(sep);
  const k = parts.lastIndexOf('klines');
  if (k >= 0 && (parts[k + 1] === 'linear' || parts[k + 1] === 'spot') && parts[k + 2]) return { symbol: parts[k + 2] as string, from: 'its folder in the kline cache' };
  for (const word of basename(file).split(/[^A-Za-z0-9]+/)) {
    if (word.length < 5 || word !== word.toUpperCase() || !/^[A-Z0-9]+$/.test(word)) continue;
    if (QUOTES.some((q) => word.endsWith(q) && word.length > q.length && /[A-Z]/.test(word.slice(0, -q.length)))) return { symbol: word, from: 'its file name' };
  }
  return undefined;
}

// Yearly low and high (USDT, rounded outward) of the coins botctl bundles instrument rules for.
// A first candle below low ÷ 2 or above high × 2 for its year is not this coin. Years after the
// table use the last year's range widened four times either way; years before it are not checked.
const YEARLY: Record<string, Record<number, [number, number]>> = {
  BTC: {
    2017: [750, 20_000], 2018: [3_100, 17_300], 2019: [3_300, 14_000], 2020: [3_700, 29_400], 2021: [28_000, 69_100],
    2022: [15_400, 48_300], 2023: [16_400, 45_000], 2024: [38_500, 108_400], 2025: [74_000, 126_300],
  },
  ETH: {
    2017: [8, 900], 2018: [80, 1_430], 2019: [100, 370], 2020: [85, 760], 2021: [710, 4_880],
    2022: [870, 3_900], 2023: [1_180, 2_450], 2024: [2_100, 4_110], 2025: [1_380, 4_960],
  },
};

/** The price range `symbol` plausibly traded in during `time`'s year, or undefined when unknown. */
export function plausibleRange(symbol: string, time: number): [number, number] | undefined {
  const m = /^(BTC|ETH)(USDT|USDC|USD)$/.exec(symbol);
  const table = m ? YEARLY[m[1] as string] : undefined;
  if (!table) return undefined;
  const year = new Date(time).getUTCFullYear();
  const years = Object.keys(table).map(Number);
  const last = Math.max(...years);
  if (year < Math.min(...years)) return undefined;
  const [lo, hi] = table[Math.min(year, last)] as [number, number];
  const widen = year > last ? 4 : 2;
  return [lo / widen, hi * widen];
}

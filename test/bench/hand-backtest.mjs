// The yardstick for `botctl backtest`: the flagship bot (bots/btc-ema.yaml) written by hand as one
// plain-JavaScript loop, the program a trader might write instead of using botctl. It reads the
// candle CSV in chunks (splitting lines and fields, or with --bytes parsing the bytes directly as
// botctl does), computes EMA(9), EMA(21), RSI(14) and ATR(14) as TradingView does, and
// trades the same rules: crossover entries with the RSI filter, crossunder exits, market fills at
// the next open with slippage, ATR stop-loss and 2R take-profit checked intrabar (stop first),
// 1 % risk sizing capped at 30,000 USDT and 3× leverage, taker fees, the 3-bar / 12-hour
// cooldowns, and the daily-loss, drawdown and trades-per-day pauses. Floats throughout, no
// decision records, no Decimal: the least work that backtest can be done with.
//
//   node test/bench/hand-backtest.mjs CANDLES.csv [--bytes]     prints {"candles":…,"trades":…,"netPnl":…}
import { closeSync, openSync, readSync } from 'node:fs';

const file = process.argv[2];
if (!file) throw new Error('usage: node test/bench/hand-backtest.mjs CANDLES.csv');

const FAST = 9, SLOW = 21, RSI_LEN = 14, ATR_LEN = 14, PRELOAD = 126;
const FEE = 0.00055, SLIP = 0.0002, TICK = 0.1, STEP = 0.001, RISK = 0.01, MAX_QUOTE = 30000, LEVERAGE = 3;
const MINUTE = 60_000, DAY = 86_400_000, COOLDOWN_EXIT_BARS = 3, COOLDOWN_LOSS_MS = 12 * 3_600_000;

// Indicators (Pine: EMA and RMA seeded with the SMA of their first `length` values).
const emaF = { n: 0, sum: 0, v: NaN }, emaS = { n: 0, sum: 0, v: NaN };
function ema(s, len, x) {
  if (s.n < len) {
    s.sum += x;
    if (++s.n === len) s.v = s.sum / len;
  } else s.v += (2 / (len + 1)) * (x - s.v);
  return s.v;
}
const rmaUp = { n: 0, sum: 0, v: NaN }, rmaDown = { n: 0, sum: 0, v: NaN }, rmaTr = { n: 0, sum: 0, v: NaN };
function rma(s, len, x) {
  if (s.n < len) {
    s.sum += x;
    if (++s.n === len) s.v = s.sum / len;
  } else s.v += (x - s.v) / len;
  return s.v;
}

// Account and position.
let equity = 10000, peak = 10000, side = 0, qty = 0, entry = 0, stop = 0, target = 0;
let pending = 0; // +1 buy / -1 sell entry at the next open, 2 = close at the next open
let pendingStop = 0, pendingTarget = 0, pendingQty = 0;
let cooldownBar = -1, cooldownUntil = 0, trades = 0, bar = 0, candles = 0;
let day = -1, dayStartEquity = 0, dayPnl = 0, dayEntries = 0, dailyPaused = false, ddPausedUntil = 0;
let prevClose = NaN, prevFast = NaN, prevSlow = NaN, dayReturnsSum = 0, dayReturnsSq = 0, days = 0, lastDayEquity = 10000;

function closePosition(price, time) {
  const pnl = side * (price - entry) * qty - price * qty * FEE;
  equity += pnl;
  dayPnl += pnl;
  trades++;
  side = 0;
  cooldownBar = bar + COOLDOWN_EXIT_BARS;
  if (pnl < 0) cooldownUntil = time + COOLDOWN_LOSS_MS;
  if (dayPnl <= -0.03 * dayStartEquity) dailyPaused = true;
}

function onCandle(t, open, high, low, close) {
  candles++;
  const d = Math.floor(t / DAY);
  if (d !== day) {
    if (day >= 0) {
      const r = equity / lastDayEquity - 1;
      dayReturnsSum += r;
      dayReturnsSq += r * r;
      days++;
    }
    day = d;
    lastDayEquity = dayStartEquity = equity;
    dayPnl = 0;
    dayEntries = 0;
    dailyPaused = false;
  }
  // Fills at this open: the close or entry decided on the previous candle.
  if (pending === 2) closePosition(open * (1 - side * SLIP), t);
  else if (pending !== 0) {
    const price = open * (1 + pending * SLIP);
    side = pending;
    qty = pendingQty;
    entry = price;
    stop = pendingStop;
    target = pendingTarget;
    equity -= price * qty * FEE;
    dayPnl -= price * qty * FEE;
    dayEntries++;
  }
  pending = 0;
  // Stop and target inside the candle, stop first; a gap through fills at the open.
  if (side === 1 && low <= stop) closePosition(Math.min(open, stop) * (1 - SLIP), t + MINUTE);
  else if (side === 1 && high >= target) closePosition(Math.max(open, target) * (1 - SLIP), t + MINUTE);
  else if (side === -1 && high >= stop) closePosition(Math.max(open, stop) * (1 + SLIP), t + MINUTE);
  else if (side === -1 && low <= target) closePosition(Math.min(open, target) * (1 + SLIP), t + MINUTE);

  const fast = ema(emaF, FAST, close), slow = ema(emaS, SLOW, close);
  const change = close - prevClose;
  const up = rma(rmaUp, RSI_LEN, change > 0 ? change : 0), down = rma(rmaDown, RSI_LEN, change < 0 ? -change : 0);
  const tr = Number.isNaN(prevClose) ? high - low : Math.max(high - low, Math.abs(high - prevClose), Math.abs(low - prevClose));
  const atr = rma(rmaTr, ATR_LEN, tr);
  const rsi = down === 0 ? 100 : up === 0 ? 0 : 100 - 100 / (1 + up / down);
  const crossUp = fast > slow && prevFast <= prevSlow, crossDown = fast < slow && prevFast >= prevSlow;
  prevClose = close;
  prevFast = fast;
  prevSlow = slow;

  const eq = equity + (side !== 0 ? side * (close - entry) * qty : 0);
  if (eq > peak) peak = eq;
  if (ddPausedUntil === 0 && eq <= 0.85 * peak) ddPausedUntil = t + MINUTE + DAY;
  if (ddPausedUntil !== 0 && t + MINUTE >= ddPausedUntil) {
    ddPausedUntil = 0;
    peak = eq;
  }
  if (bar++ < PRELOAD) return;

  if ((side === 1 && crossDown) || (side === -1 && crossUp)) {
    pending = 2;
    return;
  }
  const want = crossUp && rsi < 70 ? 1 : crossDown && rsi > 30 ? -1 : 0;
  if (want === 0 || side !== 0) return;
  if (dailyPaused || ddPausedUntil !== 0 || dayEntries >= 6 || bar <= cooldownBar || t + MINUTE < cooldownUntil) return;
  const dist = 2 * atr;
  const sl = want === 1 ? Math.ceil((close - dist) / TICK) * TICK : Math.floor((close + dist) / TICK) * TICK;
  const tp = want === 1 ? Math.floor((close + 2 * (close - sl)) / TICK) * TICK : Math.ceil((close - 2 * (sl - close)) / TICK) * TICK;
  const ref = close * (1 + want * SLIP);
  let q = (equity * RISK) / Math.abs(close - sl);
  q = Math.min(q, MAX_QUOTE / close, equity / (ref * (1 / LEVERAGE + FEE)));
  q = Math.floor(q / STEP) * STEP;
  if (q < STEP) return;
  pending = want;
  pendingQty = q;
  pendingStop = sl;
  pendingTarget = tp;
}

// The CSV (header start_ms,open,high,low,close,volume), 1 MB at a time.
function readSplit(fd) {
  // As most people would write it: lines split on '\n', fields on ',', numbers by Number().
  const buf = Buffer.allocUnsafe(1 << 20);
  let rest = '', header = true, n;
  while ((n = readSync(fd, buf, 0, buf.length, null)) > 0) {
    const lines = (rest + buf.toString('latin1', 0, n)).split('\n');
    rest = lines.pop();
    for (const line of lines) {
      if (header) header = false;
      else if (line !== '') {
        const f = line.split(',');
        onCandle(+f[0], +f[1], +f[2], +f[3], +f[4]);
      }
    }
  }
  if (rest !== '') {
    const f = rest.split(',');
    onCandle(+f[0], +f[1], +f[2], +f[3], +f[4]);
  }
}

function readBytes(fd) {
  // As botctl's reader does it: numbers straight from the bytes, no strings: digits into an
  // integer, then one division by a power of ten (exact, as Number() is, for ≤ 15 digits).
  const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];
  const buf = Buffer.allocUnsafe(1 << 20);
  const fields = new Float64Array(6);
  let field = 0, int = 0, scale = -1, header = true, n, carry = 0;
  const emit = () => {
    fields[5] = scale < 0 ? int : int / POW10[scale];
    onCandle(fields[0], fields[1], fields[2], fields[3], fields[4]);
  };
  while ((n = readSync(fd, buf, carry, buf.length - carry, null)) > 0 || carry > 0) {
    const end = carry + n;
    let lineStart = 0;
    for (let i = 0; i < end; i++) {
      const c = buf[i];
      if (c === 10) {
        if (header) header = false;
        else if (field === 5) emit();
        field = 0; int = 0; scale = -1; lineStart = i + 1;
      } else if (header) continue;
      else if (c === 44) {
        fields[field++] = scale < 0 ? int : int / POW10[scale];
        int = 0; scale = -1;
      } else if (c === 46) scale = 0;
      else if (c !== 13) {
        int = int * 10 + (c - 48);
        if (scale >= 0) scale++;
      }
    }
    if (n === 0) break; // a last line without a line end, parsed whole above
    // The unfinished last line moves to the buffer's start and is parsed again with the next chunk.
    buf.copy(buf, 0, lineStart, end);
    carry = end - lineStart;
    field = 0; int = 0; scale = -1;
  }
  if (field === 5) emit();
}

const fd = openSync(file, 'r');
if (process.argv.includes('--bytes')) readBytes(fd);
else readSplit(fd);
closeSync(fd);
if (side !== 0) closePosition(prevClose, 0);
const mean = dayReturnsSum / days;
const sharpe = (mean / Math.sqrt(dayReturnsSq / days - mean * mean)) * Math.sqrt(365);
process.stdout.write(`${JSON.stringify({ candles, trades, netPnl: +(equity - 10000).toFixed(2), sharpe: +sharpe.toFixed(2) })}\n`);

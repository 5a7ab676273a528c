// Performance figures, accumulated while the backtest streams: O(1) memory whatever the history
// length. Money totals (P&L, fees, profit factor) are Decimal from the trades; curve statistics
// (drawdown, Sharpe, Sortino, exposure) are float64 from the per-candle equity, as statistics.
//
// Sharpe and Sortino use DAILY returns (UTC days, equity at each day's last close), annualised
// with √365 because crypto trades every day; risk-free rate 0. Sortino's downside deviation is
// √(mean(min(r, 0)²)) over all days.
import { Decimal } from 'decimal.js';
import { BreakdownAccumulator, type TradeBreakdown, type TradeWithExcursion } from './breakdown.ts';

export interface Metrics {
  initialEquity: Decimal;
  finalEquity: Decimal;
  netPnl: Decimal;
  returnPercent: Decimal;
  maxDrawdownPercent: number;
  maxDrawdown: number;
  sharpe: number | null;
  sortino: number | null;
  tradeCount: number;
  winRatePercent: number | null;
  /** Gross profit of winners / gross loss of losers (net of fees); null without a losing trade. */
  profitFactor: Decimal | null;
  wins: number;
  losses: number;
  /** Net P&L of the winners, and of the losers as a positive amount. */
  grossProfit: Decimal;
  grossLoss: Decimal;
  /** Average net P&L per trade in quote coin. */
  averageTrade: Decimal | null;
  /** Average R multiple per trade (net P&L / initial risk at the stop), over trades with a stop. */
  expectancyR: number | null;
  /** Trades with a stop, which expectancyR averages over. */
  rTrades: number;
  averageWin: Decimal | null;
  averageLoss: Decimal | null;
  /** Share of candles that ended with a position open. */
  exposurePercent: number;
  fees: Decimal;
  bars: number;
  days: number;
  /** Lowest and highest equity at a candle close (float, as the drawdown is measured). */
  lowEquity: number;
  highEquity: number;
  /** The daily returns behind Sharpe and Sortino, so runs over consecutive periods can be joined. */
  daily: DailyReturns;
  /** Per UTC calendar month: the equity's return from the previous month's last close (the first month: from the start). */
  monthly: { month: string; returnPercent: number }[];
  /** The longest stretch below an earlier equity peak: from the peak to the close that regained it (null: still below at the end). */
  longestDrawdown: { ms: number; from: number; to: number | null } | null;
  /** Long/short split, exit reasons, durations, excursions. */
  breakdown: TradeBreakdown;
}

export interface DailyReturns {
  count: number;
  sum: number;
  sumSq: number;
  /** Sum of squares of the negative days. */
  downSq: number;
}

const DAY = 86_400_000;

export class MetricsAccumulator {
  private bars = 0;
  private inPositionBars = 0;
  private peak = -Infinity;
  private low = Infinity;
  private maxDd = 0;
  private maxDdPct = 0;
  private day = NaN;
  private dayEquity = NaN;
  private prevDayEquity = NaN;
  private nDays = 0;
  private sum = 0;
  private sumSq = 0;
  private downSq = 0;
  private trades = 0;
  private wins = 0;
  private losses = 0;
  private grossWin = new Decimal(0);
  private grossLoss = new Decimal(0);
  private netSum = new Decimal(0);
  private fees = new Decimal(0);
  private rSum = 0;
  private rCount = 0;
  private readonly breakdown = new BreakdownAccumulator();
  private month = '';
  private monthStart: number;
  private monthLast = NaN;
  private readonly monthly: { month: string; returnPercent: number }[] = [];
  private peakTime = NaN;
  private underwaterFrom = NaN;
  private lastTime = NaN;
  private longest: { ms: number; from: number; to: number | null } | null = null;

  constructor(private readonly initialEquity: Decimal) {
    this.prevDayEquity = initialEquity.toNumber();
    this.monthStart = this.prevDayEquity;
  }

  /** Once per candle, after its close: equity (float) and whether a position is open. */
  onBar(start: number, equity: number, inPosition: boolean): void {
    this.bars++;
    if (inPosition) this.inPositionBars++;
    if (equity >= this.peak) {
      if (this.underwaterFrom === this.underwaterFrom) this.endUnderwater(start);
      this.peakTime = start;
    } else if (this.underwaterFrom !== this.underwaterFrom) this.underwaterFrom = this.peakTime;
    this.lastTime = start;
    if (equity > this.peak) this.peak = equity;
    if (equity < this.low) this.low = equity;
    const dd = this.peak - equity;
    if (dd > this.maxDd) this.maxDd = dd;
    const ddPct = this.peak > 0 ? dd / this.peak : 0;
    if (ddPct > this.maxDdPct) this.maxDdPct = ddPct;
    const d = Math.floor(start / DAY);
    if (d !== this.day) {
      if (this.day === this.day) this.closeDay();
      this.day = d;
    }
    this.dayEquity = equity;
  }

  private endUnderwater(to: number | null): void {
    const ms = (to ?? this.lastTime) - this.underwaterFrom;
    if (this.longest === null || ms > this.longest.ms) this.longest = { ms, from: this.underwaterFrom, to };
    this.underwaterFrom = NaN;
  }

  private closeDay(): void {
    const month = new Date(this.day * DAY).toISOString().slice(0, 7);
    if (month !== this.month) {
      if (this.month) this.closeMonth();
      this.month = month;
    }
    this.monthLast = this.dayEquity;
    const r = this.prevDayEquity > 0 ? this.dayEquity / this.prevDayEquity - 1 : 0;
    this.nDays++;
    this.sum += r;
    this.sumSq += r * r;
    if (r < 0) this.downSq += r * r;
    this.prevDayEquity = this.dayEquity;
  }

  private closeMonth(): void {
    this.monthly.push({ month: this.month, returnPercent: this.monthStart > 0 ? (this.monthLast / this.monthStart - 1) * 100 : 0 });
    this.monthStart = this.monthLast;
  }

  onTrade(t: TradeWithExcursion): void {
    this.breakdown.onTrade(t);
    this.trades++;
    this.fees = this.fees.add(t.fees);
    this.netSum = this.netSum.add(t.netPnl);
    if (t.netPnl.gt(0)) {
      this.wins++;
      this.grossWin = this.grossWin.add(t.netPnl);
    } else if (t.netPnl.lt(0)) {
      this.losses++;
      this.grossLoss = this.grossLoss.add(t.netPnl.neg());
    }
    if (t.stopLoss !== null) {
      const risk = t.entryPrice.sub(t.stopLoss).abs().mul(t.qty);
      if (risk.gt(0)) {
        this.rSum += t.netPnl.div(risk).toNumber();
        this.rCount++;
      }
    }
  }

  finish(finalEquity: Decimal): Metrics {
    // A position still open at the end is closed after the last candle (slippage, exit fee): that
    // final equity is the curve's last point, for the drawdown and the last day's return too.
    if (this.day === this.day) {
      const eq = finalEquity.toNumber();
      if (eq > this.peak) this.peak = eq;
      if (eq < this.low) this.low = eq;
      const dd = this.peak - eq;
      if (dd > this.maxDd) this.maxDd = dd;
      const ddPct = this.peak > 0 ? dd / this.peak : 0;
      if (ddPct > this.maxDdPct) this.maxDdPct = ddPct;
      this.dayEquity = eq;
      this.closeDay();
      this.closeMonth();
      if (eq < this.peak && this.underwaterFrom !== this.underwaterFrom) this.underwaterFrom = this.peakTime;
    }
    if (this.underwaterFrom === this.underwaterFrom) this.endUnderwater(null);
    this.day = NaN;
    const daily = { count: this.nDays, sum: this.sum, sumSq: this.sumSq, downSq: this.downSq };
    const { sharpe, sortino } = dailyRatios(daily);
    const netPnl = finalEquity.sub(this.initialEquity);
    return {
      initialEquity: this.initialEquity,
      finalEquity,
      netPnl,
      returnPercent: this.initialEquity.isZero() ? new Decimal(0) : netPnl.div(this.initialEquity).mul(100),
      maxDrawdownPercent: this.maxDdPct * 100,
      maxDrawdown: this.maxDd,
      sharpe,
      sortino,
      tradeCount: this.trades,
      winRatePercent: this.trades > 0 ? (this.wins / this.trades) * 100 : null,
      profitFactor: this.grossLoss.gt(0) ? this.grossWin.div(this.grossLoss) : null,
      wins: this.wins,
      losses: this.losses,
      grossProfit: this.grossWin,
      grossLoss: this.grossLoss,
      averageTrade: this.trades > 0 ? this.netSum.div(this.trades) : null,
      expectancyR: this.rCount > 0 ? this.rSum / this.rCount : null,
      rTrades: this.rCount,
      averageWin: this.wins > 0 ? this.grossWin.div(this.wins) : null,
      averageLoss: this.losses > 0 ? this.grossLoss.div(this.losses).neg() : null,
      exposurePercent: this.bars > 0 ? (this.inPositionBars / this.bars) * 100 : 0,
      fees: this.fees,
      bars: this.bars,
      days: daily.count,
      lowEquity: this.low === Infinity ? this.initialEquity.toNumber() : this.low,
      highEquity: this.peak === -Infinity ? this.initialEquity.toNumber() : this.peak,
      daily,
      monthly: this.monthly,
      longestDrawdown: this.longest,
      breakdown: this.breakdown.finish(),
    };
  }
}

/** Sharpe and Sortino from daily returns: annualised with √365, risk-free rate 0. */
export function dailyRatios(d: DailyReturns): { sharpe: number | null; sortino: number | null } {
  const n = d.count;
  const mean = n > 0 ? d.sum / n : 0;
  const variance = n > 1 ? (d.sumSq - n * mean * mean) / (n - 1) : 0;
  const std = Math.sqrt(Math.max(0, variance));
  const down = n > 0 ? Math.sqrt(d.downSq / n) : 0;
  const ann = Math.sqrt(365);
  return { sharpe: n > 1 && std > 0 ? (mean / std) * ann : null, sortino: n > 1 && down > 0 ? (mean / down) * ann : null };
}

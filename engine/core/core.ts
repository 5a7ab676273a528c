// The decision core: given the plan, its own state, a closed candle and the strategy's signals, it
// decides what to do (intents) and writes down why (decision records). Pure and deterministic: no
// I/O, no clock; time comes from candles and fills. The same core drives backtests (simulated
// exchange) and paper/live trading (Bybit venue); it never knows which.
//
// Event order per closed candle, as a venue must call it:
//   1. onFill / onEntryRejected for everything that happened during the candle,
//   2. onCandle(candle, signals, account) once the candle has closed → intents to execute.
//
// Product decisions (tested in test/engine):
// - A signal to enter a side the plan does not trade is skipped before anything else: it never
//   closes the other side either.
// - An entry signal while holding the opposite side closes the position and skips the entry; a
//   new entry needs a fresh signal after the exit. (Reversing in one step would double the order
//   flow exactly when the market is moving against the bot.)
// - An entry signal while already holding that side, or while an entry order works, is skipped.
// - Exit signals with nothing to exit are recorded as no-ops.
// - A missing strength/confidence counts as failing a configured min_strength/min_confidence.
// - Placement 'bot': stops and targets are checked against each closed candle's close and exit
//   with a market order at the next open. Placement 'exchange': the venue holds them and reports
//   the fill; the core records it.
// - Trailing stops follow the closed candle's close (close − distance for a long), only in the
//   favourable direction, by at least one tick, and never to or beyond the close itself.
import { Decimal } from 'decimal.js';
import type { Plan, Span } from '../plan/plan.ts';
import type { Candle } from '../market/candle.ts';
import { candleStartAt, intervalMs as intervalLength } from '../market/candle.ts';
import type { InstrumentRules } from '../market/instrument.ts';
import type { Signal, SignalAction } from '../strategy/strategy.ts';
import { WilderAtr } from './atr.ts';
import { blockingCooldown, cooldownMultiplier, countInWindow, pruneCooldowns, startCooldown, stretchSpan, type CooldownCause } from './cooldown.ts';
import { dayStart, fmtDec, fmtNum, fmtTime, utcDay } from './format.ts';
import { roundLimitEntry, type Side } from './precision.ts';
import { decimalTicks, priceTicks, snapTicks } from './ticks.ts';
import { entryLevels, maxQtyBound, sizeEntry } from './sizing.ts';
import { initialState, type CoreState, type PositionState } from './state.ts';
import type { AccountView, Decision, DecisionKind, DecisionOutcome, ExitReason, Fill, Intent } from './types.ts';

const HUNDRED = new Decimal(100);
const LABEL: Record<SignalAction, string> = { enter_long: 'BUY', enter_short: 'SELL SHORT', exit_long: 'EXIT LONG', exit_short: 'EXIT SHORT' };
export const EXIT_WORDS: Record<ExitReason, string> = {
  signal: 'exit signal', stop_loss: 'stop-loss', take_profit: 'take-profit', trailing_stop: 'trailing stop', reverse: 'opposite signal', end_of_data: 'end of data',
  liquidation: 'liquidation', adl: 'auto-deleveraging',
};

export class DecisionCore {
  readonly state: CoreState;
  private readonly interval: number;
  private readonly atrs = new Map<number, WilderAtr>();
  /** The same ATRs as an array: iterating a Map allocates an iterator every candle. */
  private readonly atrList: WilderAtr[];
  private readonly out: Intent[] = [];
  private readonly tick: number;
  private readonly minQtyF: number;
  private readonly minNotionalF: number;
  private readonly takerFee: Decimal;
  private readonly slippage: Decimal;
  private readonly ddFraction: number;
  /** halt_below_equity as a float (NaN when not set). */
  private readonly floorF: number;
  /** "`botctl resume btc-ema`": what lifts a pause that only the trader can lift. */
  private readonly resumeCommand: string;
  // The trailing stop's distance and activation as floats: they are read on every candle in a position.
  private readonly trailDistF: number;
  private readonly trailActF: number;
  // The position's levels in whole ticks for the per-bar checks (ticks.ts; derived, never journaled).
  private stopT = NaN;
  private targetT = NaN;
  private entryT = NaN;
  /** Ticks in favour that start the trail, for percent and risk-reward activations (exact, per position). */
  private activationT = NaN;
  private long = true;
  /** Equity at the last close (float), the day-start equity when a fill is the first news of a new UTC day. */
  private lastEquityF = NaN;

  constructor(
    readonly plan: Plan,
    readonly rules: InstrumentRules,
    /** Where decision records go; null when nobody reads them (a sweep's backtests): none is written. */
    private readonly record: ((d: Decision) => void) | null,
    state?: CoreState,
  ) {
    this.interval = intervalLength(plan.market.interval);
    this.tick = rules.tickSize.toNumber();
    this.minQtyF = rules.minQty.toNumber();
    this.minNotionalF = rules.minNotional.toNumber();
    this.takerFee = plan.simulation.takerFeePercent.div(HUNDRED);
    this.slippage = plan.simulation.slippagePercent.div(HUNDRED);
    this.ddFraction = plan.protections.maxDrawdownPercent ? plan.protections.maxDrawdownPercent.toNumber() / 100 : NaN;
    this.floorF = plan.protections.haltBelowEquity ? plan.protections.haltBelowEquity.toNumber() : NaN;
    this.resumeCommand = `\`botctl resume ${plan.name}\``;
    const trail = plan.exits.trailingStop;
    this.trailDistF = !trail ? NaN : trail.distance.kind === 'percent' ? trail.distance.percent.toNumber() : trail.distance.multiple.toNumber();
    const act = trail?.activation;
    this.trailActF = !act ? NaN : act.kind === 'percent' ? act.percent.toNumber() : act.multiple.toNumber();
    this.state = state ?? initialState();
    for (const s of this.state.atr) this.atrs.set(s.length, WilderAtr.fromState(s));
    for (const len of atrLengths(plan)) if (!this.atrs.has(len)) this.atrs.set(len, new WilderAtr(len));
    this.atrList = [...this.atrs.values()];
    this.syncPositionCache();
  }

  /** ATR(length) after the last closed candle; NaN while warming up or not tracked. */
  atr = (length: number): number => this.atrs.get(length)?.value ?? NaN;

  /** Snapshot including indicator state, for journals. */
  snapshot(): CoreState {
    this.state.atr = [...this.atrs.values()].map((a) => a.toState());
    return this.state;
  }

  // ---------------------------------------------------------------- venue events

  onFill(f: Fill): void {
    const s = this.state;
    const fillBar = s.bar + 1;
    const candle = f.candle ?? candleStartAt(f.time, this.plan.market.interval);
    // Time cooldowns run from when the fill is certain: a market order the core sent fills at an
    // open, at its own time; a limit entry or an exchange-side stop or target fills somewhere
    // inside its candle, so from that candle's close (then 12h is never less than twelve hours).
    const atOpen = f.kind === 'entry' ? s.entryOrder?.order.type === 'market' : s.exitPending !== null;
    const since = atOpen ? f.time : candle + this.interval;
    // The candle that closed at midnight never came (a gap in the data, or the fill reported before
    // that candle): the fill still belongs to its own UTC day's tallies, not to the day before.
    const fillDay = utcDay(f.time);
    if (s.day >= 0 && fillDay > s.day) {
      const eq = this.lastEquityF;
      this.startDay(fillDay, eq === eq ? new Decimal(eq) : s.dayStartEquity === null ? null : s.dayStartEquity.add(s.dayRealised));
    }
    if (f.kind === 'entry') {
      const w = s.entryOrder;
      s.entryOrder = null;
      const stopLoss = w?.stopLoss ?? null;
      s.position = {
        side: f.side, qty: f.qty, entryPrice: f.price, entryTime: f.time, entryBar: fillBar, entryFee: f.fee,
        stopLoss, takeProfit: w?.takeProfit ?? null,
        initialRisk: stopLoss ? f.price.sub(stopLoss).abs() : null,
        trailActive: false, stopKind: 'stop_loss',
      };
      this.syncPositionCache();
      s.dayEntries++;
      // Only the activity stretch reads recent entries; it prunes them to its window.
      const activity = this.plan.cooldown.activity;
      if (activity) {
        s.recentEntries.push({ bar: fillBar, time: f.time });
        countInWindow(s.recentEntries, activity.window, fillBar, f.time);
      }
      const cd = this.plan.cooldown;
      if (cd.afterEntry) s.cooldowns.push(this.cooldownFor('entry', cd.afterEntry, fillBar, f.time, since));
      const max = this.plan.protections.maxTradesPerDay;
      if (max !== undefined && s.dayEntries >= max && s.tradesPausedDay !== s.day) {
        s.tradesPausedDay = s.day;
        this.emitAt(f.time, candle, 'protection', 'max_trades_per_day', 'paused',
          `max trades per day (${max}) reached: entries paused until ${fmtTime(dayStart(s.day + 1))} UTC`);
      }
      return;
    }
    const p = s.position;
    if (p !== null && f.qty.lt(p.qty)) {
      // Part of it closed (live: auto-deleveraging, or the first part of a close): the rest stays
      // open under its stops, and a close under way goes on.
      this.reduce(p, f, candle);
      return;
    }
    s.exitPending = null;
    if (!p) return;
    s.position = null;
    this.syncPositionCache();
    const dir = p.side === 'long' ? 1 : -1;
    const gross = f.price.sub(p.entryPrice).mul(f.qty).mul(dir);
    const net = gross.sub(p.entryFee).sub(f.fee);
    s.dayRealised = s.dayRealised.add(net);
    if (f.reason !== 'signal' && f.reason !== 'reverse' && this.record !== null) {
      const what = EXIT_WORDS[f.reason];
      this.emitAt(f.time, candle, 'exit', f.reason, 'exit',
        `${p.side} position closed by ${what} at ${fmtDec(f.price)}: net P&L ${fmtDec(net.toDecimalPlaces(8))} (fees included)`);
    }
    const cd = this.plan.cooldown;
    const lost = net.isNegative();
    let span = cd.afterExit;
    let cause: CooldownCause = 'exit';
    if (lost && cd.afterLoss && (!span || spanMs(cd.afterLoss, this.interval) > spanMs(span, this.interval))) {
      span = cd.afterLoss;
      cause = 'loss';
    }
    if (span) s.cooldowns.push(this.cooldownFor(cause, span, fillBar, f.time, since));
    this.checkDailyLoss(f.time, candle);
  }

  /** A fill that closed part of the position: its share of the P&L is realised now. */
  private reduce(p: PositionState, f: Fill, candle: number): void {
    const s = this.state;
    const dir = p.side === 'long' ? 1 : -1;
    const entryFee = p.entryFee.mul(f.qty).div(p.qty);
    const net = f.price.sub(p.entryPrice).mul(f.qty).mul(dir).sub(entryFee).sub(f.fee);
    p.qty = p.qty.sub(f.qty);
    p.entryFee = p.entryFee.sub(entryFee);
    s.dayRealised = s.dayRealised.add(net);
    this.syncPositionCache();
    this.emitAt(f.time, candle, 'exit', f.reason, 'exit',
      `${fmtDec(f.qty)} of the ${p.side} closed by ${EXIT_WORDS[f.reason]} at ${fmtDec(f.price)}: net P&L ${fmtDec(net.toDecimalPlaces(8))} (fees included); ${fmtDec(p.qty)} stays open`);
    this.checkDailyLoss(f.time, candle);
  }

  private checkDailyLoss(time: number, candle: number): void {
    const s = this.state;
    const maxLoss = this.plan.protections.maxDailyLossPercent;
    if (maxLoss && s.dayStartEquity && s.dailyLossPausedDay !== s.day) {
      const limit = s.dayStartEquity.mul(maxLoss).div(HUNDRED);
      if (s.dayRealised.isNegative() && s.dayRealised.neg().gte(limit)) {
        s.dailyLossPausedDay = s.day;
        this.emitAt(time, candle, 'protection', 'max_daily_loss', 'paused',
          `max daily loss ${fmtDec(maxLoss)}% reached (realised ${fmtDec(s.dayRealised.toDecimalPlaces(8))} of day-start equity ${fmtDec(s.dayStartEquity.toDecimalPlaces(8))}): entries paused until ${fmtTime(dayStart(s.day + 1))} UTC`);
      }
    }
  }

  /**
   * The venue confirmed the position's stop-loss at `level` (the exchange rounded or moved it, or
   * took a trailing move: `trailed`): the core trails from, and checks closes against, that level
   * from now on. A trailing move is only a wish until then. Ignored when flat.
   */
  confirmStop(level: Decimal, trailed = false): void {
    const p = this.state.position;
    if (p === null) return;
    p.stopLoss = level;
    if (trailed) p.stopKind = 'trailing_stop';
    this.stopT = decimalTicks(level, this.rules.tickSize);
  }

  /**
   * The venue refused or dropped the working entry order (e.g. not enough balance at the fill);
   * `candle`: the start of the candle it happened in, when the venue knows it.
   */
  onEntryRejected(time: number, reason: string, candle = candleStartAt(time, this.plan.market.interval)): void {
    const w = this.state.entryOrder;
    this.state.entryOrder = null;
    this.emitAt(time, candle, 'order', 'entry', 'rejected', `${w ? w.side : ''} entry order rejected: ${reason}`.trim());
  }

  // ---------------------------------------------------------------- closed candle

  /** Returns the intents for this candle; the array is reused, consume it before the next call. */
  onCandle(c: Candle, signals: readonly Signal[], account: AccountView): readonly Intent[] {
    const s = this.state;
    const out = this.out;
    if (out.length !== 0) out.length = 0;
    s.bar++;
    s.lastCandle = c.start;
    const atrs = this.atrList;
    for (let i = 0; i < atrs.length; i++) (atrs[i] as WilderAtr).update(c.high, c.low, c.close);
    const closeTime = c.start + this.interval;
    if (utcDay(c.start) > s.day) this.rollDay(utcDay(c.start), account);
    this.lastEquityF = account.equityApprox();

    if (this.ddFraction === this.ddFraction || this.floorF === this.floorF) this.checkDrawdown(c, closeTime, account);
    if (s.position !== null && s.exitPending === null) this.managePosition(c, closeTime);
    if (s.entryOrder !== null && s.entryOrder.order.type === 'limit') this.checkLimitTimeout(c, closeTime, account);
    for (let i = 0; i < signals.length; i++) this.onSignal(signals[i] as Signal, c, closeTime, account);

    if (closeTime % 86_400_000 === 0 && utcDay(closeTime) > s.day) this.rollDay(utcDay(closeTime), account);
    return out;
  }

  private rollDay(day: number, account: AccountView): void {
    this.startDay(day, account.equity());
  }

  private startDay(day: number, startEquity: Decimal | null): void {
    const s = this.state;
    s.day = day;
    s.dayStartEquity = startEquity;
    s.dayRealised = new Decimal(0);
    s.dayEntries = 0;
  }

  /**
   * Max drawdown, measured at each close from the peak equity: the all-time peak, until the trader
   * resumes (`resume`) or a cool-off ends, which restart it from the equity at that moment. The
   * hard floor (halt_below_equity) stops entries whatever the cool-off says.
   */
  private checkDrawdown(c: Candle, closeTime: number, account: AccountView): void {
    const s = this.state;
    const pr = this.plan.protections;
    const eq = account.equityApprox();
    if (eq > s.highestEquity) s.highestEquity = eq;
    const pause = s.drawdownPause;
    if (eq < this.floorF && pause?.cause !== 'floor') {
      s.drawdownPause = { sinceTime: closeTime, untilBar: null, untilMs: null, forever: true, cause: 'floor' };
      this.emit(closeTime, c.start, 'protection', 'halt_below_equity', 'paused',
        `equity ${fmtNum(eq)} is below halt_below_equity ${fmtDec(pr.haltBelowEquity as Decimal)}: entries stopped until ${this.resumeCommand}`);
      return;
    }
    if (pause !== null && !pause.forever) {
      const over = pause.untilBar !== null ? s.bar >= pause.untilBar : closeTime >= (pause.untilMs as number);
      if (over) {
        s.drawdownPause = null;
        s.peakEquity = eq;
        this.emit(closeTime, c.start, 'protection', 'resume', 'none',
          `drawdown cool-off over: entries allowed again; the next ${fmtDec(pr.maxDrawdownPercent as Decimal)}% is measured from equity ${fmtNum(eq)}, ${belowPeak(eq, s.highestEquity)}% below the all-time peak ${fmtNum(s.highestEquity)}`);
        return;
      }
    }
    if (!(this.ddFraction === this.ddFraction)) return;
    if (eq > s.peakEquity) s.peakEquity = eq;
    if (s.drawdownPause === null && eq <= s.peakEquity * (1 - this.ddFraction)) {
      const coolOff = pr.drawdownCoolOff;
      s.drawdownPause = {
        sinceTime: closeTime,
        untilBar: coolOff?.unit === 'bars' ? s.bar + coolOff.bars : null,
        untilMs: coolOff?.unit === 'ms' ? closeTime + coolOff.ms : null,
        forever: !coolOff,
        cause: 'drawdown',
      };
      const until = !coolOff ? `until ${this.resumeCommand}`
        : coolOff.unit === 'bars' ? `for ${coolOff.bars} bars, until ${fmtTime(closeTime + coolOff.bars * this.interval)}`
        : `until ${fmtTime(closeTime + coolOff.ms)}`;
      this.emit(closeTime, c.start, 'protection', 'max_drawdown', 'paused',
        `max drawdown ${fmtDec(pr.maxDrawdownPercent as Decimal)}% reached (equity ${fmtNum(eq)} is ${belowPeak(eq, s.peakEquity)}% below the peak ${fmtNum(s.peakEquity)}): entries paused ${until}`);
    }
  }

  /**
   * The trader lifted a pause only they can lift (`botctl resume`, requested at `time`): entries
   * are allowed again and the drawdown is measured from the equity now. Below halt_below_equity
   * it is refused. The same request read again (after a restart) is ignored.
   */
  resume(time: number): void {
    const s = this.state;
    if (s.resumeRequest !== null && time <= s.resumeRequest) return;
    s.resumeRequest = time;
    const candle = candleStartAt(time, this.plan.market.interval);
    const pause = s.drawdownPause;
    const pr = this.plan.protections;
    const eq = this.lastEquityF;
    if (pause === null || pause.sinceTime > time) {
      this.emitAt(time, candle, 'protection', 'resume', 'none', '`botctl resume`: nothing to resume, entries were not paused by a drawdown');
      return;
    }
    if (eq < this.floorF) {
      this.emitAt(time, candle, 'protection', 'resume', 'none',
        `resume refused: equity ${fmtNum(eq)} is below halt_below_equity ${fmtDec(pr.haltBelowEquity as Decimal)}; lower halt_below_equity in the spec, restart the bot and resume again`);
      return;
    }
    s.drawdownPause = null;
    if (eq === eq) s.peakEquity = eq;
    const next = this.ddFraction === this.ddFraction && eq === eq ? ` (the next pause comes below ${fmtNum(eq * (1 - this.ddFraction))})` : '';
    this.emitAt(time, candle, 'protection', 'resume', 'none', `entries resumed by \`botctl resume\`: drawdown now measured from equity ${fmtNum(eq)}${next}`);
  }

  private managePosition(c: Candle, closeTime: number): void {
    const p = this.state.position as PositionState;
    const long = this.long;
    const close = c.close;
    const closeT = priceTicks(close, this.tick);
    if (this.plan.exits.placement === 'bot') {
      const stopHit = long ? closeT <= this.stopT : closeT >= this.stopT;
      const targetHit = long ? closeT >= this.targetT : closeT <= this.targetT;
      if (stopHit || targetHit) {
        const reason: ExitReason = stopHit ? p.stopKind : 'take_profit';
        const level = stopHit ? p.stopLoss : p.takeProfit;
        this.state.exitPending = reason;
        this.out.push({ kind: 'exit', side: p.side, reason });
        this.emit(closeTime, c.start, 'exit', reason, 'exit',
          `close ${fmtNum(close)} ${stopHit === long ? 'at or below' : 'at or above'} the ${EXIT_WORDS[reason]} ${fmtDec(level as Decimal)}: closing the ${p.side} at the next open`);
        return;
      }
    }
    const trail = this.plan.exits.trailingStop;
    if (!trail) return;
    // Everything below counts whole ticks (ticks.ts): 1R, "one tick better" and "not beyond the
    // close" are exact on the tick grid.
    const d = trail.distance;
    const distT = d.kind === 'percent' ? closeT * this.trailDistF / 100 : this.atr(d.length) * this.trailDistF / this.tick;
    if (!(distT > 0)) return;
    if (!p.trailActive) {
      const a = trail.activation;
      if (a) {
        const needT = a.kind === 'atr' ? this.atr(a.length) * this.trailActF / this.tick : this.activationT;
        if (!(needT === needT)) return;
        const movedT = long ? closeT - this.entryT : this.entryT - closeT;
        if (movedT < needT) return;
      }
      p.trailActive = true;
    }
    // The candidate rounded toward the entry (precision.ts: a long's stop UP, a short's DOWN).
    const candT = snapTicks(long ? closeT - distT : closeT + distT);
    const stopT = long ? Math.ceil(candT) : Math.floor(candT);
    const cur = this.stopT;
    if (cur === cur && (long ? stopT < cur + 1 : stopT > cur - 1)) return;
    if (long ? stopT >= closeT : stopT <= closeT) return;
    const side: Side = long ? 'long' : 'short';
    // A wish until the venue holds it: confirmStop(level, true) commits it (the driver confirms).
    this.out.push({ kind: 'move_stop', side, stopLoss: this.rules.tickSize.mul(stopT), reason: 'trailing_stop' });
  }

  private checkLimitTimeout(c: Candle, closeTime: number, account: AccountView): void {
    const s = this.state;
    const w = s.entryOrder;
    const eo = this.plan.entryOrder;
    if (w === null || eo.type !== 'limit') return;
    const t = eo.timeout;
    const expired = t.unit === 'bars' ? s.bar - w.sentBar >= t.bars : closeTime - w.sentTime >= t.ms;
    if (!expired) return;
    s.entryOrder = null;
    this.out.push({ kind: 'cancel_entry', reason: 'limit_timeout' });
    if (eo.onTimeout === 'cancel') {
      this.emit(closeTime, c.start, 'order', 'limit_timeout', 'cancelled', `${w.side} limit entry at ${fmtDec(w.order.type === 'limit' ? w.order.price : w.refPrice)} not filled in time: cancelled`);
      return;
    }
    const why = this.entryBlock(w.side, c, closeTime);
    const res = why ?? this.tryEnter(w.side, c, account);
    if (typeof res === 'string') {
      this.emit(closeTime, c.start, 'order', 'limit_timeout', 'cancelled', `${w.side} limit entry not filled in time: cancelled, not re-priced: ${res}`);
    } else {
      this.emit(closeTime, c.start, 'order', 'limit_timeout', 'amended', `${w.side} limit entry not filled in time: re-priced, ${res.text}`);
    }
  }

  // ---------------------------------------------------------------- signals

  private onSignal(sig: Signal, c: Candle, closeTime: number, account: AccountView): void {
    const v = this.judgeSignal(sig, c, closeTime, account);
    this.emitSignal(sig, closeTime, c.start, v.outcome, v.why);
  }

  /** What to do with one signal, and why, in words; pushes any intents. */
  private judgeSignal(sig: Signal, c: Candle, closeTime: number, account: AccountView): Verdict {
    const s = this.state;
    const a = sig.action;
    const rec = verdict;
    if (a === 'exit_long' || a === 'exit_short') {
      const side: Side = a === 'exit_long' ? 'long' : 'short';
      const p = s.position;
      if (p !== null && p.side === side) {
        if (s.exitPending !== null) return rec('none', `ignored: the ${side} is already being closed`);
        s.exitPending = 'signal';
        this.out.push({ kind: 'exit', side, reason: 'signal' });
        return rec('exit', `closing the ${side} at the next open`);
      }
      if (s.entryOrder !== null && s.entryOrder.side === side) {
        s.entryOrder = null;
        this.out.push({ kind: 'cancel_entry', reason: 'exit_signal' });
        return rec('cancelled', `working ${side} entry order cancelled`);
      }
      return rec('none', `nothing to do: no ${side} position`);
    }
    const side: Side = a === 'enter_long' ? 'long' : 'short';
    // Sides first: a side the bot may not trade never acts, not even to close the other side.
    if (!(side === 'long' ? this.plan.directions.long : this.plan.directions.short)) {
      return rec('skipped', `skipped: ${side} entries are disabled${this.plan.market.category === 'spot' && side === 'short' ? ' (spot trades long only)' : ''}`);
    }
    const p = s.position;
    if (p !== null && p.side !== side) {
      if (s.exitPending !== null) return rec('skipped', `skipped: the ${p.side} is being closed; a new entry needs a fresh signal`);
      s.exitPending = 'reverse';
      this.out.push({ kind: 'exit', side: p.side, reason: 'reverse' });
      return rec('exit', `closing the ${p.side} at the next open; entry skipped (a new entry needs a fresh signal after the exit)`);
    }
    if (p !== null) return rec('skipped', `skipped: already ${side}`);
    if (s.entryOrder !== null) return rec('skipped', 'skipped: an entry order is already working');
    const gate = this.plan.entryGate;
    if (gate.minStrength !== undefined && !(sig.strength !== undefined && sig.strength >= gate.minStrength)) {
      return rec('skipped', `skipped: strength ${sig.strength === undefined ? 'not given' : fmtNum(sig.strength)} below min strength ${fmtNum(gate.minStrength)}`);
    }
    if (gate.minConfidence !== undefined && !(sig.confidence !== undefined && sig.confidence >= gate.minConfidence)) {
      return rec('skipped', `skipped: confidence ${sig.confidence === undefined ? 'not given' : fmtNum(sig.confidence)} below min confidence ${fmtNum(gate.minConfidence)}`);
    }
    const block = this.entryBlock(side, c, closeTime);
    if (block !== null) return rec('skipped', `skipped: ${block}`);
    const res = this.tryEnter(side, c, account);
    if (typeof res === 'string') return rec('skipped', `skipped: ${res}`);
    return rec('entry', res.text);
  }

  /** Protections and cooldowns that stop any entry now, in plain words; null when clear. */
  private entryBlock(side: Side, c: Candle, closeTime: number): string | null {
    const s = this.state;
    const pr = this.plan.protections;
    const dd = s.drawdownPause;
    if (dd !== null) {
      if (dd.cause === 'floor') return `equity fell below halt_below_equity ${fmtDec(pr.haltBelowEquity as Decimal)}, entries stopped until ${this.resumeCommand}`;
      const until = dd.forever ? this.resumeCommand : dd.untilBar !== null ? fmtTime(closeTime + (dd.untilBar - s.bar) * this.interval) : fmtTime(dd.untilMs as number);
      return `max drawdown ${fmtDec(pr.maxDrawdownPercent as Decimal)}% reached, entries paused until ${until}`;
    }
    const fillDay = utcDay(closeTime);
    if (s.dailyLossPausedDay === fillDay) return `max daily loss ${fmtDec(pr.maxDailyLossPercent as Decimal)}% reached, entries paused until ${fmtTime(dayStart(fillDay + 1))} UTC`;
    if (pr.maxTradesPerDay !== undefined && fillDay === s.day && s.dayEntries >= pr.maxTradesPerDay) {
      return `max trades per day (${pr.maxTradesPerDay}) reached, entries paused until ${fmtTime(dayStart(fillDay + 1))} UTC`;
    }
    if (s.cooldowns.length > 0) {
      pruneCooldowns(s.cooldowns, s.bar, closeTime);
      const b = blockingCooldown(s.cooldowns, s.bar, closeTime, this.interval, fmtTime);
      if (b !== null) return b.text;
    }
    void side;
    void c;
    return null;
  }

  /** Prices, sizes and sends an entry; returns the reason it cannot, or the words describing it. */
  private tryEnter(side: Side, c: Candle, account: AccountView): string | { text: string } {
    const s = this.state;
    const eo = this.plan.entryOrder;
    const close = new Decimal(c.close);
    let ref = close;
    if (eo.type === 'limit') {
      const f = eo.offsetPercent.div(HUNDRED);
      ref = roundLimitEntry(side === 'long' ? close.mul(Decimal.sub(1, f)) : close.mul(f.add(1)), side, this.rules);
    }
    // Entries the exchange minimums rule out are refused from a float upper bound of the
    // quantity, before any Decimal work (a drained account meets this on every signal). The
    // margin covers float rounding; anything the bound cannot rule out takes the exact path.
    const refF = eo.type === 'limit' ? ref.toNumber() : c.close;
    const bound = maxQtyBound(this.plan, this.rules, refF, account.equityApprox(), this.atr, this.tick);
    if (bound < this.minQtyF * (1 - 1e-12)) {
      return `quantity at most ${fmtNum(bound)}, below the minimum order quantity ${fmtDec(this.rules.minQty)} (equity ${fmtNum(account.equityApprox())})`;
    }
    if (bound * refF < this.minNotionalF * (1 - 1e-12)) {
      return `order value at most ${fmtNum(bound * refF)}, below the minimum order value ${fmtDec(this.rules.minNotional)} (equity ${fmtNum(account.equityApprox())})`;
    }
    const levels = entryLevels(this.plan, this.rules, side, ref, this.atr);
    if (!levels.ok) return levels.reason;
    const { stopLoss, takeProfit } = levels.value;
    const sized = sizeEntry({
      plan: this.plan, rules: this.rules, ref, stopLoss,
      equity: account.equity(), available: account.available(), takerFee: this.takerFee, slippage: this.slippage,
    });
    if (!sized.ok) return sized.reason;
    const qty = sized.value.qty;
    const order = eo.type === 'limit' ? { type: 'limit' as const, price: ref } : { type: 'market' as const };
    s.entryOrder = { side, qty, order, refPrice: ref, stopLoss, takeProfit, sentBar: s.bar, sentTime: c.start + this.interval };
    this.out.push({ kind: 'enter', side, qty, order, refPrice: ref, stopLoss, takeProfit, onExchange: this.plan.exits.placement !== 'bot' });
    if (this.record === null) return UNRECORDED; // the words below go only into a record
    const how = eo.type === 'limit' ? `limit ${fmtDec(ref)}` : `market at the next open (ref ${fmtDec(ref)})`;
    const levelsText = `${stopLoss ? `, stop ${fmtDec(stopLoss)}` : ''}${takeProfit ? `, target ${fmtDec(takeProfit)}` : ''}`;
    return { text: `entering ${side} ${fmtDec(qty)} ${how}${levelsText}${sized.value.note ? ` (${sized.value.note})` : ''}` };
  }

  // ---------------------------------------------------------------- helpers

  /** `since`: when a time cooldown starts (the fill's time, or its candle's close; see onFill). */
  private cooldownFor(cause: CooldownCause, span: Span, fillBar: number, fillTime: number, since: number) {
    const cd = this.plan.cooldown;
    const mult = cooldownMultiplier(cd, this.atr);
    let extraCount = 0;
    if (cd.activity) {
      const n = countInWindow(this.state.recentEntries, cd.activity.window, fillBar, fillTime);
      extraCount = Math.max(0, n - cd.activity.freeTrades);
    }
    return startCooldown(cause, stretchSpan(span, mult, cd.activity?.extra ?? null, extraCount, this.interval), fillBar, since);
  }

  private syncPositionCache(): void {
    const p = this.state.position;
    if (p === null) {
      this.stopT = this.targetT = this.entryT = this.activationT = NaN;
      return;
    }
    const tick = this.rules.tickSize;
    this.long = p.side === 'long';
    this.stopT = p.stopLoss ? decimalTicks(p.stopLoss, tick) : NaN;
    this.targetT = p.takeProfit ? decimalTicks(p.takeProfit, tick) : NaN;
    this.entryT = decimalTicks(p.entryPrice, tick);
    const a = this.plan.exits.trailingStop?.activation;
    this.activationT = !a || a.kind === 'atr' ? NaN
      : a.kind === 'percent' ? decimalTicks(p.entryPrice.mul(a.percent).div(HUNDRED), tick)
      : p.initialRisk ? decimalTicks(p.initialRisk.mul(a.multiple), tick) : NaN;
  }

  private emitSignal(sig: Signal, time: number, candle: number, outcome: DecisionOutcome, reason: string): void {
    if (this.record === null) return;
    const text = `${fmtTime(candle)} ${LABEL[sig.action]} signal${scoreText(sig)} ${reason}`;
    const d: Decision = { time, candle, kind: 'signal', action: sig.action, outcome, reason: tail(text, reason), text };
    if (sig.reason) d.signalReason = sig.reason;
    if (sig.strength !== undefined) d.strength = sig.strength;
    if (sig.confidence !== undefined) d.confidence = sig.confidence;
    this.record(d);
  }

  /** Records something that happened during a candle (fills, rejections): the text carries its own time. */
  private emitAt(time: number, candle: number, kind: DecisionKind, action: Decision['action'], outcome: DecisionOutcome, reason: string): void {
    if (this.record === null) return;
    const text = `${fmtTime(time)} ${reason}`;
    this.record({ time, candle, kind, action, outcome, reason: tail(text, reason), text });
  }

  private emit(time: number, candle: number, kind: DecisionKind, action: Decision['action'], outcome: DecisionOutcome, reason: string): void {
    if (this.record === null) return;
    const text = `${fmtTime(candle)} ${reason}`;
    this.record({ time, candle, kind, action, outcome, reason: tail(text, reason), text });
  }
}

/**
 * `reason` as the end of `text`. The same characters, but V8 then keeps one flat string plus a
 * slice of it instead of two trees of concatenated pieces: a backtest keeps ~100k records, and
 * the garbage collector's work grows with every piece it has to copy.
 */
function tail(text: string, reason: string): string {
  return text.slice(text.length - reason.length);
}

const UNRECORDED = { text: '' };

interface Verdict {
  outcome: DecisionOutcome;
  why: string;
}

function verdict(outcome: DecisionOutcome, why: string): Verdict {
  return { outcome, why };
}

/** How far `eq` is below `peak`, in percent with two decimals. */
function belowPeak(eq: number, peak: number): string {
  return ((1 - eq / peak) * 100).toFixed(2);
}

function scoreText(sig: Signal): string {
  if (sig.strength === undefined && sig.confidence === undefined) return '';
  const parts: string[] = [];
  if (sig.strength !== undefined) parts.push(`strength ${fmtNum(sig.strength)}`);
  if (sig.confidence !== undefined) parts.push(`confidence ${fmtNum(sig.confidence)}`);
  return ` (${parts.join(', ')})`;
}


function spanMs(s: Span, interval: number): number {
  return s.unit === 'ms' ? s.ms : s.bars * interval;
}

/** Every ATR length the plan refers to, so the core keeps exactly those up to date. */
export function atrLengths(plan: Plan): number[] {
  const set = new Set<number>();
  const add = (d: { kind: string; length?: number } | undefined): void => {
    if (d && d.kind === 'atr' && d.length !== undefined) set.add(d.length);
  };
  add(plan.exits.stopLoss);
  add(plan.exits.takeProfit);
  add(plan.exits.trailingStop?.distance);
  add(plan.exits.trailingStop?.activation);
  if (plan.cooldown.volatility) {
    set.add(plan.cooldown.volatility.atrLength);
    set.add(plan.cooldown.volatility.baselineLength);
  }
  return [...set].sort((a, b) => a - b);
}

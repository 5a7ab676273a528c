// Instrument rules that change while a bot runs: Bybit can change a symbol's tick size, quantity
// step or minimums, or stop it trading. The rules are read again every hour (off the order path,
// after a candle) and at once when Bybit refuses an order for its precision. A change is said in the
// decision record; the core continues on the new grid; the open position's stops are put back on it
// (a stop off the grid would be refused the next time it is set).
import type { Decimal } from 'decimal.js';
import type { InstrumentRules } from '../market/instrument.ts';
import { fmtDec } from '../core/format.ts';
import { roundStopLoss, roundTakeProfit } from '../core/precision.ts';
import { VenueAuthError } from '../venue/errors.ts';
import type { LiveContext } from './context.ts';
import { errText } from './records.ts';

/** How often the rules are read again without a reason (RunnerOptions.rulesRefreshMs in tests). */
const REFRESH_MS = 3_600_000;

export class InstrumentWatch {
  private readAt: number;
  private readonly everyMs: number;

  constructor(private readonly x: LiveContext) {
    this.everyMs = x.o.rulesRefreshMs ?? REFRESH_MS;
    this.readAt = x.now();
  }

  /** Live: the periodic read is due (checked after each candle). */
  due(): boolean {
    return this.x.live && this.x.now() - this.readAt >= this.everyMs;
  }

  /** Whether the symbol takes new orders (Bybit says 'Trading'). */
  trading(): boolean {
    const status = this.x.rules.status;
    return status === undefined || status === 'Trading';
  }

  /** Reads the rules again; returns true when they changed (`why`: what prompted the read). */
  async refresh(why: string): Promise<boolean> {
    const x = this.x;
    const old = x.rules;
    const fresh = await x.venue.instrument({ refresh: true });
    this.readAt = x.now();
    const changes = changesOf(old, fresh);
    if (changes.length === 0) return false;
    x.rules = fresh;
    x.rebuildCore(x.core.snapshot());
    const halted = !this.trading() ? `; ${fresh.symbol} does not trade now (${fresh.status}): no new entries until it does, the open position keeps its stops` : '';
    x.records.decideAt(x.now(), 'protection', 'exchange', 'none',
      `${fresh.symbol}'s trading rules changed on Bybit (${why}): ${changes.join(', ')}; prices and sizes follow the new rules${halted}`);
    await this.regrid().catch((e: unknown) => {
      if (e instanceof VenueAuthError) throw e;
      x.records.failed('could not put the position\'s stops on the new tick grid', e);
    });
    return true;
  }

  /** The position's levels rounded to the current tick grid (toward the entry, as the core rounds). */
  onGrid(side: 'long' | 'short', stopLoss: Decimal | null, takeProfit: Decimal | null): { stopLoss: Decimal | null; takeProfit: Decimal | null } {
    const r = this.x.rules;
    return {
      stopLoss: stopLoss && roundStopLoss(stopLoss, side, r),
      takeProfit: takeProfit && roundTakeProfit(takeProfit, side, r),
    };
  }

  /** An open position whose exchange-side levels are off the new grid: set on it. */
  private async regrid(): Promise<void> {
    const x = this.x;
    const p = x.core.state.position;
    if (p === null || x.plan.exits.placement !== 'exchange') return;
    const next = this.onGrid(p.side, p.stopLoss, p.takeProfit);
    const moveStop = p.stopLoss !== null && next.stopLoss !== null && !next.stopLoss.eq(p.stopLoss);
    const moveTarget = p.takeProfit !== null && next.takeProfit !== null && !next.takeProfit.eq(p.takeProfit);
    if (!moveStop && !moveTarget) return;
    await x.venue.setTradingStop({ ...(moveStop ? { stopLoss: next.stopLoss } : {}), ...(moveTarget ? { takeProfit: next.takeProfit } : {}) });
    const words = [
      moveStop ? `stop-loss ${fmtDec(p.stopLoss as Decimal)} → ${fmtDec(next.stopLoss as Decimal)}` : '',
      moveTarget ? `take-profit ${fmtDec(p.takeProfit as Decimal)} → ${fmtDec(next.takeProfit as Decimal)}` : '',
    ].filter(Boolean).join(', ');
    if (moveStop) p.stopLoss = next.stopLoss;
    if (moveTarget) p.takeProfit = next.takeProfit;
    x.rebuildCore(x.core.snapshot());
    x.records.decideAt(x.now(), 'protection', 'exchange', 'none', `the ${p.side}'s levels moved onto the new tick grid: ${words}`);
  }

  /** A failed read is logged, never fatal: the old rules stay until the next one. */
  async refreshQuietly(why: string): Promise<boolean> {
    try {
      return await this.refresh(why);
    } catch (e) {
      if (e instanceof VenueAuthError) throw e;
      this.x.log.warn('could not read the instrument rules again; keeping the ones in use', { error: errText(e) });
      return false;
    }
  }
}

function changesOf(a: InstrumentRules, b: InstrumentRules): string[] {
  const out: string[] = [];
  const dec = (label: string, x: Decimal | undefined, y: Decimal | undefined) => {
    if (x === undefined && y === undefined) return;
    if (x === undefined || y === undefined || !x.eq(y)) out.push(`${label} ${x ? fmtDec(x) : 'none'} → ${y ? fmtDec(y) : 'none'}`);
  };
  dec('tick size', a.tickSize, b.tickSize);
  dec('quantity step', a.qtyStep, b.qtyStep);
  dec('minimum quantity', a.minQty, b.minQty);
  dec('minimum order value', a.minNotional, b.minNotional);
  dec('maximum quantity', a.maxQty, b.maxQty);
  dec('maximum leverage', a.maxLeverage, b.maxLeverage);
  if ((a.status ?? 'Trading') !== (b.status ?? 'Trading')) out.push(`status ${a.status ?? 'Trading'} → ${b.status ?? 'Trading'}`);
  return out;
}

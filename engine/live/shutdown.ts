// Graceful shutdown of one bot (Ctrl-C / SIGTERM): no new entries (the runner has stopped taking
// candles), working entry orders cancelled, the open position handled as plan.run.onShutdown says:
// keep_position leaves it under exchange-side stops and checks they are there (setting missing
// ones); close_position closes it at market and confirms the fill. Every step is reported, and a
// step that fails is said, never hidden.
import { Decimal } from 'decimal.js';
import type { DecisionCore } from '../core/core.ts';
import { entryLevels } from '../core/sizing.ts';
import { fmtDec } from '../core/format.ts';
import type { InstrumentRules } from '../market/instrument.ts';
import type { Logger } from '../log/index.ts';
import type { Plan } from '../plan/plan.ts';
import { isOpenStatus, type OrderRequest, type OrderState, type PositionState, type Venue } from '../venue/venue.ts';
import { InsufficientBalanceError, OrderRejectedError } from '../venue/errors.ts';
import { orderLinkIdFor, purposeOf } from './ids.ts';

export interface ShutdownReport {
  bot: string;
  entriesCancelled: number;
  position?: {
    side: 'long' | 'short';
    qty: Decimal;
    /** keep_position: still open; close_position: closed (closedAt) or not (a problem says why). */
    kept: boolean;
    stopLoss: Decimal | null;
    takeProfit: Decimal | null;
    /** Levels found missing on the exchange and set now. */
    set: string[];
    closedAt?: Decimal;
    /** Paper: the simulated position ends with the simulator (the next paper run starts flat). */
    paper?: boolean;
  };
  /** What could not be done, in words. */
  problems: string[];
}

export interface ShutdownContext {
  plan: Plan;
  botId: string;
  venue: Venue;
  rules: InstrumentRules;
  core: DecisionCore;
  log: Logger;
  /** Live: the exchange has real stops to check; paper: the simulator's position is checked the same way. */
  live: boolean;
  /** Journals the intent, then sends (the runner's place). */
  place(req: OrderRequest, purpose: string, reason: string): Promise<OrderState>;
  /** Journals an order state the runner is not tracking. */
  orderUpdate(o: OrderState): void;
  /** Journals the position as the shutdown leaves it (what `botctl status` shows until the next start). */
  positionLeft?(p: PositionState): void;
  now(): number;
  /** How long to wait for the close order's fill. */
  closeWaitMs?: number;
}

const ZERO = new Decimal(0);

export async function gracefulShutdown(ctx: ShutdownContext): Promise<ShutdownReport> {
  const report: ShutdownReport = { bot: ctx.plan.name, entriesCancelled: 0, problems: [] };
  await cancelEntries(ctx, report);
  if (!ctx.live) {
    // Nothing on an exchange to keep or close: a simulated market close would only fill on a candle that never comes.
    const p = ctx.core.state.position;
    if (p) report.position = { side: p.side, qty: p.qty, kept: false, stopLoss: p.stopLoss, takeProfit: p.takeProfit, set: [], paper: true };
    return report;
  }
  const pos = await ctx.venue.position().catch((e) => {
    report.problems.push(`could not read the position (${errText(e)})`);
    return undefined;
  });
  if (!pos || pos.side === 'flat' || pos.size.isZero()) return report;
  if (ctx.plan.run.onShutdown === 'close_position') await closePosition(ctx, report, pos.side, pos.size);
  else {
    await keepPosition(ctx, report, pos.side, pos.size, pos.stopLoss ?? null, pos.takeProfit ?? null, pos.avgPrice);
    // With the levels it is left under (some maybe set just now).
    const { stopLoss, takeProfit } = report.position as NonNullable<ShutdownReport['position']>;
    ctx.positionLeft?.({
      side: pos.side, size: pos.size, avgPrice: pos.avgPrice, updatedAt: ctx.now(),
      ...(stopLoss ? { stopLoss } : {}), ...(takeProfit ? { takeProfit } : {}), ...(pos.trailingStop ? { trailingStop: pos.trailingStop } : {}),
    });
  }
  return report;
}

async function cancelEntries(ctx: ShutdownContext, report: ShutdownReport): Promise<void> {
  let open: OrderState[];
  try {
    open = await ctx.venue.openOrders();
  } catch (e) {
    report.problems.push(`could not list open orders to cancel the entries (${errText(e)})`);
    return;
  }
  for (const o of open) {
    if (purposeOf(ctx.botId, o.orderLinkId) !== 'entry') continue;
    try {
      const st = await ctx.venue.cancelOrder(o.orderLinkId);
      ctx.orderUpdate(st);
      report.entriesCancelled++;
      if (st.filledQty.gt(0)) ctx.log.warn('the entry order had fills before the cancel; that part is the open position', { orderLinkId: o.orderLinkId, filled: st.filledQty.toFixed() });
    } catch (e) {
      report.problems.push(`entry order ${o.orderLinkId} could not be cancelled (${errText(e)})`);
    }
  }
  if (ctx.core.state.entryOrder) ctx.core.state.entryOrder = null;
}

async function keepPosition(
  ctx: ShutdownContext, report: ShutdownReport, side: 'long' | 'short', qty: Decimal, stopLoss: Decimal | null, takeProfit: Decimal | null, avgPrice: Decimal,
): Promise<void> {
  const set: string[] = [];
  report.position = { side, qty, kept: true, stopLoss, takeProfit, set };
  if (ctx.plan.exits.placement !== 'exchange') {
    ctx.log.warn(`the ${side} ${fmtDec(qty)} stays open WITHOUT exchange-side stops (risk.placement: bot): nothing closes it while botctl is stopped`);
    return;
  }
  if (stopLoss && (takeProfit || !ctx.plan.exits.takeProfit)) return;
  // The core's levels (a trailed stop included) first; the plan's from the entry price otherwise.
  const known = ctx.core.state.position?.side === side ? ctx.core.state.position : null;
  const levels = entryLevels(ctx.plan, ctx.rules, side, avgPrice, ctx.core.atr);
  const sl = stopLoss ? undefined : known?.stopLoss ?? (levels.ok ? levels.value.stopLoss ?? undefined : undefined);
  const tp = takeProfit ? undefined : known?.takeProfit ?? (levels.ok ? levels.value.takeProfit ?? undefined : undefined);
  if (!sl && !tp) {
    if (!stopLoss) report.problems.push(`the ${side} ${fmtDec(qty)} has no stop-loss on the exchange and the plan gives none to set`);
    return;
  }
  try {
    await ctx.venue.setTradingStop({ ...(sl ? { stopLoss: sl } : {}), ...(tp ? { takeProfit: tp } : {}) });
    if (sl) set.push(`stop-loss ${fmtDec(sl)}`);
    if (tp) set.push(`take-profit ${fmtDec(tp)}`);
    report.position.stopLoss = stopLoss ?? sl ?? null;
    report.position.takeProfit = takeProfit ?? tp ?? null;
  } catch (e) {
    report.problems.push(`the ${side} ${fmtDec(qty)} is missing ${sl ? 'its stop-loss' : 'its take-profit'} on the exchange and setting it failed (${errText(e)})`);
  }
}

async function closePosition(ctx: ShutdownContext, report: ShutdownReport, side: 'long' | 'short', qty: Decimal): Promise<void> {
  report.position = { side, qty, kept: false, stopLoss: null, takeProfit: null, set: [] };
  // Named after the moment (not a candle): distinct from any exit a candle decided.
  const link = orderLinkIdFor(ctx.botId, ctx.now(), 'exit');
  let st: OrderState | undefined;
  let refused: string | undefined;
  try {
    st = await ctx.place({ orderLinkId: link, side: side === 'long' ? 'sell' : 'buy', type: 'market', qty, reduceOnly: true }, 'exit', 'shutdown');
  } catch (e) {
    if (e instanceof OrderRejectedError || e instanceof InsufficientBalanceError) refused = errText(e);
    // Otherwise unanswered: the exchange may have it; the lookup below says.
    else ctx.log.warn('the shutdown close got no answer; looking it up', { orderLinkId: link, error: errText(e) });
  }
  const deadline = Date.now() + (refused ? 0 : ctx.closeWaitMs ?? 3000);
  while ((!st || isOpenStatus(st.status)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    st = (await ctx.venue.orderStatus(link).catch(() => undefined)) ?? st;
  }
  if (st) ctx.orderUpdate(st);
  const after = await ctx.venue.position().catch(() => undefined);
  const flat = after !== undefined && (after.side === 'flat' || after.size.isZero());
  if (st && st.filledQty.gt(0)) {
    const price = st.avgFillPrice ?? ZERO;
    report.position.closedAt = price;
    const p = ctx.core.state.position;
    if (p) ctx.core.onFill({ time: st.updatedAt, kind: 'exit', side: p.side, qty: st.filledQty, price, fee: st.fee, liquidity: 'taker', reason: 'signal' });
  }
  if (!flat) {
    report.position.kept = true;
    const rest = after && after.side !== 'flat' ? `${fmtDec(after.size)} is still open${after.stopLoss ? ` under its stop-loss ${fmtDec(after.stopLoss)}` : ' WITHOUT a stop-loss'}` : 'the position could not be read back';
    report.problems.push(`closing the ${side} at market ${refused ? `was refused (${refused})` : `was not confirmed (${st ? st.status : 'no order found'})`}: ${rest}`);
  }
}

/** "shutdown: 1 entry order cancelled; long 0.12 kept under stop 42000 / target 46000; journal flushed" */
export function formatShutdown(r: ShutdownReport, journal: string): string {
  const parts: string[] = [];
  if (r.entriesCancelled) parts.push(`${r.entriesCancelled} entry order${r.entriesCancelled > 1 ? 's' : ''} cancelled`);
  const p = r.position;
  if (!p) parts.push('flat');
  else if (p.paper) parts.push(`the paper ${p.side} ${fmtDec(p.qty)} ends with the simulator`);
  else if (!p.kept) parts.push(`${p.side} ${fmtDec(p.qty)} closed at market${p.closedAt ? ` at ${fmtDec(p.closedAt)}` : ''}`);
  else {
    const levels = [p.stopLoss ? `stop ${fmtDec(p.stopLoss)}` : 'NO stop-loss', ...(p.takeProfit ? [`target ${fmtDec(p.takeProfit)}`] : [])].join(' / ');
    parts.push(`${p.side} ${fmtDec(p.qty)} kept under ${levels}${p.set.length ? ` (${p.set.join(' and ')} set now)` : ''}`);
  }
  for (const x of r.problems) parts.push(`NOT DONE: ${x}`);
  parts.push(journal);
  return `shutdown${r.bot ? ` ${r.bot}` : ''}: ${parts.join('; ')}`;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

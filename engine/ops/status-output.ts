// How `botctl status` prints: a screen a trader reads top to bottom (run, position, orders, P&L,
// what holds entries back, why the bot did what it did), or the same facts as JSON.
import type { Decimal } from 'decimal.js';
import type { DecisionRecord, JournalOrder } from '../journal/index.ts';
import type { Hold } from './core-state.ts';
import type { StatusReport } from './status.ts';
import { fmtDuration, fmtUtc, isoUtc } from './time.ts';
import { quoteCoin } from './trades.ts';

const dec = (d: Decimal | null | undefined): string | null => (d === null || d === undefined ? null : d.toFixed());

/** Quote-coin money as the run's own lines print it: to the cent, signed (+61.45, -3.50, 0.00). */
function cents(d: Decimal): string {
  const r = d.toDecimalPlaces(2);
  return `${r.gt(0) ? '+' : ''}${r.toFixed(2)}`;
}

export function statusText(s: StatusReport, wallNow: number): string {
  // A replay is read on its own clock (the end of its candles), a live or paper run on now's.
  const now = s.replay ? s.clock : wallNow;
  const q = quoteCoin(s.symbol);
  const L: string[] = [];
  L.push(`${s.bot}: ${s.mode} on ${s.symbol} ${s.category} ${intervalText(s.interval)} candles (${s.network})`);
  const r = s.run;
  const state = r.state === 'running' ? `running (pid ${r.pid})`
    : r.state === 'stopped' ? `stopped ${fmtUtc(r.endedAt!)} UTC${r.endReason ? ` (${r.endReason})` : ''}`
    : 'not running (it did not shut down cleanly, or runs on another machine)';
  L.push(s.replay
    ? `  run       #${r.id}, a replay of candles up to ${fmtUtc(s.clock)} UTC (run on ${fmtUtc(r.startedAt)} UTC), ${r.state === 'stopped' ? 'finished' : state}`
    : `  run       #${r.id} started ${fmtUtc(r.startedAt)} UTC, ${state}`);
  L.push(r.specChanged
    ? `  spec      ${s.specFile} CHANGED since this run started (run used sha256 ${r.specHash.slice(0, 12)}, file is now ${r.currentSpecHash.slice(0, 12)}); restart the bot to apply it`
    : `  spec      ${s.specFile} unchanged since this run started (sha256 ${r.specHash.slice(0, 12)})`);
  L.push(`  journal   ${s.journal}`);

  L.push('', 'Position');
  const p = s.position;
  if (!p) L.push('  flat');
  else {
    L.push(`  ${p.side} ${p.qty.toFixed()} ${s.symbol}${p.entryPrice ? ` at ${p.entryPrice.toFixed()}` : ''}${p.openedAt !== null ? `, open since ${fmtUtc(p.openedAt)} UTC` : ''}`);
    L.push(`  stop-loss ${p.stopLoss?.toFixed() ?? 'none'}   take-profit ${p.takeProfit?.toFixed() ?? 'none'}   trailing ${p.trailingStop ? `${p.trailingStop.toFixed()} behind price${p.trailingActivation ? `, from ${p.trailingActivation.toFixed()}` : ''}` : 'none'}`);
    L.push(p.unrealisedPnl
      ? `  unrealised P&L ${cents(p.unrealisedPnl)} ${q}${p.asOf !== null ? ` (as of ${fmtUtc(p.asOf)} UTC)` : ''}`
      : '  unrealised P&L unknown (no price recorded in the journal yet)');
    if (p.asOf === null) L.push('  (from the fills only: no position snapshot with stops was recorded)');
  }
  if (s.positionWarning) L.push(`  warning: ${s.positionWarning}`);

  L.push('', 'Working orders');
  if (s.workingOrders.length === 0) L.push('  none');
  for (const o of s.workingOrders) L.push(`  ${orderLine(o)}`);

  L.push('', s.replay ? `Last day of the replay (${s.today.day} UTC)` : `Today (${s.today.day} UTC)`);
  L.push(`  realised P&L ${cents(s.today.realisedPnl)} ${q}${s.core?.dayEntries ? `, ${s.core.dayEntries} entr${s.core.dayEntries === 1 ? 'y' : 'ies'}` : ''}`);
  if (s.equity) L.push(`  equity ${s.equity.equity.toFixed()} ${s.equity.coin ?? q} (as of ${fmtUtc(s.equity.time)} UTC)`);

  L.push('', 'Cooldown and protections');
  if (s.drawdownProtection) L.push(`  ${s.drawdownProtection}`);
  if (!s.core) L.push('  no core state saved yet');
  else {
    if (s.core.holds.length === 0) L.push('  none: entries allowed');
    for (const h of s.core.holds) L.push(`  ${holdLine(h, now)}`);
    for (const h of s.core.expired) L.push(`  (${h.text} ended ${fmtUtc(h.until!)} UTC)`);
    if (s.core.exitPending) L.push(`  exit pending: ${s.core.exitPending}`);
    L.push(`  (state saved ${fmtUtc(s.core.savedAt)} UTC)`);
  }

  L.push('', `Last ${s.decisions.length === 1 ? 'decision' : `${s.decisions.length} decisions`}`);
  if (s.decisions.length === 0) L.push('  none yet');
  for (const d of s.decisions) L.push(`  ${decisionLine(d)}`);

  if (s.errors.length) {
    L.push('', 'Recent errors');
    for (const e of s.errors) L.push(`  ${fmtUtc(e.time)} ${e.source}: ${e.message}`);
  }
  return `${L.join('\n')}\n`;
}

function orderLine(o: JournalOrder): string {
  const price = o.price ? ` @ ${o.price.toFixed()}` : '';
  const filled = o.filledQty.isZero() ? '' : `, ${o.filledQty.toFixed()} filled`;
  const stops = [o.stopLoss ? `SL ${o.stopLoss.toFixed()}` : '', o.takeProfit ? `TP ${o.takeProfit.toFixed()}` : ''].filter(Boolean).join(' ');
  return `${o.side} ${o.type} ${o.qty.toFixed()}${price} ${o.purpose}${o.reduceOnly ? ' reduce-only' : ''}: ${o.status}${filled}${stops ? `, ${stops}` : ''}, since ${fmtUtc(o.createdAt)} UTC [${o.orderLinkId}]`;
}

function holdLine(h: Hold, now: number): string {
  if (h.until === null) return h.text;
  return `${h.text}, until ${fmtUtc(h.until)} UTC (${fmtDuration(h.until - now)} left)`;
}

function decisionLine(d: DecisionRecord): string {
  if (d.text) return d.text;
  return `${fmtUtc(d.time)} ${d.kind} ${d.action} ${d.outcome}: ${d.reason}`;
}

export function statusJson(s: StatusReport): Record<string, unknown> {
  const p = s.position;
  return {
    bot: s.bot,
    mode: s.mode,
    market: { symbol: s.symbol, category: s.category, interval: s.interval, network: s.network },
    spec: { file: s.specFile, hash: s.run.currentSpecHash, changedSinceRunStarted: s.run.specChanged },
    journal: s.journal,
    run: {
      id: s.run.id, state: s.run.state, pid: s.run.pid, startedAt: isoUtc(s.run.startedAt), endedAt: isoUtc(s.run.endedAt),
      endReason: s.run.endReason, specHash: s.run.specHash,
    },
    position: p && {
      side: p.side, qty: p.qty.toFixed(), entryPrice: dec(p.entryPrice), openedAt: isoUtc(p.openedAt),
      stopLoss: dec(p.stopLoss), takeProfit: dec(p.takeProfit), trailingStop: dec(p.trailingStop), trailingActivation: dec(p.trailingActivation),
      unrealisedPnl: dec(p.unrealisedPnl), asOf: isoUtc(p.asOf),
    },
    positionWarning: s.positionWarning,
    workingOrders: s.workingOrders.map((o) => ({
      orderLinkId: o.orderLinkId, orderId: o.orderId, side: o.side, type: o.type, purpose: o.purpose, qty: o.qty.toFixed(), price: dec(o.price),
      reduceOnly: o.reduceOnly, stopLoss: dec(o.stopLoss), takeProfit: dec(o.takeProfit), status: o.status, filledQty: o.filledQty.toFixed(),
      createdAt: isoUtc(o.createdAt), reason: o.reason,
    })),
    today: { day: s.today.day, realisedPnl: s.today.realisedPnl.toFixed(), entries: s.core?.dayEntries ?? null },
    equity: s.equity && { equity: s.equity.equity.toFixed(), coin: s.equity.coin, time: isoUtc(s.equity.time) },
    holds: s.core ? s.core.holds.map((h) => ({ kind: h.kind, until: isoUtc(h.until), text: h.text })) : null,
    drawdownProtection: s.drawdownProtection,
    stateSavedAt: s.core ? isoUtc(s.core.savedAt) : null,
    decisions: s.decisions.map((d) => ({
      time: isoUtc(d.time), kind: d.kind, action: d.action, outcome: d.outcome, reason: d.reason, text: d.text,
      ...(d.strength !== null ? { strength: d.strength } : {}), ...(d.confidence !== null ? { confidence: d.confidence } : {}),
    })),
    errors: s.errors.map((e) => ({ time: isoUtc(e.time), source: e.source, message: e.message })),
  };
}

/** "1h", "15m", "D" as traders say them. */
export function intervalText(iv: string): string {
  if (!/^\d+$/.test(iv)) return iv === 'D' ? '1d' : iv === 'W' ? '1w' : iv === 'M' ? '1M' : iv;
  const m = Number(iv);
  return m % 60 === 0 ? `${m / 60}h` : `${m}m`;
}

// The one-line live status on a terminal (position, P&L, next candle), redrawn in place, and the
// end-of-replay summary. Log lines written while the status line shows clear it first.
import type { Decimal } from 'decimal.js';
import type { BotRunner, RunnerStatus } from './runner.ts';

function money(d: Decimal): string {
  return d.toDecimalPlaces(2).toFixed(2);
}

function eta(ms: number): string {
  if (ms <= 0) return 'due';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function statusText(s: RunnerStatus, now: number): string {
  const p = s.position;
  const pos = p.side === 'flat' ? 'flat' : `${p.side} ${p.size.toFixed()} @ ${p.avgPrice.toFixed()}${p.stopLoss ? ` sl ${p.stopLoss.toFixed()}` : ''}${p.takeProfit ? ` tp ${p.takeProfit.toFixed()}` : ''}`;
  const pnl = p.side === 'flat' ? '' : ` uPnL ${money(s.unrealised)}`;
  const next = s.nextCloseAt === null ? 'waiting for candles' : `next close in ${eta(s.nextCloseAt - now)}`;
  return `${s.bot} ${s.mode} ${s.symbol}: ${pos}${pnl} · equity ${money(s.equity)} · today ${money(s.realisedToday)} · ${next}${s.errors ? ` · ${s.errors} errors` : ''}`;
}

/** Draws the runners' status on a TTY stream every second; `write` wraps other output around it. */
export class StatusLine {
  private timer: NodeJS.Timeout | undefined;
  private shown = false;

  constructor(private readonly out: NodeJS.WritableStream & { columns?: number }, private readonly runners: () => BotRunner[]) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref();
  }

  draw(): void {
    const width = Math.max(20, (this.out.columns || 120) - 1);
    const text = this.runners().map((r) => statusText(r.status(), Date.now())).join(' | ');
    this.out.write(`\r\x1b[K${text.slice(0, width)}`);
    this.shown = true;
  }

  /** Writes a log line above the status line. */
  write(line: string): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.out.write(line);
    if (this.shown) this.draw();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }
}

/** `dataText`: what the candle file held and how it was read (candleFileText). */
export function replaySummary(r: BotRunner, delivered: number, file: string, dataText?: string): string {
  const s = r.status();
  const { total, entry: entries, exit: exits, skipped } = r.decisionCounts;
  const start = r.plan.simulation.initialEquity;
  const change = s.equity.sub(start);
  const pct = start.isZero() ? '' : ` (${change.div(start).mul(100).toDecimalPlaces(2).toFixed(2)}%)`;
  const p = s.position;
  const pos = p.side === 'flat' ? 'flat' : `${p.side} ${p.size.toFixed()} at ${p.avgPrice.toFixed()}, unrealised ${money(s.unrealised)} (left open: a replay does not close it)`;
  return [
    `${r.plan.name}: replayed ${delivered} candles from ${file} through the live runner (sim venue)`,
    ...(dataText ? dataText.split('\n').map((l, i) => (i === 0 ? `  data: ${l}` : `  ${l}`)) : []),
    `  decisions: ${total} (${entries} entries, ${exits} exits, ${skipped} skipped)`,
    `  equity: ${money(start)} → ${money(s.equity)}${pct}`,
    `  position at the end: ${pos}`,
    s.errors ? `  errors: ${s.errors} (see the log)` : '',
  ].filter(Boolean).join('\n') + '\n';
}

// What `botctl run` shows on a terminal: a fixed header per bot at the top of the screen (what it
// trades and where, its position with stop and target, unrealised P&L, equity, the next candle and
// the stream's health), redrawn every second, with the log scrolling beneath it (a terminal scroll
// region, so decisions never overwrite the header). And the end-of-replay summary.
import type { Decimal } from 'decimal.js';
import { intervalName } from '../market/candle.ts';
import { quoteCoin } from '../spec/summary.ts';
import type { BotRunner, RunnerStatus } from './runner.ts';

function money(d: Decimal): string {
  return d.toDecimalPlaces(2).toFixed(2);
}

function signed(d: Decimal): string {
  const s = money(d);
  return d.toDecimalPlaces(2).gt(0) ? `+${s}` : s;
}

function eta(ms: number): string {
  if (ms <= 0) return 'due';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);
const hhmmss = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/** A closed candle this late means the stream is stuck, even if no disconnect was reported. */
const OVERDUE_MS = 30_000;

export interface ScreenBot {
  runner: Pick<BotRunner, 'status' | 'plan'>;
  /** The network it trades on (the spec's, or --network). */
  network: string;
}

type Tone = 'plain' | 'good' | 'bad' | 'warn' | 'bold' | 'dim';
type Piece = [text: string, tone: Tone];

/** The stream's health: down (reconnecting), a candle overdue, or ok. */
export function streamHealth(s: RunnerStatus, now: number): Piece {
  if (s.streamsDown.length) {
    const d = s.streamsDown.map((x) => `${x.stream} down since ${hhmmss(x.since)}`).join(', ');
    return [`stream RECONNECTING (${d})`, 'bad'];
  }
  if (s.nextCloseAt !== null && now > s.nextCloseAt + OVERDUE_MS) return [`stream: candle ${hhmm(s.nextCloseAt)} overdue by ${eta(now - s.nextCloseAt)}`, 'warn'];
  return ['stream ok', 'good'];
}

/** The header of one bot: two lines of pieces, each with its tone. */
export function headerPieces(b: ScreenBot, now: number): Piece[][] {
  const s = b.runner.status();
  const m = b.runner.plan.market;
  const next = s.nextCloseAt === null ? 'waiting for the first candle' : `next close ${hhmm(s.nextCloseAt)} UTC in ${eta(s.nextCloseAt - now)}`;
  const last = s.lastCandle === null ? '' : ` · last candle ${hhmm(s.lastCandle)}`;
  const line1: Piece[] = [
    [s.bot, 'bold'], [` ${s.mode.toUpperCase()} ${b.network} · ${m.symbol} ${m.category} ${intervalName(m.interval)} · `, 'plain'],
    streamHealth(s, now), [`${last} · ${next}`, 'plain'],
  ];
  const p = s.position;
  const q = quoteCoin(m.symbol);
  const line2: Piece[] = [['  ', 'plain']];
  if (p.side === 'flat') line2.push(['flat', 'plain']);
  else {
    line2.push([`${p.side} ${p.size.toFixed()} @ ${p.avgPrice.toFixed()}`, 'bold'], [` · stop ${p.stopLoss?.toFixed() ?? 'NONE'}`, p.stopLoss ? 'plain' : 'bad'], [` · target ${p.takeProfit?.toFixed() ?? 'none'}`, 'plain']);
    line2.push([' · uPnL ', 'plain'], [`${signed(s.unrealised)} ${q}`.trim(), s.unrealised.gt(0) ? 'good' : s.unrealised.lt(0) ? 'bad' : 'plain']);
  }
  line2.push([` · equity ${money(s.equity)} ${q}`.trimEnd(), 'plain'], [' · today ', 'plain'], [signed(s.realisedToday), s.realisedToday.gt(0) ? 'good' : s.realisedToday.lt(0) ? 'bad' : 'plain']);
  line2.push([` · ${s.decisions} decisions`, 'dim']);
  if (s.errors) line2.push([` · ${s.errors} error${s.errors === 1 ? '' : 's'}`, 'bad']);
  return [line1, line2];
}

const SGR: Record<Tone, string> = { plain: '', good: '\x1b[32m', bad: '\x1b[31m', warn: '\x1b[33m', bold: '\x1b[1m', dim: '\x1b[2m' };

/** One line cut to `width` columns, coloured when `colour`. */
export function renderLine(pieces: Piece[], width: number, colour: boolean): string {
  let out = '';
  let left = width;
  for (const [text, tone] of pieces) {
    if (left <= 0) break;
    const t = text.length > left ? `${text.slice(0, Math.max(0, left - 1))}…` : text;
    left -= t.length;
    out += colour && SGR[tone] ? `${SGR[tone]}${t}\x1b[0m` : t;
  }
  return out;
}

/** The header as plain text (tests, and terminals too small for a fixed header). */
export function headerText(bots: readonly ScreenBot[], now: number, width = 200): string[] {
  return bots.flatMap((b) => headerPieces(b, now).map((l) => renderLine(l, width, false)));
}

export interface TtyOut {
  write(s: string): unknown;
  columns?: number;
  rows?: number;
  on?(event: 'resize', f: () => void): unknown;
  off?(event: 'resize', f: () => void): unknown;
}

/**
 * The terminal screen: the header pinned to the top rows, the log scrolling in the rows below
 * (DECSTBM scroll region). Redrawn every second and after every log line; on stop the region is
 * released and the last header stays on screen above the log.
 */
export class LiveScreen {
  private timer: NodeJS.Timeout | undefined;
  private height = 0;
  private rows = 24;
  private cols = 100;
  private active = false;
  private readonly onResize = () => this.layout();

  constructor(private readonly out: TtyOut, private readonly bots: () => readonly ScreenBot[], private readonly colour: boolean, private readonly clock: () => number = Date.now) {}

  start(): void {
    // Push what was on the screen into the scrollback, so the header starts on a clean top.
    this.out.write('\n'.repeat(Math.max(0, (this.out.rows || 24) - 1)));
    this.layout();
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref();
    this.out.on?.('resize', this.onResize);
  }

  private lines(): string[] {
    const now = this.clock();
    const width = Math.max(20, this.cols - 1);
    const lines = this.bots().flatMap((b) => headerPieces(b, now).map((l) => renderLine(l, width, this.colour)));
    lines.push(this.colour ? `\x1b[2m${'─'.repeat(width)}\x1b[0m` : '─'.repeat(width));
    return lines;
  }

  private layout(): void {
    this.rows = this.out.rows || 24;
    this.cols = this.out.columns || 100;
    const want = this.lines().length;
    // Keep at least five rows for the log; a terminal too small gets no fixed header.
    this.height = this.rows - want >= 5 ? want : 0;
    this.active = this.height > 0;
    if (!this.active) return;
    this.out.write(`\x1b[${this.height + 1};${this.rows}r\x1b[${this.rows};1H`);
    this.draw();
  }

  draw(): void {
    if (!this.active) return;
    const lines = this.lines().slice(0, this.height);
    let s = '\x1b7';
    lines.forEach((l, i) => {
      s += `\x1b[${i + 1};1H\x1b[2K${l}`;
    });
    this.out.write(`${s}\x1b8`);
  }

  /** A log line: it scrolls in the region under the header. */
  write(line: string): void {
    this.out.write(line);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.out.off?.('resize', this.onResize);
    if (!this.active) return;
    this.draw();
    this.out.write(`\x1b[r\x1b[${this.rows};1H\n`);
    this.active = false;
  }
}

/** `dataText`: what the candle file held and how it was read (candleFileText). */
export function replaySummary(r: BotRunner, file: string, dataText?: string): string {
  const s = r.status();
  // Candles the runner decided on: after a fatal error (a failing strategy) the source may hand
  // over another before the run has stopped, which the halted runner does not take.
  const replayed = s.candles;
  const { total, entry: entries, exit: exits, skipped } = r.decisionCounts;
  const start = r.plan.simulation.initialEquity;
  const change = s.equity.sub(start);
  const pct = start.isZero() ? '' : ` (${change.div(start).mul(100).toDecimalPlaces(2).toFixed(2)}%)`;
  const p = s.position;
  const pos = p.side === 'flat' ? 'flat' : `${p.side} ${p.size.toFixed()} at ${p.avgPrice.toFixed()}, unrealised ${money(s.unrealised)} (left open: a replay does not close it)`;
  return [
    `${r.plan.name}: replayed ${replayed} candles from ${file} through the live runner (sim venue)`,
    ...(dataText ? dataText.split('\n').map((l, i) => (i === 0 ? `  data: ${l}` : `  ${l}`)) : []),
    `  decisions: ${total} (${entries} entries, ${exits} exits, ${skipped} skipped)`,
    `  equity: ${money(start)} → ${money(s.equity)}${pct}`,
    `  position at the end: ${pos}`,
    s.errors ? `  errors: ${s.errors} (see the log)` : '',
  ].filter(Boolean).join('\n') + '\n';
}

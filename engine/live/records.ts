// What a live bot writes down and tells: decision records (kept, counted, logged, journaled), the
// core's state after each candle and fill, notifications for the owner, and errors. A journal
// write that fails never throws into the runner: it ends the run (journalFailed), and an entry the
// journal could not record first is not sent (intents.ts).
import type { Candle } from '../market/candle.ts';
import { serializeState } from '../core/state.ts';
import type { Decision, DecisionKind, DecisionOutcome } from '../core/types.ts';
import { fmtDec, fmtTime, skipReason } from '../core/format.ts';
import type { NotificationEvent } from '../notify/index.ts';
import { VenueAuthError, VenueBannedError, VenueSetupError } from '../venue/errors.ts';
import { StrategyError } from '../strategy/checked.ts';
import { UserError } from '../cli/exit.ts';
import { displayPath } from '../strategy/module.ts';
import type { LiveContext } from './context.ts';
import type { RunRecorder } from './types.ts';

/**
 * Decisions kept in memory (the journal has them all; nothing in botctl reads these, tests do).
 * Small enough that a replay of millions of candles keeps flat memory once it is reached.
 */
export const MAX_KEPT = 10_000;
const DAY = 86_400_000;

/** What a skipped signal's record says after "skipped: " ('' when it does not say it). */
function skipWords(d: Decision): string {
  const at = d.reason.indexOf('skipped: ');
  return at < 0 ? '' : d.reason.slice(at + 'skipped: '.length);
}

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The journal could not be written mid-run: the run ends (exit 1); the message says what to do. */
export class JournalWriteError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'JournalWriteError';
  }
}

/** Why a journal write failed, in the trader's words, naming the file; `full` when the disk is. */
function journalProblem(e: unknown, file: string): { text: string; full: boolean } {
  const code = (e as { code?: unknown } | undefined)?.code;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return { text: `the disk is full: the journal ${file} could not be written`, full: true };
  if (typeof code === 'string' && code.startsWith('SQLITE_READONLY')) return { text: `the journal ${file} could not be written: it has become read-only`, full: false };
  return { text: `the journal ${file} could not be written (${errText(e)})`, full: /disk is full/.test(errText(e)) };
}

export class Records {
  /** Decisions after warm-up, in order; the first MAX_KEPT are kept, the rest only counted. */
  readonly decisions: Decision[] = [];
  readonly counts = { total: 0, entry: 0, exit: 0, skipped: 0 };
  errors = 0;
  /** The IP ban already reported (its end, ms): one record per ban, however many calls it refuses. */
  private banReported = 0;
  /** Decisions of the candle being executed, published once its orders are sent. */
  private deferred: Decision[] | null = null;
  /** Emptied, not replaced, after every candle: `deferred` points at it while a candle is executed. */
  private readonly held: Decision[] = [];
  /** Log lines about those orders, told after the decisions that caused them. */
  private deferredLog: (() => void)[] = [];
  /** Exit signals with nothing to exit, not logged one per candle: how many on which UTC day, and why. */
  private quiet = { count: 0, day: 0, why: new Set<string>() };
  /**
   * Entry signals skipped for the same reason as the one before (entries paused by max drawdown,
   * already in the position, an order below the minimum quantity), whatever its figures: the first
   * is logged, the repeats counted and told once a day with the last one's words. A bot paused
   * for months would otherwise log every signal, and a replay hundreds of thousands of lines.
   */
  private repeats: { kind: string; last: Decision | null; count: number; day: number } = { kind: '', last: null, count: 0, day: 0 };

  /** A journal write failed: nothing more is written (journalFailed said why). */
  private journalBroken = false;

  constructor(private readonly x: LiveContext) {}

  record(d: Decision): void {
    const n = this.counts;
    n.total++;
    if (d.outcome === 'entry' || d.outcome === 'exit' || d.outcome === 'skipped') n[d.outcome]++;
    // A copy is kept: were the core's own objects kept, V8 would see its decisions survive and
    // allocate every later one straight into old space (pretenuring), for the collector to sweep.
    if (this.decisions.length < MAX_KEPT) this.decisions.push({ ...d });
    if (this.deferred) this.deferred.push(d);
    else this.publish(d);
  }

  /** Holds back publishing until `flush`: a candle's orders go out before its records cost time. */
  defer(): void {
    this.deferred = this.held;
  }

  flush(): void {
    const list = this.deferred;
    this.deferred = null;
    if (list !== null && list.length > 0) {
      const decisions = list.splice(0, list.length);
      for (const d of decisions) this.publish(d);
    }
    if (this.deferredLog.length === 0) return;
    const lines = this.deferredLog;
    this.deferredLog = [];
    for (const l of lines) l();
  }

  /**
   * A log line about an order a decision caused: while the candle's decisions are held back, it
   * waits for them, so the log reads cause then effect (decision, then the order it placed).
   */
  log(level: 'info' | 'warn', message: string, fields: Record<string, unknown>): void {
    const line = () => this.x.log[level](message, fields);
    if (this.deferred) this.deferredLog.push(line);
    else line();
  }

  /** Says how many signals of a day went unlogged, "nothing to do" exits and repeated skips (once the day is over, and at the end). */
  tellQuiet(): void {
    this.tellRepeats();
    this.tellNothingToDo();
  }

  private tellNothingToDo(): void {
    const q = this.quiet;
    if (q.count === 0) return;
    const day = fmtTime(q.day * DAY).slice(0, 10);
    this.x.log.info(`decision: ${q.count} exit signal${q.count === 1 ? '' : 's'} on ${day} had nothing to do (${[...q.why].join(', ')}); each is in the journal`, { kind: 'signal', outcome: 'none', count: q.count, day });
    q.count = 0;
    q.why.clear();
  }

  private tellRepeats(): void {
    const r = this.repeats;
    const { count, last } = r;
    if (count === 0 || last === null) return;
    r.count = 0;
    // A lone repeat reads best as itself.
    if (count === 1) return this.logDecision(last);
    const day = fmtTime(r.day * DAY).slice(0, 10);
    this.x.log.info(`decision: ${count} more entry signals on ${day} skipped: ${skipWords(last)}; each is in the journal`, { kind: 'signal', outcome: 'skipped', count, day });
  }

  /** Log line, journal row, notification: after the candle's orders are out (they cost time). */
  private publish(d: Decision): void {
    const { o, log } = this.x;
    if (d.kind === 'protection') this.tell({ kind: 'protection', time: d.time, protection: String(d.action), message: d.reason });
    o.onDecision?.(d);
    this.journal((r) => r.decision(d));
    // An exit signal while there is nothing to exit comes on many candles and changes nothing:
    // counted, and told in one line before the next decision worth reading.
    const q = this.quiet;
    const day = Math.floor(d.candle / DAY);
    const r = this.repeats;
    if (r.count > 0 && day !== r.day) this.tellRepeats();
    if (q.count > 0 && day !== q.day) this.tellNothingToDo();
    if (d.kind === 'signal' && d.outcome === 'none') {
      q.count++;
      q.day = day;
      q.why.add(d.reason.replace(/^nothing to do: /, ''));
      return;
    }
    const why = d.kind === 'signal' && d.outcome === 'skipped' ? skipWords(d) : '';
    const kind = why === '' ? '' : skipReason(why);
    if (kind !== '' && kind === r.kind) {
      r.count++;
      r.day = day;
      r.last = d;
      return;
    }
    // Anything else said in full ends the run of repeats: what was counted is told first.
    this.tellRepeats();
    r.kind = kind;
    this.logDecision(d);
  }

  private logDecision(d: Decision): void {
    const log = this.x.log;
    const level = d.outcome === 'rejected' || (d.kind === 'protection' && d.outcome === 'exit') ? 'warn' : 'info';
    if (log.isLevelEnabled(level)) log[level](`decision: ${d.text}`, { kind: d.kind, action: d.action, outcome: d.outcome, candle: new Date(d.candle).toISOString() });
  }

  tell(e: DistributiveOmit<NotificationEvent, 'bot' | 'symbol' | 'mode'>): void {
    const { o } = this.x;
    const notify = o.notify;
    if (!notify || o.mode === 'replay') return;
    notify({ ...e, bot: o.plan.name, symbol: o.plan.market.symbol, mode: o.mode } as NotificationEvent);
  }

  /** A decision made on candle `c` (stamped at its close). */
  decide(c: Candle, kind: DecisionKind, action: Decision['action'], outcome: DecisionOutcome, reason: string): void {
    this.record({ time: c.start + this.x.step, candle: c.start, kind, action, outcome, reason, text: `${fmtTime(c.start)} ${reason}` });
  }

  /** A decision made between candles, at `time`. */
  decideAt(time: number, kind: DecisionKind, action: Decision['action'], outcome: DecisionOutcome, reason: string): void {
    this.record({ time, candle: this.x.lastStart ?? time, kind, action, outcome, reason, text: `${fmtTime(time)} ${reason}` });
  }

  failed(what: string, e: unknown): void {
    if (e instanceof VenueBannedError) {
      this.banned(e);
      return;
    }
    const { o, log, now } = this.x;
    this.errors++;
    // A misbehaving strategy module stops the bot's decisions at once (the position keeps its
    // exchange-side stops); the session ends the run with exit 1.
    if (e instanceof StrategyError) {
      this.x.halted = true;
      what = 'the strategy module failed; no further decisions';
    }
    const text = errText(e);
    log.error(what, { error: text });
    this.journal((r) => r.error?.(`${what}: ${text}`, now()));
    this.tell({ kind: 'error', time: now(), message: `${what}: ${text}`, source: 'runner' });
    // Keys refused, an account set up so that nothing can be traded (hedge mode switched on mid-run),
    // or a strategy module that failed.
    if (e instanceof VenueAuthError || e instanceof VenueSetupError || e instanceof StrategyError) o.onFatal?.(e);
  }

  /**
   * Bybit banned the IP (HTTP 403): nothing can be sent until `e.until`. Said once per ban, with
   * what protects the position meanwhile (its exchange-side stops keep working on Bybit).
   */
  banned(e: VenueBannedError): void {
    const x = this.x;
    if (e.until <= this.banReported) return;
    const fresh = this.banReported < Date.now(); // the ban is on the wall clock (call.ts)
    this.banReported = e.until;
    if (!fresh) return; // the same ban, extended by a request that slipped through
    const text = `Bybit has banned this machine's IP address (HTTP 403, too many requests) until ${fmtTime(e.until)} UTC: botctl sends nothing until then; ${this.cover('while botctl cannot reach Bybit')}`;
    this.errors++;
    x.log.error(text, { until: new Date(e.until).toISOString() });
    this.journal((r) => r.error?.(text, x.now()));
    this.decideAt(x.now(), 'protection', 'exchange', 'paused', text);
  }

  /** A journal write; one that fails ends the run (journalFailed) but never throws into the runner. */
  journal(write: (r: RunRecorder) => void): void {
    const r = this.x.o.recorder;
    if (!r || this.journalBroken) return;
    try {
      write(r);
    } catch (e) {
      this.journalFailed(e);
    }
  }

  /**
   * The journal stopped taking writes (a full disk, a file made read-only or damaged): after a
   * crash the bot could no longer know its orders, so it decides nothing more (no new entries).
   * Orders under way finish and the position keeps its exchange-side stops; the run ends with
   * exit 1 (onFatal), and the next start reconciles with the exchange. Said once.
   */
  journalFailed(e: unknown): void {
    this.errors++;
    if (this.journalBroken) return;
    this.journalBroken = true;
    const x = this.x;
    x.halted = true;
    const file = displayPath(x.plan.run.journal);
    const problem = journalProblem(e, file);
    const again = { live: 'start the bot again: it takes the position and its orders over from Bybit', paper: 'start the bot again: it carries on from what the journal holds', replay: 'run the replay again' }[x.o.mode];
    const text = `${problem.text}. botctl stopped trading this bot: no new entries; ${this.cover('once botctl has stopped')}. `
      + `${problem.full ? 'Free some disk space' : 'Make the journal writable again'} and ${again}`;
    x.log.error(text, { journal: file, error: errText(e) });
    this.tell({ kind: 'error', time: x.now(), message: text, source: 'journal' });
    x.o.onFatal?.(new JournalWriteError(text));
  }

  /** What protects the open position (for messages when botctl cannot act): `unreachable` says when. */
  private cover(unreachable: string): string {
    const x = this.x;
    const p = x.core?.state.position ?? null;
    if (p === null) return 'no position is open';
    if (x.o.mode !== 'live') return `the simulated ${p.side} ${fmtDec(p.qty)} stays open`;
    return x.plan.exits.placement === 'exchange' && p.stopLoss
      ? `the ${p.side} ${fmtDec(p.qty)} stays under its exchange-side stop-loss ${fmtDec(p.stopLoss)}${p.takeProfit ? ` and take-profit ${fmtDec(p.takeProfit)}` : ''}, which Bybit keeps working`
      : `the ${p.side} ${fmtDec(p.qty)} has no exchange-side stop-loss ${unreachable}`;
  }

  /** The core's state, serialised when the recorder keeps it (one function for every candle). */
  private readonly coreState = (): string => serializeState(this.x.core.snapshot());

  /** The core's state and the account into the journal: after each candle and each applied fill (a restart continues from it). */
  saveCore(time: number): void {
    const r = this.x.o.recorder;
    if (!r?.candle || this.journalBroken) return;
    const b = this.x.book;
    // As journal(), without a closure per candle.
    try {
      r.candle(time, this.coreState, b.equity(), b.walletBalance, b.availableBalance);
    } catch (e) {
      this.journalFailed(e);
    }
  }
}

// Read side of a journal, for one bot in one mode: what `status`, `trades`, `report` and crash
// recovery need. Paper and live history span all runs of the bot (a position outlives a restart);
// a backtest view covers one backtest run (the latest unless told otherwise).
import type Database from 'better-sqlite3';
import { Decimal } from 'decimal.js';
import {
  decisionFromRow,
  equityFromRow,
  equityFromRowExpanded,
  equityRowEnd,
  fillFromRow,
  orderEventFromRow,
  orderFromRow,
  positionFromRow,
  runFromRow,
  type DecisionRow,
  type EquityRow,
  type FillRow,
  type OrderEventRow,
  type OrderRow,
  type PositionRow,
  type RunRow,
} from './rows.ts';
import { buildTrades, utcDayStart, type TradeLedger } from './trades.ts';
import { prepared } from './stmt.ts';
import {
  TERMINAL_ORDER_STATUSES,
  type DecisionRecord,
  type EquityRecord,
  type ErrorRecord,
  type FillRecord,
  type JournalOrder,
  type OrderEventRecord,
  type PositionRecord,
  type RunMode,
  type RunRecord,
  type StateRecord,
  type Trade,
} from './types.ts';

const DAY_MS = 86_400_000;

/** Where a run's orders and fills live: ids are unique per scope, never across scopes. */
export function scopeOf(mode: RunMode, bot: string, runId: number): string {
  return mode === 'backtest' ? `backtest:${runId}` : `${mode}:${bot}`;
}

export interface ViewSelector {
  mode: RunMode;
  bot: string;
  /** Backtest views: which run (default: the bot's latest backtest run). Ignored for paper/live. */
  runId?: number;
}

export class JournalView {
  readonly mode: RunMode;
  readonly bot: string;
  /** The backtest run this view covers; undefined for paper/live (and when no backtest ran yet). */
  readonly runId: number | undefined;
  private readonly scope: string;
  /** SQL condition selecting this view's runs, bound with @mode, @bot, @runId. */
  private readonly runFilter: string;
  private readonly params: { mode: RunMode; bot: string; runId: number; scope: string };

  constructor(private readonly db: Database.Database, sel: ViewSelector) {
    this.mode = sel.mode;
    this.bot = sel.bot;
    if (sel.mode === 'backtest') {
      const latest = sel.runId ?? (prepared(db, `SELECT max(id) AS id FROM runs WHERE mode = 'backtest' AND bot = ?`).get(sel.bot) as { id: number | null }).id;
      this.runId = latest ?? undefined;
      this.runFilter = 'run_id = @runId';
    } else {
      this.runId = undefined;
      this.runFilter = 'run_id IN (SELECT id FROM runs WHERE mode = @mode AND bot = @bot)';
    }
    const runId = this.runId ?? -1;
    this.scope = scopeOf(sel.mode, sel.bot, runId);
    this.params = { mode: sel.mode, bot: sel.bot, runId, scope: this.scope };
  }

  // ---------- runs ----------

  latestRun(): RunRecord | undefined {
    const row = (
      this.mode === 'backtest'
        ? prepared(this.db, `SELECT * FROM runs WHERE id = @runId`)
        : prepared(this.db, `SELECT * FROM runs WHERE mode = @mode AND bot = @bot ORDER BY id DESC LIMIT 1`)
    ).get(this.params) as RunRow | undefined;
    return row && runFromRow(row);
  }

  runs(): RunRecord[] {
    const rows = prepared(this.db, `SELECT * FROM runs WHERE mode = @mode AND bot = @bot ORDER BY id`).all(this.params) as RunRow[];
    return rows.map(runFromRow);
  }

  // ---------- position ----------

  /** The latest position snapshot, flat or not. */
  lastPosition(): PositionRecord | undefined {
    const row = prepared(this.db, `SELECT * FROM positions WHERE ${this.runFilter} ORDER BY time DESC, id DESC LIMIT 1`)
      .get(this.params) as PositionRow | undefined;
    return row && positionFromRow(row);
  }

  /** The open position with its stops, per the latest snapshot; undefined when flat or never recorded. */
  openPosition(): PositionRecord | undefined {
    const p = this.lastPosition();
    return p && p.side !== 'flat' && !p.qty.isZero() ? p : undefined;
  }

  // ---------- orders ----------

  /** Orders not yet final (including intents never acknowledged), oldest first, keyed by orderLinkId. */
  workingOrders(): JournalOrder[] {
    const terminal = TERMINAL_ORDER_STATUSES.map((s) => `'${s}'`).join(', ');
    const rows = prepared(this.db, `SELECT * FROM orders WHERE scope = @scope AND status NOT IN (${terminal}) ORDER BY created_at, id`)
      .all(this.params) as OrderRow[];
    return rows.map(orderFromRow);
  }

  order(orderLinkId: string): JournalOrder | undefined {
    const row = prepared(this.db, `SELECT * FROM orders WHERE scope = @scope AND order_link_id = @id`)
      .get({ ...this.params, id: orderLinkId }) as OrderRow | undefined;
    return row && orderFromRow(row);
  }

  /**
   * Every order this bot placed (or adopted) in this mode, oldest first: crash recovery compares
   * them with the exchange's open orders to find orphans.
   */
  orders(opts: { since?: number; linkIdPrefix?: string } = {}): JournalOrder[] {
    const rows = prepared(this.db,
        `SELECT * FROM orders WHERE scope = @scope AND updated_at >= @since AND substr(order_link_id, 1, length(@prefix)) = @prefix
         ORDER BY created_at, id`,
      )
      .all({ ...this.params, since: opts.since ?? Number.MIN_SAFE_INTEGER, prefix: opts.linkIdPrefix ?? '' }) as OrderRow[];
    return rows.map(orderFromRow);
  }

  /** Every state change of one order, in the order they were recorded. */
  orderEvents(orderLinkId: string): OrderEventRecord[] {
    const rows = prepared(this.db,
        `SELECT e.run_id, e.time, o.order_link_id, e.order_id, e.status, e.qty, e.price, e.filled_qty, e.reason, e.applied
         FROM order_events e JOIN orders o ON o.id = e.order_ref
         WHERE o.scope = @scope AND o.order_link_id = @id ORDER BY e.id`,
      )
      .all({ ...this.params, id: orderLinkId }) as OrderEventRow[];
    return rows.map(orderEventFromRow);
  }

  // ---------- fills, trades, P&L ----------

  fills(opts: { since?: number } = {}): FillRecord[] {
    const rows = prepared(this.db, `SELECT * FROM fills WHERE scope = @scope AND time >= @since ORDER BY time, id`)
      .all({ ...this.params, since: opts.since ?? Number.MIN_SAFE_INTEGER }) as FillRow[];
    return rows.map(fillFromRow);
  }

  /** Trades and realised P&L from all fills (a trade may have opened before any `since`). */
  ledger(): TradeLedger {
    return buildTrades(this.fills());
  }

  /**
   * Round trips, oldest first: closed trades whose exit is at or after `since`, plus the open
   * trade when `includeOpen`.
   */
  trades(opts: { since?: number; includeOpen?: boolean } = {}): Trade[] {
    const since = opts.since ?? Number.MIN_SAFE_INTEGER;
    return this.ledger().trades.filter((t) => (t.exitTime === null ? opts.includeOpen === true : t.exitTime >= since));
  }

  /** The position the fills add up to (no stops: see openPosition), to cross-check the exchange after a restart. */
  positionFromFills(): TradeLedger['position'] {
    return this.ledger().position;
  }

  /** Net realised P&L (after fees) of closing fills in [from, to). */
  realisedPnl(from: number, to: number): Decimal {
    let sum = new Decimal(0);
    for (const r of this.ledger().realised) if (r.time >= from && r.time < to) sum = sum.add(r.pnl);
    return sum;
  }

  /** Net realised P&L of the UTC day containing `now`. */
  todayRealisedPnl(now: number = Date.now()): Decimal {
    const start = utcDayStart(now);
    return this.realisedPnl(start, start + DAY_MS);
  }

  // ---------- decisions, equity, errors, state ----------

  /** The last `limit` decisions (default 20), oldest first. */
  decisions(opts: { limit?: number; since?: number } = {}): DecisionRecord[] {
    const rows = prepared(this.db, `SELECT * FROM decisions WHERE ${this.runFilter} AND time >= @since ORDER BY time DESC, id DESC LIMIT @limit`)
      .all({ ...this.params, since: opts.since ?? Number.MIN_SAFE_INTEGER, limit: opts.limit ?? 20 }) as DecisionRow[];
    return rows.reverse().map(decisionFromRow);
  }

  /** How often each skip reason was recorded (the reports group them). */
  skipReasons(): { reason: string; count: number }[] {
    return prepared(this.db, `SELECT reason, COUNT(*) AS count FROM decisions WHERE ${this.runFilter} AND outcome = 'skipped' GROUP BY reason`)
      .all(this.params) as { reason: string; count: number }[];
  }

  /** The newest snapshot (a run-length coded row's last repeat: rows never overlap, so the newest row holds it). */
  lastEquity(): EquityRecord | undefined {
    const row = prepared(this.db, `SELECT * FROM equity WHERE ${this.runFilter} ORDER BY time DESC, id DESC LIMIT 1`)
      .get(this.params) as EquityRow | undefined;
    return row && { ...equityFromRow(row), time: equityRowEnd(row) };
  }

  /** Equity snapshots in time order, a replay's repeats expanded (`limit` keeps the newest). */
  equity(opts: { since?: number; limit?: number } = {}): EquityRecord[] {
    const since = opts.since ?? Number.MIN_SAFE_INTEGER;
    const limit = opts.limit === undefined || opts.limit < 0 ? Infinity : opts.limit;
    const newestFirst: EquityRecord[] = [];
    if (limit === 0) return newestFirst;
    const rows = prepared(this.db, `SELECT * FROM equity WHERE ${this.runFilter} AND time + repeats * coalesce(every, 0) >= @since ORDER BY time DESC, id DESC`)
      .iterate({ ...this.params, since }) as IterableIterator<EquityRow>;
    for (const row of rows) {
      const snaps = equityFromRowExpanded(row);
      for (let i = snaps.length - 1; i >= 0 && snaps[i]!.time >= since; i--) {
        newestFirst.push(snaps[i]!);
        if (newestFirst.length >= limit) return newestFirst.reverse(); // leaving the loop ends the statement
      }
    }
    return newestFirst.reverse();
  }

  /** The last `limit` errors (default 20), oldest first. */
  errors(opts: { limit?: number } = {}): ErrorRecord[] {
    const rows = prepared(this.db, `SELECT run_id, time, source, message, details FROM errors WHERE ${this.runFilter} ORDER BY time DESC, id DESC LIMIT @limit`)
      .all({ ...this.params, limit: opts.limit ?? 20 }) as { run_id: number; time: number; source: string; message: string; details: string | null }[];
    return rows.reverse().map((r) => ({
      runId: r.run_id,
      time: r.time,
      source: r.source,
      message: r.message,
      details: r.details === null ? undefined : JSON.parse(r.details),
    }));
  }

  /** The last state the core saved under `kind` (e.g. 'cooldown', 'protections'), for a restart. */
  lastState<T = unknown>(kind: string): StateRecord<T> | undefined {
    const row = prepared(this.db, `SELECT run_id, time, kind, state FROM states WHERE kind = @kind AND ${this.runFilter} ORDER BY id DESC LIMIT 1`)
      .get({ ...this.params, kind }) as { run_id: number; time: number; kind: string; state: string } | undefined;
    return row && { runId: row.run_id, time: row.time, kind: row.kind, state: JSON.parse(row.state) as T };
  }
}

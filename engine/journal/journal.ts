// A bot's journal: one SQLite file (WAL) recording every run, decision, order state change, fill,
// position, equity snapshot, error and saved cooldown/protection state.
//
// The write that matters most is the order intent: `recordOrderIntent` has committed (and, with
// the default durability, fsynced) before it returns, so "write the intent, then place the order"
// means a crash at any point leaves either no order or an intent that recovery reconciles with the
// exchange by its orderLinkId. Each record method is one small transaction.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Decimal } from 'decimal.js';
import { Redactor } from '../log/redact.ts';
import { decText, eventTime, optDecText } from './codec.ts';
import { prepared } from './stmt.ts';
import { orderFromRow, runFromRow, type OrderRow, type RunRow } from './rows.ts';
import { checkJournalFile, migrate, SCHEMA_VERSION } from './schema.ts';
import { checkJournalHealth, journalFailure } from './health.ts';
import { lockJournal } from './lock.ts';
import {
  isTerminalOrderStatus,
  JournalError,
  RUN_MODES,
  type DecisionInput,
  type DecimalInput,
  type EquitySnapshot,
  type ErrorInput,
  type FillInput,
  type JournalOrder,
  type JournalOrderStatus,
  type OrderIntent,
  type OrderUpdate,
  type PositionSnapshot,
  type RunMode,
  type RunRecord,
  type RunStart,
} from './types.ts';
import { JournalView, scopeOf, type ViewSelector } from './view.ts';

export interface OpenJournalOptions {
  /** Open an existing journal for reading only (status, trades, report): never creates or migrates. */
  readonly?: boolean;
  /**
   * 'full' (default): order, fill, position and state writes are fsynced before the call returns.
   * 'normal': commits survive a crash of botctl but not of the machine; for backtests.
   */
  durability?: 'full' | 'normal';
  /** Scrubs error records (default: BYBIT_API_KEY/SECRET from the environment and secret field names). */
  redactor?: Redactor;
  /** Tests only: stop migrating at this schema version. */
  migrateTo?: number;
}

/** How far along an order is; an update never moves an order backwards. */
function statusRank(status: string): number {
  if (isTerminalOrderStatus(status)) return 5;
  switch (status) {
    case 'Intent': return 0;
    case 'Untriggered': return 1;
    case 'Triggered': return 2;
    case 'New': return 3;
    case 'PartiallyFilled': return 4;
    default: return 3;
  }
}

export class Journal {
  readonly path: string;
  /** @internal The connection; exposed for tests and migrations. */
  readonly db: Database.Database;
  readonly redactor: Redactor;
  private readonly fullDurability: boolean;
  private syncLevel: 'FULL' | 'NORMAL' | undefined;

  private constructor(path: string, db: Database.Database, opts: OpenJournalOptions, private readonly release: () => void) {
    this.path = path;
    this.db = db;
    this.redactor = opts.redactor ?? new Redactor();
    this.fullDurability = (opts.durability ?? 'full') === 'full';
  }

  static open(path: string, opts: OpenJournalOptions = {}): Journal {
    if (opts.readonly && !existsSync(path)) {
      throw new JournalError(`no journal at ${path}: the bot has not run yet in this place (run.journal in the spec)`);
    }
    // A writer takes the journal's lock first (one process per journal), then nothing is written
    // until the file has proved to be a healthy botctl journal (health.ts).
    let release = () => {};
    if (!opts.readonly) {
      try {
        mkdirSync(dirname(path), { recursive: true });
      } catch (err) {
        throw new JournalError(`cannot create the folder of journal ${path}: ${(err as Error).message}`);
      }
      release = lockJournal(path);
    }
    let db: Database.Database;
    try {
      checkJournalHealth(path);
      db = new Database(path, { readonly: opts.readonly === true, fileMustExist: opts.readonly === true });
    } catch (err) {
      release();
      if (err instanceof JournalError) throw err;
      throw new JournalError(`cannot open journal ${path}: ${(err as Error).message}`);
    }
    try {
      db.pragma('busy_timeout = 5000');
      if (!opts.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('foreign_keys = ON');
        migrate(db, path, opts.migrateTo);
      } else {
        const version = checkJournalFile(db, path);
        if (version === 0) throw new JournalError(`${path} is empty, not a botctl journal yet: the bot has not run with this journal`);
        if (version < SCHEMA_VERSION) {
          throw new JournalError(
            `journal ${path} uses schema v${version} and needs an upgrade to v${SCHEMA_VERSION}; it is upgraded the next time botctl run opens it`,
          );
        }
      }
    } catch (err) {
      db.close();
      release();
      throw journalFailure(err, path);
    }
    return new Journal(path, db, opts, release);
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /** Starts a run; everything recorded through the returned RunJournal belongs to it. */
  startRun(start: RunStart): RunJournal {
    if (!RUN_MODES.includes(start.mode)) throw new JournalError(`run mode must be paper, live or backtest, got "${start.mode}"`);
    const specHash = start.specHash ?? createHash('sha256').update(start.specText).digest('hex');
    const id = this.write(true, () =>
      Number(
        prepared(this.db,
            `INSERT INTO runs (mode, bot, symbol, category, interval, network, spec_file, spec_text, spec_hash, botctl_version, pid, started_at)
             VALUES (@mode, @bot, @symbol, @category, @interval, @network, @specFile, @specText, @specHash, @botctlVersion, @pid, @time)`,
          )
          .run({
            mode: start.mode,
            bot: start.bot,
            symbol: start.symbol,
            category: start.category,
            interval: start.interval,
            network: start.network,
            specFile: start.specFile ?? null,
            specText: start.specText,
            specHash,
            botctlVersion: start.botctlVersion ?? null,
            pid: process.pid,
            time: eventTime(start.time),
          }).lastInsertRowid,
      ),
    );
    return new RunJournal(this, this.run(id)!);
  }

  run(id: number): RunRecord | undefined {
    const row = prepared(this.db, `SELECT * FROM runs WHERE id = ?`).get(id) as RunRow | undefined;
    return row && runFromRow(row);
  }

  /** All runs, oldest first, optionally of one mode and/or bot. */
  runs(filter: { mode?: RunMode; bot?: string } = {}): RunRecord[] {
    const rows = prepared(this.db, `SELECT * FROM runs WHERE (@mode IS NULL OR mode = @mode) AND (@bot IS NULL OR bot = @bot) ORDER BY id`)
      .all({ mode: filter.mode ?? null, bot: filter.bot ?? null }) as RunRow[];
    return rows.map(runFromRow);
  }

  /** Bot names that have runs in `mode`. */
  bots(mode: RunMode): string[] {
    return (prepared(this.db, `SELECT DISTINCT bot FROM runs WHERE mode = ? ORDER BY bot`).all(mode) as { bot: string }[]).map((r) => r.bot);
  }

  view(sel: ViewSelector): JournalView {
    return new JournalView(this.db, sel);
  }

  /** Runs `fn` as one transaction: for backtests writing thousands of records. */
  batch<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /**
   * Holds a transaction open across writes until `commitOpen()`: a replay writes thousands of
   * candles a second, and a commit per record was most of its time. Other readers see the writes
   * at each commit; a crash loses the uncommitted part, which a replay can simply run again.
   */
  beginOpen(): void {
    if (this.db.inTransaction) return;
    if (this.syncLevel !== 'NORMAL') {
      this.db.pragma('synchronous = NORMAL');
      this.syncLevel = 'NORMAL';
    }
    this.db.exec('BEGIN');
  }

  /** Commits what `beginOpen` held open (nothing when a failed write already rolled it back). */
  commitOpen(): void {
    if (this.db.open && this.db.inTransaction) this.db.exec('COMMIT');
  }

  close(): void {
    if (this.db.open) this.db.close();
    this.release();
  }

  /** @internal One transaction; `durable` writes are fsynced at commit unless durability is 'normal'. */
  write<T>(durable: boolean, fn: () => T): T {
    if (this.db.readonly) throw new JournalError(`journal ${this.path} was opened read-only`);
    // synchronous cannot change inside a transaction; an enclosing batch() commits with its own level.
    if (!this.db.inTransaction) {
      const level = durable && this.fullDurability ? 'FULL' : 'NORMAL';
      if (level !== this.syncLevel) {
        this.db.pragma(`synchronous = ${level}`);
        this.syncLevel = level;
      }
    }
    return this.db.transaction(fn)();
  }

  /**
   * @internal One statement, atomic by itself: inside an open transaction (a replay's batch) it is
   * run as is, without the savepoint a transaction of its own would cost on every candle.
   */
  writeOne(durable: boolean, sql: string, values: unknown[]): void {
    if (!this.db.inTransaction) {
      this.write(durable, () => prepared(this.db, sql).run(...values));
      return;
    }
    if (this.db.readonly) throw new JournalError(`journal ${this.path} was opened read-only`);
    prepared(this.db, sql).run(...values);
  }
}

const NOTHING_YET = Symbol('no snapshot yet');

/** An equity row not written yet: a replay extends it while the candles repeat it. */
interface HeldEquity {
  time: number;
  equity: string;
  wallet: string | null;
  available: string | null;
  coin: string | null;
  repeats: number;
  every: number;
  /** The time of its last repeat. */
  last: number;
}

/** The write side of one run. Read through `view` (this bot, this run's mode). */
export class RunJournal {
  readonly run: RunRecord;
  readonly view: JournalView;
  private readonly scope: string;
  private readonly db: Database.Database;
  /** The last equity snapshot's values and their text. */
  private readonly equityText: { equity: [unknown, string | null]; wallet: [unknown, string | null]; available: [unknown, string | null] } = {
    equity: [NOTHING_YET, null], wallet: [NOTHING_YET, null], available: [NOTHING_YET, null],
  };

  /** The replay's snapshot being extended (holdEquity). */
  private held: HeldEquity | null = null;

  constructor(readonly journal: Journal, run: RunRecord) {
    this.run = run;
    this.db = journal.db;
    this.scope = scopeOf(run.mode, run.bot, run.id);
    this.view = journal.view({ mode: run.mode, bot: run.bot, runId: run.id });
  }

  get id(): number {
    return this.run.id;
  }

  end(opts: { time: number; reason: string }): void {
    this.flushEquity();
    this.journal.write(true, () => {
      prepared(this.db, `UPDATE runs SET ended_at = ?, end_reason = ? WHERE id = ?`).run(eventTime(opts.time), opts.reason, this.run.id);
    });
  }

  recordDecision(d: DecisionInput): void {
    this.journal.writeOne(false,
      `INSERT INTO decisions (run_id, time, candle, kind, action, outcome, reason, text, strength, confidence)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [this.run.id, eventTime(d.time), d.candle ?? null, d.kind, d.action, d.outcome, d.reason, d.text ?? null, d.strength ?? null, d.confidence ?? null],
    );
  }

  /**
   * Writes the order down before it is sent; committed to disk when this returns. Recording the
   * same orderLinkId again (a retry, or a restart re-deriving the id) returns the stored order with
   * `created: false`; reusing an id for a different order is a bug and throws.
   */
  recordOrderIntent(intent: OrderIntent): { order: JournalOrder; created: boolean } {
    validateLinkId(intent.orderLinkId);
    eventTime(intent.time);
    const qty = decText(intent.qty, 'qty');
    const price = optDecText(intent.price, 'price');
    return this.journal.write(true, () => {
      const existing = this.getOrderRow(intent.orderLinkId);
      if (existing) {
        if (existing.side !== intent.side || existing.type !== intent.type || !new Decimal(existing.qty).eq(qty)) {
          throw new JournalError(
            `orderLinkId "${intent.orderLinkId}" is already journaled for a different order ` +
              `(${existing.side} ${existing.type} ${existing.qty}, now ${intent.side} ${intent.type} ${qty})`,
          );
        }
        return { order: orderFromRow(existing), created: false };
      }
      const ref = prepared(this.db,
          `INSERT INTO orders (scope, run_id, order_link_id, side, type, purpose, qty, price, reduce_only, stop_loss, take_profit, status, reason, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'Intent', ?, ?, ?)`,
        )
        .run(
          this.scope,
          this.run.id,
          intent.orderLinkId,
          intent.side,
          intent.type,
          intent.purpose,
          qty,
          price,
          intent.reduceOnly ? 1 : 0,
          optDecText(intent.stopLoss, 'stopLoss'),
          optDecText(intent.takeProfit, 'takeProfit'),
          intent.reason,
          intent.time,
          intent.time,
        ).lastInsertRowid;
      this.insertEvent(Number(ref), intent.time, null, 'Intent', qty, price, null, intent.reason, true);
      return { order: orderFromRow(this.getOrderRow(intent.orderLinkId)!), created: true };
    });
  }

  /**
   * Records one state change reported by the exchange and returns the order as it now stands.
   * Every change is kept as an event; a late or duplicate message never moves the order backwards
   * (a `New` after `Filled` is recorded with applied=false). An order the journal has never seen
   * is adopted (purpose 'external', or 'stop_loss' etc. from its origin) when the update says its side, type and qty.
   */
  recordOrderUpdate(u: OrderUpdate): JournalOrder {
    const key = u.orderLinkId !== '' ? u.orderLinkId : u.orderId ? `exchange:${u.orderId}` : undefined;
    if (key === undefined) throw new JournalError('an order update needs an orderLinkId or an orderId');
    eventTime(u.updatedAt, 'updatedAt');
    const qty = optDecText(u.qty, 'qty');
    const price = optDecText(u.price, 'price');
    const filled = optDecText(u.filledQty, 'filledQty');
    const avg = optDecText(u.avgFillPrice, 'avgFillPrice');
    const fee = optDecText(u.fee, 'fee');
    const stopLoss = optDecText(u.stopLoss, 'stopLoss');
    const takeProfit = optDecText(u.takeProfit, 'takeProfit');
    return this.journal.write(true, () => {
      const row = this.getOrderRow(key);
      if (!row) {
        if (!u.side || !u.type || qty === null) {
          throw new JournalError(
            `order "${key}" is not in the journal: record its intent before sending it, or pass side, type and qty to adopt it`,
          );
        }
        const ref = prepared(this.db,
            `INSERT INTO orders (scope, run_id, order_link_id, order_id, side, type, purpose, qty, price, reduce_only, stop_loss, take_profit,
                                 status, filled_qty, avg_fill_price, fee, reason, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            this.scope, this.run.id, key, u.orderId ?? null, u.side, u.type, adoptedPurpose(u.origin), qty, price, u.reduceOnly ? 1 : 0, stopLoss, takeProfit,
            u.status, filled ?? '0', avg, fee ?? '0', u.reason ?? null, u.updatedAt, u.updatedAt,
          ).lastInsertRowid;
        this.insertEvent(Number(ref), u.updatedAt, u.orderId ?? null, u.status, qty, price, filled, u.reason ?? null, true);
        return orderFromRow(this.getOrderRow(key)!);
      }

      const applied = isApplicable(row, u.status, filled);
      this.insertEvent(row.id, u.updatedAt, u.orderId ?? null, u.status, qty, price, filled, u.reason ?? null, applied);
      const maxFilled = filled !== null && new Decimal(filled).gt(row.filled_qty) ? filled : row.filled_qty;
      if (applied) {
        prepared(this.db,
            `UPDATE orders SET status = ?, order_id = coalesce(?, order_id), qty = coalesce(?, qty), price = coalesce(?, price),
               filled_qty = ?, avg_fill_price = coalesce(?, avg_fill_price), fee = coalesce(?, fee),
               stop_loss = coalesce(?, stop_loss), take_profit = coalesce(?, take_profit),
               reason = coalesce(?, reason), updated_at = max(updated_at, ?)
             WHERE id = ?`,
          )
          .run(u.status, u.orderId || null, qty, price, maxFilled, avg, fee, stopLoss, takeProfit, u.reason || null, u.updatedAt, row.id);
      } else {
        // A stale message still teaches us the exchange's id and any fills we had not seen.
        prepared(this.db, `UPDATE orders SET order_id = coalesce(order_id, ?), filled_qty = ? WHERE id = ?`).run(u.orderId || null, maxFilled, row.id);
      }
      return orderFromRow(this.getOrderRow(key)!);
    });
  }

  /** Records a fill once: a second copy of the same execId (stream and REST) is ignored. Returns whether it was new. */
  recordFill(f: FillInput): boolean {
    return this.recordFills([f]) === 1;
  }

  /** Records several fills in one transaction; returns how many were new. */
  recordFills(fills: readonly FillInput[]): number {
    const rows = fills.map((f) => {
      if (!f.execId) throw new JournalError('a fill needs an execId');
      return [
        this.scope, f.execId, this.run.id, eventTime(f.time), f.orderId, f.orderLinkId, f.side,
        decText(f.price, 'price'), decText(f.qty, 'qty'), decText(f.fee, 'fee'),
        f.feeCurrency ?? null, f.isMaker === undefined ? null : f.isMaker ? 1 : 0, f.kind ?? 'trade', f.origin ?? null,
      ] as const;
    });
    return this.journal.write(true, () => {
      let added = 0;
      for (const r of rows) {
        // A plain trade leaves the v3 columns to their defaults, so this also writes journals from before v3.
        const plain = r[12] === 'trade' && r[13] === null;
        added += prepared(this.db, plain
          ? `INSERT OR IGNORE INTO fills (scope, exec_id, run_id, time, order_id, order_link_id, side, price, qty, fee, fee_currency, is_maker)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
          : `INSERT OR IGNORE INTO fills (scope, exec_id, run_id, time, order_id, order_link_id, side, price, qty, fee, fee_currency, is_maker, kind, origin)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(...(plain ? r.slice(0, 12) : r)).changes;
      }
      return added;
    });
  }

  recordPosition(p: PositionSnapshot): void {
    const values = [
      this.run.id, eventTime(p.time), p.side, decText(p.qty, 'qty'), optDecText(p.entryPrice, 'entryPrice'),
      optDecText(p.stopLoss, 'stopLoss'), optDecText(p.takeProfit, 'takeProfit'),
      optDecText(p.trailingStop, 'trailingStop'), optDecText(p.trailingActivation, 'trailingActivation'),
      optDecText(p.unrealisedPnl, 'unrealisedPnl'),
    ];
    this.journal.write(true, () => {
      prepared(this.db,
          `INSERT INTO positions (run_id, time, side, qty, entry_price, stop_loss, take_profit, trailing_stop, trailing_activation, unrealised_pnl)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(...values);
    });
  }

  recordEquity(e: EquitySnapshot): void {
    this.flushEquity();
    this.texts(e.equity, e.walletBalance, e.available);
    this.insertEquity(this.heldRow(eventTime(e.time), e.coin ?? null));
  }

  /**
   * A replay's snapshot per candle, run-length coded (schema v4): one equal to the held one, a
   * candle later, only extends it; the row is written when a different one comes, or at
   * `flushEquity()` (each commit of the replay, and its end). Readers see it once written.
   * Called on every candle of a replay: it takes values, not a snapshot object, and makes nothing
   * while the snapshot repeats.
   */
  holdEquity(time: number, equity: DecimalInput, walletBalance?: DecimalInput, available?: DecimalInput): void {
    eventTime(time);
    const t = this.texts(equity, walletBalance, available);
    const h = this.held;
    if (h !== null && h.equity === t.equity[1] && h.wallet === t.wallet[1] && h.available === t.available[1] && h.coin === null) {
      const gap = time - h.last;
      if (gap > 0 && (h.repeats === 0 || gap === h.every)) {
        h.every = gap;
        h.repeats++;
        h.last = time;
        return;
      }
    }
    this.flushEquity();
    this.held = this.heldRow(time, null);
  }

  /** Writes the snapshot `holdEquity` holds, if any. */
  flushEquity(): void {
    const h = this.held;
    if (h === null) return;
    this.held = null;
    this.insertEquity(h);
  }

  private insertEquity(h: HeldEquity): void {
    this.journal.writeOne(false, `INSERT INTO equity (run_id, time, equity, wallet_balance, available, coin, repeats, every) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [this.run.id, h.time, h.equity, h.wallet, h.available, h.coin, h.repeats, h.repeats > 0 ? h.every : null]);
  }

  /** The snapshot's values as text: mostly the same (immutable) Decimals as the one before, whose text is reused. */
  private texts(equity: DecimalInput, walletBalance: DecimalInput | undefined, available: DecimalInput | undefined): RunJournal['equityText'] {
    const t = this.equityText;
    if (equity !== t.equity[0]) t.equity = [equity, decText(equity, 'equity')];
    if (walletBalance !== t.wallet[0]) t.wallet = [walletBalance, optDecText(walletBalance, 'walletBalance')];
    if (available !== t.available[0]) t.available = [available, optDecText(available, 'available')];
    return t;
  }

  /** A new row (no repeats yet) from the texts just made. */
  private heldRow(time: number, coin: string | null): HeldEquity {
    const t = this.equityText;
    return { time, equity: t.equity[1] as string, wallet: t.wallet[1], available: t.available[1], coin, repeats: 0, every: 0, last: time };
  }

  /** Message and details are redacted: an exchange error can quote the API key. */
  recordError(e: ErrorInput): void {
    const r = this.journal.redactor;
    const details = e.details === undefined ? null : JSON.stringify(r.redact(e.details));
    this.journal.write(true, () => {
      prepared(this.db, `INSERT INTO errors (run_id, time, source, message, details) VALUES (?, ?, ?, ?, ?)`)
        .run(this.run.id, eventTime(e.time), e.source, r.redactString(e.message), details);
    });
  }

  /** Saves an opaque JSON snapshot (cooldowns, protections) that `view.lastState(kind)` returns after a restart. */
  saveState(kind: string, state: unknown, time: number): void {
    const json = JSON.stringify(state);
    if (json === undefined) throw new JournalError(`state "${kind}" is not JSON-serialisable`);
    this.journal.write(true, () => {
      prepared(this.db, `INSERT INTO states (run_id, time, kind, state) VALUES (?, ?, ?, ?)`).run(this.run.id, eventTime(time), kind, json);
    });
  }

  private getOrderRow(orderLinkId: string): OrderRow | undefined {
    return prepared(this.db, `SELECT * FROM orders WHERE scope = ? AND order_link_id = ?`).get(this.scope, orderLinkId) as OrderRow | undefined;
  }

  private insertEvent(
    ref: number, time: number, orderId: string | null, status: JournalOrderStatus,
    qty: string | null, price: string | null, filled: string | null, reason: string | null, applied: boolean,
  ): void {
    prepared(this.db,
        `INSERT INTO order_events (order_ref, run_id, time, order_id, status, qty, price, filled_qty, reason, applied)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(ref, this.run.id, time, orderId || null, status, qty, price, filled, reason, applied ? 1 : 0);
  }
}

/**
 * Whether an update moves the order forward. A final order changes only to another final status
 * that reports more filled (Bybit can send Cancelled, then Filled, when a cancel races a fill).
 */
function isApplicable(row: OrderRow, status: JournalOrderStatus, filled: string | null): boolean {
  const from = statusRank(row.status);
  const to = statusRank(status);
  if (from === 5) return to === 5 && filled !== null && new Decimal(filled).gt(row.filled_qty);
  return to >= from;
}

const ORIGIN_PURPOSE: Record<string, string> = { stopLoss: 'stop_loss', takeProfit: 'take_profit', trailingStop: 'trailing_stop', liquidation: 'liquidation', adl: 'adl' };

function adoptedPurpose(origin: string | undefined): string {
  return (origin !== undefined && ORIGIN_PURPOSE[origin]) || 'external';
}

function validateLinkId(id: string): void {
  if (!/^[A-Za-z0-9_-]{1,36}$/.test(id)) {
    throw new JournalError(`orderLinkId "${id}" must be 1-36 characters of A-Z, a-z, 0-9, _ and -`);
  }
}

// Journal schema, versioned with SQLite's user_version. Migrations run in order, each in its own
// transaction, so opening an older journal upgrades it step by step and a crash mid-upgrade leaves
// it at the last completed version. Never edit a shipped migration: append a new one.
//
// Money, prices and sizes are TEXT holding exact decimal strings (never REAL). "scope" separates
// what must never mix: paper vs live vs backtest, one bot vs another, one backtest run vs the next
// (backtests reuse order ids and exec ids run after run).
import type Database from 'better-sqlite3';
import { JournalError } from './types.ts';

/** 'botc' — marks the file as a botctl journal so another SQLite file is not silently adopted. */
export const APPLICATION_ID = 0x626f7463;

export type Migration = (db: Database.Database) => void;

export const MIGRATIONS: readonly Migration[] = [
  // v1: runs, decisions, orders with their state changes, fills, positions, equity, errors.
  (db) => {
    db.exec(`
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        mode TEXT NOT NULL CHECK (mode IN ('paper', 'live', 'backtest')),
        bot TEXT NOT NULL,
        symbol TEXT NOT NULL,
        category TEXT NOT NULL,
        interval TEXT NOT NULL,
        network TEXT NOT NULL,
        spec_file TEXT,
        spec_text TEXT NOT NULL,
        spec_hash TEXT NOT NULL,
        botctl_version TEXT,
        pid INTEGER,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        end_reason TEXT
      );
      CREATE INDEX runs_by_bot ON runs (mode, bot, id);

      CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id),
        time INTEGER NOT NULL,
        candle INTEGER,
        kind TEXT NOT NULL,
        action TEXT NOT NULL,
        outcome TEXT NOT NULL,
        reason TEXT NOT NULL,
        text TEXT,
        strength REAL,
        confidence REAL
      );
      CREATE INDEX decisions_by_run ON decisions (run_id, time);

      CREATE TABLE orders (
        id INTEGER PRIMARY KEY,
        scope TEXT NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs (id),
        order_link_id TEXT NOT NULL,
        order_id TEXT,
        side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
        type TEXT NOT NULL CHECK (type IN ('market', 'limit')),
        purpose TEXT NOT NULL,
        qty TEXT NOT NULL,
        price TEXT,
        reduce_only INTEGER NOT NULL DEFAULT 0,
        stop_loss TEXT,
        take_profit TEXT,
        status TEXT NOT NULL,
        filled_qty TEXT NOT NULL DEFAULT '0',
        avg_fill_price TEXT,
        fee TEXT NOT NULL DEFAULT '0',
        reason TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (scope, order_link_id)
      );
      CREATE INDEX orders_by_status ON orders (scope, status);

      CREATE TABLE order_events (
        id INTEGER PRIMARY KEY,
        order_ref INTEGER NOT NULL REFERENCES orders (id),
        run_id INTEGER NOT NULL REFERENCES runs (id),
        time INTEGER NOT NULL,
        order_id TEXT,
        status TEXT NOT NULL,
        qty TEXT,
        price TEXT,
        filled_qty TEXT,
        reason TEXT,
        applied INTEGER NOT NULL
      );
      CREATE INDEX order_events_by_order ON order_events (order_ref, id);

      CREATE TABLE fills (
        id INTEGER PRIMARY KEY,
        scope TEXT NOT NULL,
        exec_id TEXT NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs (id),
        time INTEGER NOT NULL,
        order_id TEXT NOT NULL,
        order_link_id TEXT NOT NULL,
        side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
        price TEXT NOT NULL,
        qty TEXT NOT NULL,
        fee TEXT NOT NULL,
        fee_currency TEXT,
        is_maker INTEGER,
        UNIQUE (scope, exec_id)
      );

      CREATE TABLE positions (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id),
        time INTEGER NOT NULL,
        side TEXT NOT NULL CHECK (side IN ('long', 'short', 'flat')),
        qty TEXT NOT NULL,
        entry_price TEXT,
        stop_loss TEXT,
        take_profit TEXT,
        trailing_stop TEXT,
        trailing_activation TEXT,
        unrealised_pnl TEXT
      );
      CREATE INDEX positions_by_run ON positions (run_id, time);

      CREATE TABLE equity (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id),
        time INTEGER NOT NULL,
        equity TEXT NOT NULL,
        wallet_balance TEXT,
        available TEXT,
        coin TEXT
      );
      CREATE INDEX equity_by_run ON equity (run_id, time);

      CREATE TABLE errors (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id),
        time INTEGER NOT NULL,
        source TEXT NOT NULL,
        message TEXT NOT NULL,
        details TEXT
      );
    `);
  },
  // v2: cooldown/protection state snapshots for restarts; fills looked up by time for P&L.
  (db) => {
    db.exec(`
      CREATE TABLE states (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id),
        time INTEGER NOT NULL,
        kind TEXT NOT NULL,
        state TEXT NOT NULL
      );
      CREATE INDEX states_by_kind ON states (kind, run_id, id);
      CREATE INDEX fills_by_time ON fills (scope, time, id);
    `);
  },
  // v3: what each execution was (a trade, a liquidation, auto-deleveraging, a funding payment) and
  // what created its order, as the exchange says (a close found in the history has no order row).
  (db) => {
    db.exec(`
      ALTER TABLE fills ADD COLUMN kind TEXT NOT NULL DEFAULT 'trade';
      ALTER TABLE fills ADD COLUMN origin TEXT;
    `);
  },
  // v4: equity run-length coded. A replay's snapshot that held, unchanged, on `repeats` more
  // candles, `every` ms apart, is one row: a replay of a million flat candles wrote a million equal
  // rows, most of its time. Readers expand it (rows.ts); paper and live runs write a row per candle.
  (db) => {
    db.exec(`
      ALTER TABLE equity ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE equity ADD COLUMN every INTEGER;
    `);
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Refuses files that are not botctl journals and journals written by a newer botctl, with a
 * message saying what to do. Returns the file's schema version (0 for a new, empty file).
 */
export function checkJournalFile(db: Database.Database, path: string): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new JournalError(
      `journal ${path} was written by a newer botctl (journal schema v${version}; this botctl reads up to v${SCHEMA_VERSION}). ` +
        'Upgrade botctl, or point run.journal at a different file.',
    );
  }
  if (appId !== APPLICATION_ID) {
    const tables = db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get() as { n: number };
    if (appId !== 0 || tables.n > 0) {
      throw new JournalError(
        `${path} is an SQLite database but not a botctl journal. Point run.journal at a new file or an existing journal.`,
      );
    }
  }
  return version;
}

/** Brings `db` to `target` (default: current), one transaction per step. */
export function migrate(db: Database.Database, path: string, target: number = SCHEMA_VERSION): void {
  const version = checkJournalFile(db, path);
  for (let v = version; v < target; v++) {
    const step = MIGRATIONS[v];
    if (!step) break;
    db.transaction(() => {
      step(db);
      db.pragma(`user_version = ${v + 1}`);
      if (v === 0) db.pragma(`application_id = ${APPLICATION_ID}`);
    })();
  }
}

// Everything a journal file must be before botctl reads it or writes one byte to it: a regular
// file, an SQLite database (with an intact write-ahead log), a botctl journal (not someone else's
// database), with all its tables, passing SQLite's integrity check, and holding numbers where
// numbers belong. Checked on a read-only connection, so a file that fails is left exactly as it
// was; the message says what is wrong and how to start fresh.
import { closeSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { relative } from 'node:path';
import Database from 'better-sqlite3';
import { checkJournalFile, SCHEMA_VERSION } from './schema.ts';
import { JournalError } from './types.ts';
import { journalLockOwner } from './lock.ts';

const SQLITE_MAGIC = 'SQLite format 3\0';

/**
 * Tables of each schema version (v2 added `states`; v3 only added columns). A version past the list
 * needs the last one's tables: a migration that adds no table must not switch the check off.
 */
const TABLES: readonly (readonly string[])[] = [
  [],
  ['runs', 'decisions', 'orders', 'order_events', 'fills', 'positions', 'equity', 'errors'],
  ['runs', 'decisions', 'orders', 'order_events', 'fills', 'positions', 'equity', 'errors', 'states'],
];
const tablesOf = (version: number): readonly string[] => TABLES[Math.min(version, TABLES.length - 1)]!;

/** Columns holding exact decimals as text, and columns holding integers (times, ids, flags). */
const DECIMAL_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  orders: ['qty', 'price', 'stop_loss', 'take_profit', 'filled_qty', 'avg_fill_price', 'fee'],
  order_events: ['qty', 'price', 'filled_qty'],
  fills: ['price', 'qty', 'fee'],
  positions: ['qty', 'entry_price', 'stop_loss', 'take_profit', 'trailing_stop', 'trailing_activation', 'unrealised_pnl'],
  equity: ['equity', 'wallet_balance', 'available'],
};
const INTEGER_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  runs: ['started_at', 'ended_at'],
  decisions: ['run_id', 'time', 'candle'],
  orders: ['run_id', 'created_at', 'updated_at'],
  order_events: ['order_ref', 'run_id', 'time'],
  fills: ['run_id', 'time'],
  positions: ['run_id', 'time'],
  equity: ['run_id', 'time'],
  errors: ['run_id', 'time'],
  states: ['run_id', 'time'],
};

/** The file's state: absent (a new journal will be created) or a healthy journal of this schema version (0: an empty database). */
export type JournalHealth = { exists: false } | { exists: true; version: number };

/** Throws a JournalError saying what is wrong and how to start fresh; never writes. */
export function checkJournalHealth(path: string): JournalHealth {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false };
    throw unhealthy(path, `it cannot be read (${(e as Error).message})`);
  }
  if (!st.isFile()) throw unhealthy(path, `it is ${kindOf(st)}, not a file`, false);
  if (st.size === 0) throw unhealthy(path, 'it is an empty file (0 bytes), not a database');
  const head = readHead(path, 100);
  if (head.toString('latin1', 0, 16) !== SQLITE_MAGIC) throw unhealthy(path, `it is not an SQLite database (it starts with ${printable(head)})`);
  if (head.length < 100) throw unhealthy(path, `it is cut short (${head.length} bytes)`);
  checkWal(path);

  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw journalFailure(e, path);
  }
  try {
    db.pragma('busy_timeout = 5000');
    const version = checkJournalFile(db, path);
    if (version === 0) return { exists: true, version };
    const have = new Set((db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name));
    const missing = tablesOf(Math.min(version, SCHEMA_VERSION)).filter((t) => !have.has(t));
    if (missing.length) throw unhealthy(path, `${missing.length === 1 ? 'the table' : 'the tables'} ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`);
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    if (integrity !== 'ok') throw unhealthy(path, `SQLite's integrity check fails (${integrity})`);
    const bad = badValue(db, have) ?? (version >= 4 ? badRepeats(db) : undefined);
    if (bad) throw unhealthy(path, bad);
    return { exists: true, version };
  } catch (e) {
    throw journalFailure(e, path);
  } finally {
    db.close();
  }
}

/** The first value that is not a number where the journal keeps numbers, in words. */
function badValue(db: Database.Database, tables: Set<string>): string | undefined {
  for (const [table, cols] of Object.entries(DECIMAL_COLUMNS)) {
    if (!tables.has(table)) continue;
    for (const col of cols) {
      // Decimals are stored in plain notation (-12.5): digits, one optional dot, a leading minus.
      const row = db.prepare(
        `SELECT id, ${col} AS v FROM ${table} WHERE ${col} IS NOT NULL AND (typeof(${col}) NOT IN ('text', 'integer', 'real') OR ` +
          `${col} GLOB '*[^0-9.-]*' OR ${col} NOT GLOB '*[0-9]*' OR ${col} GLOB '?*-*' OR ${col} GLOB '*.*.*') LIMIT 1`,
      ).get() as { id: number; v: unknown } | undefined;
      if (row) return `${table}.${col} of row ${row.id} holds ${shortValue(row.v)}, not a number`;
    }
  }
  for (const [table, cols] of Object.entries(INTEGER_COLUMNS)) {
    if (!tables.has(table)) continue;
    for (const col of cols) {
      const row = db.prepare(`SELECT id, ${col} AS v FROM ${table} WHERE typeof(${col}) NOT IN ('integer', 'null') LIMIT 1`).get() as { id: number; v: unknown } | undefined;
      if (row) return `${table}.${col} of row ${row.id} holds ${shortValue(row.v)}, not a whole number`;
    }
  }
  return undefined;
}

/**
 * Schema v4's run-length coded equity (a snapshot repeated on later candles): counts and spacing
 * whole and positive, and few enough to expand (a damaged row must not make a report loop for days).
 */
function badRepeats(db: Database.Database): string | undefined {
  const row = db.prepare(
    `SELECT id, repeats, every FROM equity WHERE typeof(repeats) != 'integer' OR repeats < 0 OR repeats > 100000000 ` +
      `OR typeof(every) NOT IN ('integer', 'null') OR (repeats > 0 AND (every IS NULL OR every <= 0)) LIMIT 1`,
  ).get() as { id: number; repeats: unknown; every: unknown } | undefined;
  if (row) return `equity row ${row.id} says its snapshot repeats ${shortValue(row.repeats)} times every ${shortValue(row.every)} ms, which is not a whole count of candles`;
  return undefined;
}

/** A WAL file SQLite would ignore (bad magic or header checksum) holds writes that would silently vanish. */
function checkWal(path: string): void {
  let size: number;
  try {
    size = statSync(`${path}-wal`).size;
  } catch {
    return;
  }
  if (size === 0) return;
  const h = readHead(`${path}-wal`, 32);
  const magic = h.length >= 4 ? h.readUInt32BE(0) : 0;
  const ok = h.length === 32 && (magic === 0x377f0682 || magic === 0x377f0683) && h.readUInt32BE(4) === 3007000 && checksumOk(h, magic === 0x377f0683);
  if (!ok) throw unhealthy(path, `its write-ahead log ${shownPath(path)}-wal is damaged (not a valid SQLite WAL header), so recent records in it cannot be trusted`);
}

/** SQLite's WAL header checksum over the first 24 bytes (https://www.sqlite.org/fileformat.html#checksum_algorithm). */
function checksumOk(h: Buffer, bigEndian: boolean): boolean {
  let s0 = 0;
  let s1 = 0;
  for (let i = 0; i < 24; i += 8) {
    const x0 = bigEndian ? h.readUInt32BE(i) : h.readUInt32LE(i);
    const x1 = bigEndian ? h.readUInt32BE(i + 4) : h.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return s0 === h.readUInt32BE(24) && s1 === h.readUInt32BE(28);
}

function readHead(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** A JournalError for any failure of SQLite on the journal: locked, or not healthy. */
export function journalFailure(e: unknown, path: string): JournalError {
  if (e instanceof JournalError) return e;
  const err = e as { code?: string; message?: string };
  switch (err?.code) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED': return lockedBy(path);
    case 'SQLITE_NOTADB': return unhealthy(path, 'it is not an SQLite database');
    case 'SQLITE_CORRUPT': return unhealthy(path, `SQLite reports it damaged (${err.message ?? 'malformed'})`);
    default: return unhealthy(path, err?.message ?? String(e));
  }
}

/** "database is locked", in words: who holds it, if a botctl does, and what to do. */
export function lockedBy(path: string): JournalError {
  const p = shownPath(path);
  const owner = journalLockOwner(path);
  return new JournalError(owner !== undefined && owner !== process.pid
    ? `journal ${p} is locked by another botctl (pid ${owner}); stop that one first, or give this bot its own run.journal`
    : `journal ${p} is locked by another program (an sqlite3 shell, or a botctl from another machine?); close it and try again`);
}

export function unhealthy(path: string, what: string, moveAside = true): JournalError {
  const p = shownPath(path);
  const fresh = moveAside
    ? `Nothing was written to it. To start fresh, move it aside (mv ${p} ${p}.broken) and run the bot again: botctl creates a new journal, and a live bot adopts its open position from the exchange.`
    : 'Point run.journal at a file.';
  return new JournalError(`journal ${p} is not a healthy botctl journal: ${what}. ${fresh}`);
}

function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function printable(head: Buffer): string {
  const text = head.toString('latin1', 0, 16).replace(/[^\x20-\x7e]/g, '.');
  return JSON.stringify(text);
}

function shortValue(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v.length > 30 ? `${v.slice(0, 30)}…` : v) : Buffer.isBuffer(v) ? `${v.length} bytes of binary data` : String(v);
  return s;
}

// A journal file that is not a healthy botctl journal is refused by every command that opens it,
// with what is wrong and how to start fresh, and is left byte for byte as it was. One botctl
// process per journal: a second is refused at start, naming the first one's pid.
import t from 'tap';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CANDLES, botctl, botctlHere, refused, rulesSpec, scratch } from './harness.ts';

const csv = readFileSync(CANDLES, 'utf8').split('\n').slice(0, 301).join('\n') + '\n';
const dir = scratch({ 'candles.csv': csv, 'bot.yaml': rulesSpec({ name: 'jbot', journal: './journal/jbot.sqlite' }) });
const spec = join(dir, 'bot.yaml');
const data = join(dir, 'candles.csv');
const journal = join(dir, 'journal', 'jbot.sqlite');

const hash = (f: string): string => (existsSync(f) ? createHash('sha256').update(readFileSync(f)).digest('hex') : 'absent');

/** A healthy journal with one replay run (fills, orders, equity, states), checkpointed into one file. */
async function healthy(): Promise<Buffer> {
  rmSync(join(dir, 'journal'), { recursive: true, force: true });
  const a = await botctlHere(['run', spec, '--data', data]);
  if (a.code !== 0) throw new Error(`the healthy replay failed: ${a.err}`);
  const db = new Database(journal);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('journal_mode = DELETE');
  db.close();
  return readFileSync(journal);
}

const good = await healthy();
const PAGE = good.readUInt16BE(16);

function sql(statements: string): (path: string) => void {
  return (path) => {
    const db = new Database(path);
    db.exec(statements);
    db.close();
  };
}

/** [name, how to damage the good journal, what the message must say] */
const DAMAGE: Array<[string, (path: string) => void, RegExp]> = [
  ['zero-length file', (p) => writeFileSync(p, ''), /empty file \(0 bytes\)/],
  ['a text file', (p) => writeFileSync(p, 'time,price\n1,2\n'), /not an SQLite database \(it starts with "time,price/],
  ['random bytes', (p) => writeFileSync(p, Buffer.alloc(8192, 0xa5)), /not an SQLite database/],
  ['cut to 50 bytes', (p) => truncateSync(p, 50), /cut short \(50 bytes\)/],
  ['cut to one page', (p) => truncateSync(p, PAGE), /integrity check fails|damaged|malformed/],
  ['cut in half', (p) => truncateSync(p, Math.floor(good.length / 2)), /integrity check fails|damaged|malformed/],
  ['cut by one page', (p) => truncateSync(p, good.length - PAGE), /integrity check fails|damaged|malformed/],
  ['page 2 header overwritten', (p) => { const b = Buffer.from(good); b.fill(0xff, PAGE, PAGE + 12); writeFileSync(p, b); }, /integrity check fails|damaged|malformed/],
  ['last page overwritten', (p) => { const b = Buffer.from(good); b.fill(0x37, b.length - PAGE, b.length); writeFileSync(p, b); }, /integrity check fails|damaged|malformed/],
  ['garbage write-ahead log', (p) => writeFileSync(`${p}-wal`, Buffer.alloc(4096, 0x42)), /write-ahead log .*-wal is damaged/],
  ['write-ahead log with a bad checksum', (p) => {
    const h = Buffer.alloc(32);
    h.writeUInt32BE(0x377f0682, 0); h.writeUInt32BE(3007000, 4); h.writeUInt32BE(PAGE, 8);
    writeFileSync(`${p}-wal`, h);
  }, /write-ahead log .*-wal is damaged/],
  ...['runs', 'decisions', 'orders', 'order_events', 'fills', 'positions', 'equity', 'errors', 'states'].map((table): [string, (p: string) => void, RegExp] => [
    `table ${table} dropped`, sql(`PRAGMA foreign_keys = OFF; DROP TABLE ${table};`), new RegExp(`the table ${table} is missing`),
  ]),
  ['two tables dropped', sql('DROP TABLE fills; DROP TABLE equity;'), /the tables fills, equity are missing/],
  ['a price that is not a number', sql(`UPDATE fills SET price = 'abc' WHERE id = (SELECT min(id) FROM fills)`), /fills\.price of row \d+ holds "abc", not a number/],
  ['a quantity with a comma', sql(`UPDATE orders SET qty = '0,01' WHERE id = (SELECT min(id) FROM orders)`), /orders\.qty of row \d+ holds "0,01", not a number/],
  ['equity as a blob', sql(`UPDATE equity SET equity = x'00ff' WHERE id = (SELECT min(id) FROM equity)`), /equity\.equity of row \d+ holds 2 bytes of binary data/],
  ['a time as text', sql(`UPDATE decisions SET time = 'yesterday' WHERE id = (SELECT min(id) FROM decisions)`), /decisions\.time of row \d+ holds "yesterday", not a whole number/],
  ['an empty fee', sql(`UPDATE fills SET fee = '' WHERE id = (SELECT min(id) FROM fills)`), /fills\.fee of row \d+ holds "", not a number/],
  ['two minus signs', sql(`UPDATE positions SET qty = '1-2' WHERE id = (SELECT min(id) FROM positions)`), /positions\.qty of row \d+ holds "1-2"/],
  ['an equity row repeated a trillion times', sql(`UPDATE equity SET repeats = 1000000000000, every = 60000 WHERE id = (SELECT min(id) FROM equity)`), /equity row \d+ says its snapshot repeats 1000000000000 times every 60000 ms/],
  ['an equity row repeated every 0 ms', sql(`UPDATE equity SET repeats = 3, every = 0 WHERE id = (SELECT min(id) FROM equity)`), /equity row \d+ says its snapshot repeats 3 times every 0 ms/],
  ['an equity row repeated "often"', sql(`UPDATE equity SET repeats = 'often' WHERE id = (SELECT min(id) FROM equity)`), /equity row \d+ says its snapshot repeats "often" times/],
  ['a newer schema', sql('PRAGMA user_version = 99'), /written by a newer botctl \(journal schema v99/],
  ['a foreign SQLite database', (p) => { rmSync(p); sql('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, \'ann\');')(p); }, /an SQLite database but not a botctl journal/],
  ['another application id', sql('PRAGMA application_id = 42'), /an SQLite database but not a botctl journal/],
  ['a directory', (p) => { rmSync(p); mkdirSync(p); }, /it is a directory, not a file/],
  ['a named pipe', (p) => { rmSync(p); execFileSync('mkfifo', [p]); }, /it is a named pipe \(FIFO\), not a file/],
];

const COMMANDS: Array<[string, string[]]> = [
  ['run (replay)', ['run', spec, '--data', data]],
  ['status', ['status', spec]],
  ['trades', ['trades', spec, '--csv']],
  ['report', ['report', spec, '--out', join(dir, 'report.html')]],
];

t.test(`${DAMAGE.length} damaged journals × ${COMMANDS.length} commands: refused, located, untouched`, async (t) => {
  for (const [name, damage, says] of DAMAGE) {
    for (const [cmd, args] of COMMANDS) {
      rmSync(join(dir, 'journal'), { recursive: true, force: true });
      mkdirSync(join(dir, 'journal'));
      writeFileSync(journal, good);
      damage(journal);
      const isFile = statSync(journal).isFile();
      const before = isFile ? hash(journal) : '';
      const walBefore = hash(`${journal}-wal`);
      const a = await botctlHere(args);
      const fresh = /directory|named pipe/.test(name) ? /Point run\.journal at a file/ : /move it aside \(mv \S*jbot\.sqlite \S*jbot\.sqlite\.broken\)/;
      refused(t, a, { code: 1, case: `${name} / ${cmd}`, says: /newer|foreign|application/.test(name) ? [/jbot\.sqlite/, says] : [/journal \S*jbot\.sqlite is not a healthy botctl journal/, says, fresh] });
      if (isFile) {
        t.equal(hash(journal), before, `${name} / ${cmd}: the journal is unchanged`);
        t.equal(hash(`${journal}-wal`), walBefore, `${name} / ${cmd}: its write-ahead log is unchanged`);
      }
      t.notOk(existsSync(`${journal}.lock`), `${name} / ${cmd}: no lock left behind`);
    }
  }
});

t.test('the healthy journal itself passes every command (no false alarm)', async (t) => {
  rmSync(join(dir, 'journal'), { recursive: true, force: true });
  mkdirSync(join(dir, 'journal'));
  writeFileSync(journal, good);
  for (const [cmd, args] of COMMANDS) {
    const a = await botctlHere(args);
    t.equal(a.code, 0, `${cmd}: ${a.err.slice(0, 300)}`);
  }
});

t.test('a journal another program holds locked is refused in words, not "database is locked"', async (t) => {
  rmSync(join(dir, 'journal'), { recursive: true, force: true });
  mkdirSync(join(dir, 'journal'));
  writeFileSync(journal, good);
  const holder = new Database(journal);
  holder.exec('BEGIN EXCLUSIVE');
  for (const [cmd, args] of [COMMANDS[0]!, COMMANDS[1]!]) {
    const a = await botctlHere(args);
    refused(t, a, { code: 1, case: cmd, says: /journal \S*jbot\.sqlite is locked by another program \(an sqlite3 shell/ });
  }
  holder.exec('ROLLBACK');
  holder.close();
});

t.test('one botctl process per journal: the second is refused at start naming the first pid', async (t) => {
  rmSync(join(dir, 'journal'), { recursive: true, force: true });
  // The first: a real botctl process, a slow replay (2 candles a second) that holds the journal
  // until SIGTERM. The others run in this process: another pid, as a second botctl would be.
  const first = botctl(['run', spec, '--data', data, '--speed', '2'], { cwd: dir, limitMs: 60_000 });
  const lock = `${journal}.lock`;
  // It takes the lock, then opens the journal and records its run: "while it runs" is from then on.
  for (let i = 0; i < 400 && !(existsSync(lock) && runRecorded()); i++) await new Promise((r) => setTimeout(r, 50));
  const pid = Number(readFileSync(lock, 'utf8'));
  t.ok(pid > 0, 'the first run holds the lock');
  const runningCount = async () => readdirSync(join(dir, 'journal')).length;
  t.ok(await runningCount());
  for (const args of [['run', spec, '--data', data], ['run', spec]]) {
    const second = await botctlHere(args, { cwd: dir });
    refused(t, second, { code: 1, case: args.join(' '), says: new RegExp(`journal \\S*jbot\\.sqlite is in use by another botctl \\(pid ${pid}\\): one process per journal`) });
  }
  const status = await botctlHere(['status', spec], { cwd: dir });
  t.equal(status.code, 0, `readers are not locked out while it runs: ${status.err.slice(0, 300)}`);
  spawnSync('kill', ['-TERM', String(pid)]);
  const done = await first;
  t.notOk(done.killed, 'the first run stopped on SIGTERM');
  t.notOk(existsSync(lock), 'the lock is released on exit');

  // A lock left by a botctl that was killed (its pid no longer runs) is taken over.
  const dead = spawnSync('true').pid;
  t.ok(dead > 0, 'a pid that no longer runs');
  writeFileSync(lock, `${dead}\n`);
  const after = await botctlHere(['run', spec, '--data', data], { cwd: dir });
  t.equal(after.code, 0, `a stale lock (pid ${dead}) does not block: ${after.err.slice(0, 300)}`);
  t.notOk(existsSync(lock));
  copyFileSync(journal, join(dir, 'kept.sqlite'));
});

/** The journal holds a run (read-only, as a reader beside the running botctl). */
function runRecorded(): boolean {
  try {
    const db = new Database(journal, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n > 0;
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}

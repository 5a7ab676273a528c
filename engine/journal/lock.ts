// One botctl process per journal. Two writers on one journal would interleave their orders and
// states (and SQLite would refuse one of them mid-run with "database is locked"), so the second is
// refused at start, naming the first. The lock is a file beside the journal holding the owner's
// pid, created exclusively; a lock whose process is gone (botctl was killed) is taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { relative } from 'node:path';
import { JournalError } from './types.ts';

export function lockPathOf(journalPath: string): string {
  return `${journalPath}.lock`;
}

/** The pid named in the journal's lock file, when that process is still running. */
export function journalLockOwner(journalPath: string): number | undefined {
  const pid = readOwner(lockPathOf(journalPath));
  return pid !== undefined && isRunning(pid) ? pid : undefined;
}

/** Takes the journal's lock for this process; returns its release. Throws if another process holds it. */
export function lockJournal(journalPath: string): () => void {
  const lock = lockPathOf(journalPath);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      return () => {
        if (readOwner(lock) === process.pid) rmSync(lock, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new JournalError(`cannot create the lock file ${shown(lock)} beside the journal: ${(e as Error).message}`);
    }
    const owner = readOwner(lock);
    if (owner === process.pid) return () => {}; // this process already holds it (the first opener releases it)
    if (owner !== undefined && isRunning(owner)) {
      throw new JournalError(
        `journal ${shown(journalPath)} is in use by another botctl (pid ${owner}): one process per journal. ` +
          `Stop that one first (kill ${owner}), or give this bot its own run.journal. ` +
          `If no botctl runs as pid ${owner}, delete ${shown(lock)}.`,
      );
    }
    // The owner is gone (killed, or the machine restarted): the lock is stale.
    rmSync(lock, { force: true });
  }
  throw new JournalError(`journal ${shown(journalPath)}: another botctl took its lock at the same moment; try again`);
}

function readOwner(lock: string): number | undefined {
  try {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

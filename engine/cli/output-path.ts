// Output files a command writes (--csv, --json, --html, --out): never over one of the command's
// own inputs (the candle file being read, the spec, the journal), never over an SQLite database,
// and a failed write says why in plain words.
import { closeSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from './exit.ts';

const SQLITE_MAGIC = 'SQLite format 3\0';

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function isSqlite(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(16);
    return readSync(fd, head, 0, 16, 0) === 16 && head.toString('latin1') === SQLITE_MAGIC;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Refuses `out` (given with `flag`) when it is one of `inputs` (same file, however spelled:
 * compared by device and inode), an SQLite database, or a directory. Call before reading anything.
 */
export function checkOutputPath(flag: string, out: string, inputs: ReadonlyArray<readonly [what: string, file: string | undefined]>): void {
  const st = statOrUndefined(out);
  if (!st) return; // a new file cannot be an existing input
  if (st.isDirectory()) throw new UserError(`${flag} ${out} is a directory; give the path of a file to write`);
  for (const [what, file] of inputs) {
    if (file === undefined) continue;
    const other = statOrUndefined(file);
    if (other && other.dev === st.dev && other.ino === st.ino) {
      throw new UserError(`${flag} ${out} is the ${what} this command reads${file !== out ? ` (${file})` : ''}; writing there would destroy it. Choose another file name`);
    }
  }
  if (st.isFile() && isSqlite(out)) {
    throw new UserError(`${flag} ${out} is an SQLite database (a botctl journal?); botctl does not write over one. Choose another file name`);
  }
}

/** Why a write failed, in the trader's words. */
export function writeFailure(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOSPC': return 'the disk is full (no space left on device)';
    case 'EDQUOT': return 'the disk quota is used up';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'ENOENT': return 'its folder does not exist';
    case 'EISDIR': return 'it is a directory';
    case 'EROFS': return 'the file system is read-only';
    case 'ENOTDIR': return 'a folder on its path is a file';
    case 'EEXIST': return 'a folder on its path is a file'; // mkdir -p meeting a file
    default: return err?.message ?? String(e);
  }
}

/**
 * A file written in pieces that appears whole or not at all: the pieces go to a temporary file
 * beside it, renamed over the target by commit(); abandon() (on any error) removes it. A device or
 * FIFO target (/dev/stdout, a pipe) is written directly.
 */
export class OutputFile {
  private fd: number | undefined;
  private readonly tmp: string;

  constructor(readonly flag: string, readonly file: string) {
    const st = statOrUndefined(file);
    this.tmp = st && !st.isFile() ? file : join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
    try {
      this.fd = openSync(this.tmp, 'w');
    } catch (e) {
      throw this.failure(e);
    }
  }

  write(text: string): void {
    try {
      writeSync(this.fd as number, text);
    } catch (e) {
      this.abandon();
      throw this.failure(e);
    }
  }

  commit(): void {
    try {
      closeSync(this.fd as number);
      this.fd = undefined;
      if (this.tmp !== this.file) renameSync(this.tmp, this.file);
    } catch (e) {
      this.abandon();
      throw this.failure(e);
    }
  }

  abandon(): void {
    try {
      if (this.fd !== undefined) closeSync(this.fd);
    } catch { /* already failing */ }
    this.fd = undefined;
    if (this.tmp !== this.file) {
      try {
        unlinkSync(this.tmp);
      } catch { /* never created */ }
    }
  }

  private failure(e: unknown): UserError {
    return new UserError(`cannot write ${this.flag} ${this.file}: ${writeFailure(e)}`);
  }
}

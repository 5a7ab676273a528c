// The results file: one line per finished combination, in combination order, written as they
// finish, so memory stays flat however many combinations run, and Ctrl-C loses nothing that was
// written. Its first line names the sweep (spec, data, parameters, sampling, shard, windows): a
// `--resume` carries on after the last complete line of a file of the same sweep, and refuses a
// file of another one. Reports (terminal, --json, --html) are built from this file.
import { createReadStream } from 'node:fs';
import { open, readFile, truncate, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { UserError } from '../cli/exit.ts';
import type { ComboResult } from './evaluate.ts';

const FORMAT = 'botctl-sweep-results/1';

export interface ResultsHeader {
  format: typeof FORMAT;
  /** Hash of everything that decides the results; equal keys, equal results. */
  key: string;
  /** Combinations this file will hold when complete. */
  combinations: number;
}

export class ResultsWriter {
  private buffered: string[] = [];
  private constructor(private readonly fh: FileHandle, readonly file: string) {}

  /** A new file (replacing any), or with `resume` the existing one's complete lines kept. */
  static async open(file: string, header: ResultsHeader, resume: boolean): Promise<{ writer: ResultsWriter; done: number; last: number }> {
    if (resume) {
      const kept = await completeLines(file, header);
      if (kept !== null) {
        const fh = await open(file, 'a');
        return { writer: new ResultsWriter(fh, file), done: kept.count, last: kept.last };
      }
    }
    const fh = await open(file, 'w').catch((e: Error) => {
      throw new UserError(`cannot write the sweep results to ${file}: ${e.message}`);
    });
    await fh.write(`${JSON.stringify(header)}\n`);
    return { writer: new ResultsWriter(fh, file), done: 0, last: -1 };
  }

  add(r: ComboResult): void {
    this.buffered.push(JSON.stringify(r));
  }

  /** Writes what was added; a line is only ever written whole. */
  async flush(): Promise<void> {
    if (this.buffered.length === 0) return;
    const text = `${this.buffered.join('\n')}\n`;
    this.buffered = [];
    await this.fh.write(text);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.fh.close();
  }
}

/**
 * How many complete result lines `file` holds for this sweep (a half-written last line is cut
 * off), and the last combination number; null when there is no such file.
 */
async function completeLines(file: string, header: ResultsHeader): Promise<{ count: number; last: number } | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  const firstEnd = text.indexOf('\n');
  let saved: Partial<ResultsHeader> = {};
  try {
    saved = JSON.parse(firstEnd < 0 ? text : text.slice(0, firstEnd)) as Partial<ResultsHeader>;
  } catch {
    // not a results file: reported below
  }
  if (saved.format !== FORMAT) throw new UserError(`${file} is not a sweep results file; remove it or give another --results file`);
  if (saved.key !== header.key) {
    throw new UserError(`${file} holds the results of a different sweep (the spec, the data, the parameters or the options changed); run without --resume to start over`);
  }
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length) await truncate(file, Buffer.byteLength(text.slice(0, end)));
  const lines = text.slice(firstEnd + 1, end).split('\n').filter((l) => l !== '');
  const last = lines.length ? (JSON.parse(lines[lines.length - 1]!) as ComboResult).n : -1;
  return { count: lines.length, last };
}

/** Every result line of a complete or partial results file, in order. */
export async function* readResults(file: string): AsyncGenerator<ComboResult> {
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let first = true;
  for await (const line of rl) {
    if (first) {
      first = false;
      continue;
    }
    if (line !== '') yield JSON.parse(line) as ComboResult;
  }
}

// Shared by the hostile-input tests: run botctl on a broken input and check the answer is a plain,
// located user error: the right exit code, no stack trace, no "internal error", finished in time.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Test } from 'tap';
import { main } from '../../engine/cli/main.ts';
import { runBotctl } from '../helpers/cli.ts';
// Importing it brings dist/ up to date, so spawned botctl runs the build as installed.
import { BOTCTL } from '../helpers/run-cli.ts';

export { BOTCTL };

export const REPO = resolve('.');
export const CANDLES = resolve('bots/data/BTCUSDT-1h-2021-10_2022-03.csv');

export interface Answer {
  code: number | null;
  out: string;
  err: string;
  /** True when botctl had to be killed: it hung. */
  killed: boolean;
  ms: number;
}

/** What botctl runs with in these tests unless a case sets it: no keys, no colour, no debug output. */
const PLAIN_ENV = { BYBIT_API_KEY: '', BYBIT_API_SECRET: '', NO_COLOR: '1', BOTCTL_DEBUG: '' };

/**
 * botctl as a user runs it, in a child process, killed after `limitMs` (a hang is a failure,
 * reported as `killed`, not a stuck test). For what only a real process shows: process.exit or a
 * hang in the user's code, signals, exit codes and output as the shell sees them.
 */
export function botctl(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; limitMs?: number; stdin?: string } = {}): Promise<Answer> {
  const env = { ...process.env, ...PLAIN_ENV, ...opts.env };
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [BOTCTL, ...args], { cwd: opts.cwd ?? REPO, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.stdin.on('error', () => {});
    child.stdin.end(opts.stdin ?? '');
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, opts.limitMs ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, out, err, killed, ms: Date.now() - started });
    });
  });
}

let running = 0;
let scoped = false;

/**
 * botctl's `main` in this process: much faster than a child, for sweeps that cannot hang or exit.
 * Given `cwd` or `env`, it runs as `botctl` does above (keys blanked unless `env` sets them), in
 * that folder and with those variables: they are the whole process's while it runs, so such a call
 * must not overlap another (it throws if it would). Without them, calls may overlap.
 */
export async function botctlHere(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Answer> {
  const own = opts.cwd !== undefined || opts.env !== undefined;
  if (scoped || (own && running > 0)) throw new Error('botctlHere: a call with its own cwd or env would overlap another call');
  running++;
  scoped = own;
  const started = Date.now();
  try {
    let answer: { code: number; out: string; err: string };
    if (own) answer = await runBotctl(args, { ...(opts.cwd ? { cwd: opts.cwd } : {}), env: { ...PLAIN_ENV, ...opts.env } });
    else {
      answer = { code: 0, out: '', err: '' };
      answer.code = await main(args, { out: (s) => void (answer.out += s), err: (s) => void (answer.err += s) });
    }
    return { ...answer, killed: false, ms: Date.now() - started };
  } finally {
    running--;
    scoped = false;
  }
}

/** A fresh temporary directory with the given files (paths relative to it). */
export function scratch(files: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'botctl-hostile-'));
  for (const [name, body] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, body);
  }
  return dir;
}

const STACK = /\n\s+at [^\n]*(:\d+:\d+|\(native\)|<anonymous>)/;

/**
 * The answer a user must get for bad input: `code`, a message matching every `says`, no stack
 * trace, no internal error, and no hang.
 */
export function refused(t: Test, a: Answer, expect: { code: number; says?: RegExp | RegExp[]; case?: string }): void {
  const name = expect.case ? `${expect.case}: ` : '';
  t.notOk(a.killed, `${name}finished (did not hang)`);
  t.equal(a.code, expect.code, `${name}exit ${expect.code}`, { stderr: a.err.slice(0, 2000), stdout: a.out.slice(0, 500) });
  t.notMatch(a.err + a.out, STACK, `${name}no stack trace`);
  t.notMatch(a.err + a.out, /internal error/i, `${name}no internal error`);
  for (const re of [expect.says ?? []].flat()) t.match(a.err + a.out, re, `${name}says ${re}`);
}

/** A minimal valid rules spec, with `extra` YAML appended (or replacing keys given in `over`). */
export function rulesSpec(over: { name?: string; journal?: string; extra?: string } = {}): string {
  return `name: ${over.name ?? 'hostile'}
market: { network: testnet, category: linear, symbol: BTCUSDT, interval: 60 }
strategy:
  long:
    entry: close > open
    exit: close < open
risk: { quantity: 0.01, stop_loss: { percent: 2 } }
${over.journal ? `run: { journal: ${over.journal} }\n` : ''}${over.extra ?? ''}`;
}

/** A spec using the strategy module `module` (relative to the spec). */
export function moduleSpec(module: string, over: { name?: string; interval?: string; journal?: string } = {}): string {
  return `name: ${over.name ?? 'hostile-module'}
market: { network: testnet, category: linear, symbol: BTCUSDT, interval: ${over.interval ?? '60'} }
strategy: { module: ${module} }
risk: { quantity: 0.01, stop_loss: { percent: 2 } }
${over.journal ? `run: { journal: ${over.journal} }\n` : ''}`;
}

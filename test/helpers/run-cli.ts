// Spawns the real `botctl` CLI for run tests and watches its output.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from '../../engine/build/build.mjs';

// Tests spawn the installed command, which runs dist/: bring it up to date with the sources first
// (once per test file; a no-op when nothing changed), so no test ever runs a stale build.
await build();

/** The `botctl` command as installed (package.json `bin`): the build in dist/, or the sources if it is stale. */
export const BOTCTL = fileURLToPath(new URL('../../engine/cli/botctl.js', import.meta.url));

export interface Cli {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stderr+stdout match `re` (rejects after `ms`). */
  waitFor(re: RegExp, ms?: number): Promise<void>;
  exit: Promise<number | null>;
}

export function botctl(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Cli {
  const env = { ...process.env, BYBIT_API_KEY: '', BYBIT_API_SECRET: '', NO_COLOR: '1', ...opts.env };
  const proc = spawn(process.execPath, [BOTCTL, ...args], { cwd: opts.cwd ?? process.cwd(), env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout?.on('data', (b) => (out += String(b)));
  proc.stderr?.on('data', (b) => (err += String(b)));
  const exit = new Promise<number | null>((r) => proc.on('close', (code) => r(code)));
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    async waitFor(re, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!re.test(out + err)) {
        if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`botctl output never matched ${re}:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    exit,
  };
}

// Runs `botctl` in the test's own process: the same `main` the command calls, with its output
// captured, in a given folder and with extra environment variables. A spawned botctl costs a Node
// start-up and a module load per call; keep spawning (run-cli.ts) for what only a real process
// shows: exit codes as the shell sees them, signals, closed pipes, stdin, the compiled build.
import { main } from '../../engine/cli/main.ts';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/**
 * `botctl ARGS` run in `cwd` (the process's folder while it runs; calls must not overlap) with
 * `env` added to the environment (`undefined` removes a variable). NO_COLOR is set, as the spawning
 * helpers do.
 */
export async function runBotctl(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  const env: Record<string, string | undefined> = { NO_COLOR: '1', ...opts.env };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const here = process.cwd();
  let out = '';
  let err = '';
  setEnv(env);
  if (opts.cwd) process.chdir(opts.cwd);
  try {
    const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
    return { code, out, err };
  } finally {
    process.chdir(here);
    setEnv(saved);
  }
}

function setEnv(vars: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

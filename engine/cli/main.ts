// The botctl command line: one file per subcommand under commands/, loaded by commands/index.ts.
import { Command, CommanderError } from 'commander';
import { ExitCode, UserError } from './exit.ts';
import { registerCommands } from './commands/index.ts';
import { PACKAGE_ROOT } from '../package-root.ts';
import { Redactor } from '../log/redact.ts';

// The bin puts the redactor on the process's streams too (what a strategy module prints itself).
export { redactProcessOutput } from '../log/redact.ts';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: CliIo = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

/** Runs botctl with the given arguments and returns the exit code; never throws. */
export async function main(argv: string[], given: CliIo = defaultIo): Promise<number> {
  const io = redacted(given);
  let code: number = ExitCode.Ok;
  const program = new Command('botctl')
    .description('Declarative trading bots for Bybit: validate a YAML spec, backtest it, then run it on paper or live.')
    .version(await version(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    // Everything after the command's name is the command's: `sweep merge … --json OUT` reaches merge.
    .enablePositionalOptions();
  await registerCommands(program, argv, io, (c) => { code = c; });
  for (const cmd of program.commands) cmd.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.Usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      if (e.exitCode === 0) return ExitCode.Ok;
      return ExitCode.Usage;
    }
    if (e instanceof UserError) {
      io.err(`error: ${e.message}\n`);
      return e.exitCode;
    }
    const full = diskFull(e);
    if (full) {
      io.err(`error: ${full}\n`);
      return ExitCode.UserError;
    }
    // A bug in botctl, not in the user's input: still no bare stack trace on the terminal,
    // but enough to file a report.
    const err = e as Error;
    io.err(`internal error: ${err?.message ?? String(e)}\n`);
    if (process.env.BOTCTL_DEBUG) io.err(`${err?.stack ?? ''}\n`);
    else io.err('this is a bug in botctl; rerun with BOTCTL_DEBUG=1 for details and report it\n');
    return 70;
  }
}

/**
 * Everything botctl prints passes here: the API key, secret and notification URL never reach the
 * terminal, whoever quoted them (a strategy module's error, Bybit's reply, an internal error).
 */
function redacted(io: CliIo): CliIo {
  const redactor = new Redactor();
  return { out: (s) => io.out(redactor.scrubSecrets(s)), err: (s) => io.err(redactor.scrubSecrets(s)) };
}

/** A full disk is the machine's state, not a bug: said plainly wherever it surfaces. */
function diskFull(e: unknown): string | undefined {
  const err = e as { code?: string; path?: string } | undefined;
  if (err?.code === 'ENOSPC' || err?.code === 'EDQUOT') return `the disk is full: no space left${err.path ? ` writing ${err.path}` : ''}; free some space and run again`;
  if (err?.code === 'SQLITE_FULL') return 'the disk is full: the journal could not be written; free some space and run again';
  return undefined;
}

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('package.json', PACKAGE_ROOT), 'utf8')) as { version: string };
  return pkg.version;
}

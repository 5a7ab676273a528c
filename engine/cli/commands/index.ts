// Every subcommand registers itself here; each lives in its own file.
import type { Command } from 'commander';
import type { CliIo } from '../main.ts';
import { registerValidate } from './validate.ts';

/** `setExit` records the command's exit code; commands never call process.exit themselves. */
export type SetExit = (code: number) => void;

export function registerCommands(program: Command, io: CliIo, setExit: SetExit): void {
  registerValidate(program, io, setExit);
}

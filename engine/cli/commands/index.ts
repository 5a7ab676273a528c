// Every subcommand registers itself here; each lives in its own file.
import type { Command } from 'commander';
import type { CliIo } from '../main.ts';
import { registerValidate } from './validate.ts';
import { registerExplain } from './explain.ts';
import { registerBacktest } from './backtest.ts';
import { registerRun } from './run.ts';
import { registerStatus } from './status.ts';
import { registerTrades } from './trades.ts';
import { registerReport } from './report.ts';
import { registerInit } from './init.ts';

/** `setExit` records the command's exit code; commands never call process.exit themselves. */
export type SetExit = (code: number) => void;

export function registerCommands(program: Command, io: CliIo, setExit: SetExit): void {
  registerValidate(program, io, setExit);
  registerExplain(program, io, setExit);
  registerBacktest(program, io, setExit);
  registerRun(program, io, setExit);
  registerStatus(program, io, setExit);
  registerTrades(program, io, setExit);
  registerReport(program, io, setExit);
  registerInit(program, io, setExit);
}

// Every subcommand lives in its own file, which is imported only when that command runs: `botctl
// status` never loads the backtester or the Bybit client, and `botctl --help` loads none of them.
// The names and one-line descriptions below are all the top-level help needs.
import type { Command } from 'commander';
import type { CliIo } from '../main.ts';

/** `setExit` records the command's exit code; commands never call process.exit themselves. */
export type SetExit = (code: number) => void;

/** Adds a command's arguments, options, help text and action to `cmd` (already named and described). */
type Register = (cmd: Command, io: CliIo, setExit: SetExit) => void;

const COMMANDS: Record<string, { description: string; load: () => Promise<Register> }> = {
  validate: {
    description: 'Check bot spec files and explain what each bot will do.',
    load: async () => (await import('./validate.ts')).registerValidate,
  },
  explain: {
    description: 'Show, bar by bar, the value of every part of the rules and whether each condition fired.',
    load: async () => (await import('./explain.ts')).registerExplain,
  },
  backtest: {
    description: 'Replay a bot spec over historical candles on the simulated exchange and report the results.',
    load: async () => (await import('./backtest.ts')).registerBacktest,
  },
  sweep: {
    description: 'Backtest a spec over ranges of its numbers on every core, rank the results (with walk-forward validation) and write the best back into a spec.',
    load: async () => (await import('./sweep.ts')).registerSweep,
  },
  data: {
    description: 'Download, list and import candle data for backtests (Bybit klines, TradingView and Binance CSVs).',
    load: async () => (await import('./data.ts')).registerData,
  },
  run: {
    description: 'Run bots: paper trading on live Bybit candles (default), real orders with --live, or a CSV replay.',
    load: async () => (await import('./run.ts')).registerRun,
  },
  status: {
    description: "Show a bot's position, stops, working orders, today's P&L, cooldowns and recent decisions from its journal.",
    load: async () => (await import('./status.ts')).registerStatus,
  },
  trades: {
    description: "List a bot's round trips (entry, exit, side, size, fees, net P&L, exit reason) from its journal.",
    load: async () => (await import('./trades.ts')).registerTrades,
  },
  report: {
    description: "Write an HTML report (equity, drawdown, trades, metrics) of a bot's paper or live journal.",
    load: async () => (await import('./report.ts')).registerReport,
  },
  resume: { description: 'Lift a drawdown pause (max_drawdown_percent, halt_below_equity): entries are allowed again.', load: async () => (await import('./resume.ts')).registerResume },
  init: {
    description: 'Create a new bot spec from a template; asks a few questions on a terminal.',
    load: async () => (await import('./init.ts')).registerInit,
  },
};

/**
 * Declares every command, and fully registers the one `argv` names (`botctl help X` names X).
 * The top-level options take no values, so the first word not starting with `-` is the command.
 */
export async function registerCommands(program: Command, argv: readonly string[], io: CliIo, setExit: SetExit): Promise<void> {
  const words = argv.filter((a) => !a.startsWith('-'));
  const wanted = words[0] === 'help' ? words[1] : words[0];
  for (const [name, { description, load }] of Object.entries(COMMANDS)) {
    const cmd = program.command(name).description(description);
    if (name === wanted) (await load())(cmd, io, setExit);
  }
}

// `botctl status [bot]`: what the bot holds and why, from its journal (works whether it runs or not).
import type { Command } from 'commander';
import type { CliIo } from '../main.ts';
import type { SetExit } from './index.ts';
import { ExitCode } from '../exit.ts';
import { openBot } from '../../ops/locate.ts';
import { gatherStatus } from '../../ops/status.ts';
import { statusJson, statusText } from '../../ops/status-output.ts';

export function registerStatus(cmd: Command, io: CliIo, setExit: SetExit): void {
  cmd
    .argument('[bot]', 'spec file (bots/btc-ema.yaml) or bot name (btc-ema); optional when bots/ holds one spec')
    .option('--json', 'print JSON (decimals as strings, times ISO UTC)')
    .option('--mode <mode>', 'paper, live or replay (default: the mode of the most recent run)')
    .addHelpText('after', `
Examples:
  botctl status btc-ema
  botctl status bots/btc-ema.yaml --mode live --json
Times are UTC. Reads the journal only: safe to run while the bot is running.`)
    .action(async (bot: string | undefined, opts: { json?: boolean; mode?: string }) => {
      const b = await openBot(bot, opts.mode);
      const now = Date.now();
      try {
        const report = gatherStatus(b, now);
        io.out(opts.json ? `${JSON.stringify(statusJson(report), null, 2)}\n` : statusText(report, now));
      } finally {
        b.journal.close();
      }
      setExit(ExitCode.Ok);
    });
}

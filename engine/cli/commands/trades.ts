// `botctl trades [bot]`: the bot's round trips from its journal, as a table, CSV or JSON.
import type { Command } from 'commander';
import type { CliIo } from '../main.ts';
import type { SetExit } from './index.ts';
import { ExitCode, UsageError } from '../exit.ts';
import { modeWord, openBot, shown } from '../../ops/locate.ts';
import { parseSince } from '../../ops/time.ts';
import { renderTrades, type TradesFormat } from '../../ops/trades-output.ts';
import { tradeHistory } from '../../ops/trades.ts';

interface TradesOpts {
  since?: string;
  csv?: boolean;
  json?: boolean;
  mode?: string;
}

export function registerTrades(cmd: Command, io: CliIo, setExit: SetExit): void {
  cmd
    .argument('[bot]', 'spec file (bots/btc-ema.yaml) or bot name (btc-ema); optional when bots/ holds one spec')
    .option('--since <when>', 'only trades closed since: a UTC date/time (2024-05-01, 2024-05-01T12:00) or a span back from now (7d, 24h)')
    .option('--csv', 'print CSV with a header row (decimals exact)')
    .option('--json', 'print JSON (decimals as strings)')
    .option('--mode <mode>', 'paper, live or replay (default: the mode of the most recent run)')
    .addHelpText('after', `
Examples:
  botctl trades btc-ema
  botctl trades bots/btc-ema.yaml --since 7d --csv > trades.csv
Times are UTC. Net P&L is after all fees of the trade (entry and exit).`)
    .action(async (bot: string | undefined, opts: TradesOpts) => {
      if (opts.csv && opts.json) throw new UsageError('choose one of --csv and --json');
      const since = opts.since !== undefined ? parseSince(opts.since, Date.now()) : undefined;
      const b = await openBot(bot, opts.mode);
      try {
        const history = tradeHistory(b.view, since !== undefined ? { since } : {});
        const format: TradesFormat = opts.csv ? 'csv' : opts.json ? 'json' : 'table';
        io.out(renderTrades(history, format, {
          bot: b.name, mode: modeWord(b.mode), symbol: b.run.symbol, journal: shown(b.journalAbs), since: since ?? null,
        }));
      } finally {
        b.journal.close();
      }
      setExit(ExitCode.Ok);
    });
}

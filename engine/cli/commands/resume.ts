// `botctl resume [bot]`: lifts a drawdown pause (or a halt below the equity floor) that only the
// trader can lift. It writes a request into the bot's journal; the running bot applies it before
// its next candle (a stopped bot when it next starts), records the decision, and measures the
// drawdown from the equity at that moment.
import type { Command } from 'commander';
import type { CliIo } from '../main.ts';
import type { SetExit } from './index.ts';
import { ExitCode, UsageError, UserError } from '../exit.ts';
import { openBot, shown } from '../../ops/locate.ts';
import { coreStatus, RESUME_STATE_KIND } from '../../ops/core-state.ts';
import { intervalMs, isInterval } from '../../market/candle.ts';
import { Journal, JournalError, RunJournal } from '../../journal/index.ts';
import { fmtUtc } from '../../ops/time.ts';
import { processAlive } from '../../ops/status.ts';

export function registerResume(cmd: Command, io: CliIo, setExit: SetExit): void {
  cmd
    .argument('[bot]', 'spec file (bots/btc-ema.yaml) or bot name (btc-ema); optional when bots/ holds one spec')
    .option('--mode <mode>', 'paper or live (default: the mode of the most recent run)')
    .addHelpText('after', `
Examples:
  botctl resume btc-ema
  botctl resume bots/btc-ema.yaml --mode live

The request is written to the bot's journal. A running bot applies it before its next candle, a
stopped one when it next starts; from then on the drawdown is measured from the equity at that
moment. Below halt_below_equity the bot refuses: lower it in the spec and restart first.`)
    .action(async (bot: string | undefined, opts: { mode?: string }) => {
      setExit(await runResume(bot, opts, io));
    });
}

async function runResume(bot: string | undefined, opts: { mode?: string }, io: CliIo): Promise<number> {
  if (opts.mode === 'backtest') throw new UsageError('--mode backtest: a backtest is not resumed; only a paper or live bot is');
  const b = await openBot(bot, opts.mode);
  const now = Date.now();
  let pausedSince: string;
  let floor: boolean;
  try {
    if (b.mode === 'backtest') throw new UserError(`${b.name} has only backtest runs in ${shown(b.journalAbs)}: there is no paper or live bot to resume`);
    const iv = isInterval(b.run.interval) ? intervalMs(b.run.interval) : 60_000;
    const hold = coreStatus(b.view, iv, now, fmtUtc)?.holds.find((h) => h.kind === 'max_drawdown' || h.kind === 'halt_below_equity');
    if (!hold) {
      io.out(`${b.name} (${b.mode}): entries are not paused by the drawdown protection; nothing to resume\n`);
      return ExitCode.Ok;
    }
    pausedSince = hold.text;
    floor = hold.kind === 'halt_below_equity';
  } finally {
    b.journal.close();
  }
  let journal: Journal;
  try {
    journal = Journal.open(b.journalAbs);
  } catch (e) {
    if (e instanceof JournalError) throw new UserError(e.message);
    throw e;
  }
  try {
    new RunJournal(journal, b.run).saveState(RESUME_STATE_KIND, { by: 'botctl resume' }, now);
  } finally {
    journal.close();
  }
  const running = b.run.endedAt === null && b.run.pid !== null && processAlive(b.run.pid);
  const lines = [
    `${b.name} (${b.mode}): resume requested at ${fmtUtc(now)} UTC (${pausedSince})`,
    running
      ? `  the running bot (pid ${b.run.pid}) lifts the pause before its next candle and measures the drawdown from the equity then`
      : `  the bot is not running: it lifts the pause when \`botctl run ${b.specFile}\` next starts it`,
  ];
  if (floor) lines.push('  equity fell below halt_below_equity: the bot refuses while equity is still below it; lower halt_below_equity in the spec and restart the bot first');
  io.out(`${lines.join('\n')}\n`);
  return ExitCode.Ok;
}

// `botctl report [bot]`: the HTML report of a paper or live journal, in the backtest report's look.
import { spawn } from 'node:child_process';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliIo } from '../main.ts';
import type { SetExit } from './index.ts';
import { ExitCode, UserError } from '../exit.ts';
import { modeWord, openBot, shown } from '../../ops/locate.ts';
import { buildJournalReport } from '../../ops/report.ts';
import { checkOutputPath, writeFailure } from '../output-path.ts';

interface ReportOpts {
  out?: string;
  open?: boolean;
  mode?: string;
  data?: string;
  allowOtherSymbol?: boolean;
}

export function registerReport(cmd: Command, io: CliIo, setExit: SetExit): void {
  cmd
    .argument('[bot]', 'spec file (bots/btc-ema.yaml) or bot name (btc-ema); optional when bots/ holds one spec')
    .option('--out <file>', 'where to write the report (default: reports/<bot>-<mode>.html)')
    .option('--open', 'open the report in the default browser')
    .option('--mode <mode>', 'paper, live or replay (default: the mode of the most recent run)')
    .option('--data <file>', 'candle CSV to draw the price chart (the journal has no candles); checked and resampled as in a backtest')
    .option('--allow-other-symbol', 'draw a candle file that names another symbol, or whose prices do not fit the bot\'s symbol')
    .addHelpText('after', `
Examples:
  botctl report btc-ema
  botctl report bots/btc-ema.yaml --mode live --out live.html --open
The file is self-contained (chart library inlined) and opens offline.`)
    .action(async (bot: string | undefined, opts: ReportOpts) => {
      const b = await openBot(bot, opts.mode);
      const out = resolve(opts.out ?? `reports/${b.name}-${modeWord(b.mode)}.html`);
      let report;
      try {
        checkOutputPath('--out', out, [['journal', b.journalAbs], ['spec', b.specAbs], ['candle file', opts.data]]);
        report = await buildJournalReport(b, { ...(opts.data ? { data: opts.data } : {}), allowOtherSymbol: Boolean(opts.allowOtherSymbol), now: Date.now() });
      } finally {
        b.journal.close();
      }
      try {
        await mkdir(dirname(out), { recursive: true });
        // Written whole, then renamed: a browser reloading it never sees half a file.
        const tmp = `${out}.tmp-${process.pid}`;
        await writeFile(tmp, report.html);
        await rename(tmp, out);
      } catch (e) {
        throw new UserError(`cannot write the report to ${shown(out)}: ${writeFailure(e)}`);
      }
      io.out(`wrote ${shown(out)}: ${report.trades} trade${report.trades === 1 ? '' : 's'}, ${report.equityPoints} equity point${report.equityPoints === 1 ? '' : 's'}, ` +
        `${report.candles > 0 ? `${report.candles} candles` : 'no candles (equity only; --data FILE.csv adds the price chart)'}\n`);
      if (opts.open) openInBrowser(out, io);
      setExit(ExitCode.Ok);
    });
}

function openInBrowser(file: string, io: CliIo): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [file]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', file]] : ['xdg-open', [file]];
  try {
    const child = spawn(cmd, args as string[], { detached: true, stdio: 'ignore' });
    child.on('error', () => io.err(`could not open a browser (${cmd} failed); open ${shown(file)} yourself\n`));
    child.unref();
  } catch {
    io.err(`could not open a browser; open ${shown(file)} yourself\n`);
  }
}

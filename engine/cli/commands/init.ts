// `botctl init`: a new bot spec from a template, asked for on a terminal or taken from flags. The
// file is written next to its final name, validated with the same loader as `botctl validate`,
// and only then renamed into place, so an invalid spec is never left behind.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { CliIo } from '../main.ts';
import type { SetExit } from './index.ts';
import { ExitCode, UsageError, UserError } from '../exit.ts';
import { loadBotSpec } from '../../spec/load.ts';
import { formatDiagnostics } from '../../spec/diagnostic.ts';
import { answersFromFlags, askAnswers, type InitFlags } from '../../init/answers.ts';
import { renderSpec, TEMPLATES, type InitAnswers } from '../../init/templates.ts';
import { shown } from '../../ops/locate.ts';
import { PACKAGE_ROOT } from '../../package-root.ts';

interface InitOpts extends InitFlags {
  out?: string;
  yes?: boolean;
  force?: boolean;
  interactive?: boolean;
}

const ROOT = fileURLToPath(PACKAGE_ROOT);

/** A relative import/URL path from `fromDir` to `target`, with forward slashes and a leading `./` or `../`. */
function relPath(fromDir: string, target: string): string {
  const rel = relative(fromDir, target).split(sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

export function registerInit(cmd: Command, io: CliIo, setExit: SetExit): void {
  cmd
    .option('--name <name>', 'bot name: lower-case letters, digits, - and _ (default: from symbol and template, e.g. btc-ema)')
    .option('--template <template>', `${TEMPLATES.join(' | ')} (default: ema-crossover)`)
    .option('--symbol <symbol>', 'Bybit symbol (default: BTCUSDT)')
    .option('--interval <interval>', 'candle interval: minutes (1 3 5 15 30 60 120 240 360 720), 1h, 4h, or D, W, M (default: 60)')
    .option('--category <category>', 'linear (USDT perpetual) | spot (default: linear)')
    .option('--risk <percent>', 'percent of equity lost when a stop-loss is hit (default: 1)')
    .option('--stop <style>', 'stop-loss style: atr | percent (default: atr)')
    .option('--out <file>', 'where to write the spec (default: bots/<name>.yaml)')
    .option('--yes', 'do not ask: use the flags and the defaults')
    .option('--interactive', 'ask the questions even when input is not a terminal (answers one per line)')
    .option('--force', 'overwrite an existing file')
    .addHelpText('after', `
Examples:
  botctl init                                   (asks name, symbol, category, interval, template, risk, stop)
  botctl init --yes --template rsi-mean-reversion --symbol ETHUSDT --category spot --interval 15
The spec is checked with the same rules as botctl validate before it is written.`)
    .action(async (opts: InitOpts) => {
      if (opts.yes && opts.interactive) throw new UsageError('choose one of --yes and --interactive');
      const ask = opts.interactive === true || (process.stdin.isTTY === true && opts.yes !== true);
      const answers = ask ? await askAnswers(opts, process.stdin, process.stdout) : answersFromFlags(opts);
      const written = await writeSpec(answers, opts);
      for (const note of written.notes) io.out(`note: ${note}\n`);
      for (const f of written.extra) io.out(`${f.created ? 'wrote' : 'kept the existing'} ${f.path}\n`);
      io.out(`wrote ${written.spec} (${answers.template}, ${answers.symbol} ${answers.category}, valid)\n\n${nextSteps(written.spec, answers)}`);
      setExit(ExitCode.Ok);
    });
}

interface Written {
  spec: string;
  notes: string[];
  extra: { path: string; created: boolean }[];
}

async function writeSpec(a: InitAnswers, opts: InitOpts): Promise<Written> {
  const out = resolve(opts.out ?? join('bots', `${a.name}.yaml`));
  if (!/\.ya?ml$/.test(out)) throw new UsageError(`--out ${opts.out} must end in .yaml (botctl finds bots by their .yaml files)`);
  if (existsSync(out) && !opts.force) {
    throw new UserError(`${shown(out)} already exists; choose another --name or --out, or pass --force to overwrite it`);
  }
  const dir = dirname(out);
  const rendered = renderSpec(a, relPath(dir, join(ROOT, 'schemas', 'bot.schema.json')), relPath(join(dir, 'strategies'), join(ROOT, 'engine')));
  await mkdir(dir, { recursive: true });

  const created: string[] = [];
  const extra: Written['extra'] = [];
  const tmp = join(dir, `.${basename(out)}.${process.pid}.tmp.yaml`);
  const cleanUp = async (): Promise<void> => {
    await rm(tmp, { force: true });
    for (const f of created) await rm(f, { force: true });
  };
  try {
    for (const f of rendered.files) {
      const abs = join(dir, f.path);
      // A strategy module the trader may have edited is never replaced; the spec validates against it as it is.
      if (existsSync(abs)) {
        extra.push({ path: shown(abs), created: false });
        continue;
      }
      await mkdir(dirname(abs), { recursive: true });
      await writeFile(abs, f.text, { flag: 'wx' });
      created.push(abs);
      extra.push({ path: shown(abs), created: true });
    }
    await writeFile(tmp, rendered.yaml);
    const check = await loadBotSpec(shown(tmp));
    if (!check.ok) {
      const diags = formatDiagnostics(check.diagnostics);
      await cleanUp();
      throw new UserError(`the spec botctl init generated does not validate, so nothing was written:\n${diags}` +
        (extra.some((e) => !e.created) ? 'the existing strategy module it uses may not fit this template; move it aside or choose another --out folder\n' : 'this is a bug in botctl init; please report it'));
    }
    await rename(tmp, out);
  } catch (e) {
    await cleanUp();
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot write ${shown(out)}: ${(e as Error).message}`);
  }
  return { spec: shown(out), notes: rendered.notes, extra };
}

function nextSteps(spec: string, a: InitAnswers): string {
  const dataDir = resolve('bots', 'data');
  const csv = existsSync(dataDir) ? readdirSync(dataDir).find((f) => f.startsWith(a.symbol) && f.endsWith('.csv')) : undefined;
  const steps: [string, string][] = [
    [`botctl validate ${spec}`, 'read back what the bot will do'],
    csv
      ? [`botctl backtest ${spec} --data ${shown(join(dataDir, csv))}`, 'replay history']
      : [`botctl backtest ${spec} --data FILE.csv`, 'replay history (or --from 2024-01-01 --to 2024-04-01 to download candles)'],
    [`botctl run ${spec}`, `paper trading (run.mode: paper); then botctl status ${a.name}`],
  ];
  const width = Math.max(...steps.map(([c]) => c.length));
  return `Next steps:\n${steps.map(([c, why]) => `  ${c.padEnd(width)}   # ${why}`).join('\n')}\n`;
}

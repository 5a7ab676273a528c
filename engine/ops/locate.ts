// Finding a bot for `status`, `trades` and `report`: the `[bot]` argument is a spec path or a bot
// name, the journal path comes from the spec (run.journal), and the run mode from the journal.
// A spec that no longer validates still names its journal: the commands read what happened, so a
// half-edited spec must not lock the trader out of the bot's history.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError, UserError } from '../cli/exit.ts';
import { loadBotSpec } from '../spec/load.ts';
import { readSpecFile } from '../spec/source.ts';
import type { Plan } from '../plan/plan.ts';
import { Journal, JournalError, RUN_MODES, type JournalView, type RunMode, type RunRecord } from '../journal/index.ts';

export interface BotRef {
  name: string;
  /** The spec path as the user would type it (relative to the working directory when inside it). */
  specFile: string;
  specAbs: string;
  /** SHA-256 of the spec file as it is now. */
  specHash: string;
  journalAbs: string;
  /** The plan, when the spec still validates. */
  plan?: Plan;
}

export interface OpenBot extends BotRef {
  journal: Journal;
  mode: RunMode;
  view: JournalView;
  run: RunRecord;
}

/** A path as the user would type it. */
export function shown(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') ? rel : abs;
}

/** Resolves `[bot]` to its spec file: a path, `bots/<name>.yaml`, or the spec in bots/ whose `name:` matches. */
export function findSpec(arg: string | undefined): string {
  const botsDir = resolve('bots');
  const specs = existsSync(botsDir) ? readdirSync(botsDir).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(botsDir, f)) : [];
  if (arg === undefined) {
    if (specs.length === 1) return specs[0]!;
    const names = specs.map(specName).filter((n): n is string => n !== undefined);
    throw new UsageError(
      specs.length === 0
        ? 'say which bot: give a spec path (botctl status bots/my-bot.yaml); there is no bots/ folder with specs here'
        : `say which bot: there are ${specs.length} specs in bots/ (${names.join(', ')}), e.g. botctl status ${names[0] ?? 'bots/my-bot.yaml'}`,
    );
  }
  if (/\.ya?ml$/.test(arg) || arg.includes('/') || arg.includes('\\')) {
    const abs = resolve(arg);
    if (!existsSync(abs) || !statSync(abs).isFile()) throw new UserError(`no spec file at ${arg}`);
    return abs;
  }
  for (const ext of ['.yaml', '.yml']) {
    const abs = join(botsDir, arg + ext);
    if (existsSync(abs)) return abs;
  }
  const match = specs.find((f) => specName(f) === arg);
  if (match) return match;
  const names = specs.map(specName).filter((n): n is string => n !== undefined);
  throw new UserError(
    `no bot named "${arg}": looked for bots/${arg}.yaml and for \`name: ${arg}\` in bots/*.yaml` +
      (names.length ? ` (bots here: ${names.join(', ')})` : ''),
  );
}

/** The `name:` of a spec, read leniently (undefined if the file is not readable YAML). */
function specName(file: string): string | undefined {
  const data = readYaml(file);
  return typeof data?.name === 'string' ? data.name : undefined;
}

function readYaml(file: string): Record<string, unknown> | undefined {
  try {
    const read = readSpecFile(file);
    if ('problem' in read) return undefined;
    const data = parseYaml(read.bytes.toString('utf8'), { maxAliasCount: 100 }) as unknown;
    return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export async function resolveBot(arg: string | undefined): Promise<BotRef> {
  const specAbs = findSpec(arg);
  const read = readSpecFile(specAbs);
  if ('problem' in read) throw new UserError(`cannot read the spec ${shown(specAbs)}: ${read.problem}`);
  const bytes = read.bytes;
  const specHash = createHash('sha256').update(bytes).digest('hex');
  const specFile = shown(specAbs);
  const loaded = await loadBotSpec(specFile);
  if (loaded.ok) {
    return { name: loaded.plan.name, specFile, specAbs, specHash, journalAbs: loaded.plan.run.journal, plan: loaded.plan };
  }
  // Same defaults as the plan builder (engine/spec/build.ts): relative to the spec's folder.
  const data = readYaml(specAbs);
  const name = typeof data?.name === 'string' ? data.name : undefined;
  if (name === undefined) {
    throw new UserError(`${specFile} has no readable \`name:\`, so its journal cannot be found; run \`botctl validate ${specFile}\` to see what is wrong`);
  }
  const run = data?.run as Record<string, unknown> | undefined;
  const journal = typeof run?.journal === 'string' ? run.journal : `journal/${name}.sqlite`;
  return { name, specFile, specAbs, specHash, journalAbs: resolve(dirname(specAbs), journal) };
}

/**
 * Opens the bot's journal read-only and picks the runs to show: `mode` if given, else the mode of
 * the most recent run. Every way this can fail is a UserError saying what to do.
 */
/** How a run mode reads to the trader: replays (`botctl run --venue sim --data`) are journaled as 'backtest'. */
export function modeWord(mode: string): string {
  return mode === 'backtest' ? 'replay' : mode;
}

export async function openBot(arg: string | undefined, modeArg: string | undefined): Promise<OpenBot> {
  const mode = modeArg === 'replay' ? 'backtest' : modeArg;
  if (mode !== undefined && !(RUN_MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`--mode must be paper, live or replay, not "${modeArg}"`);
  }
  const ref = await resolveBot(arg);
  if (!existsSync(ref.journalAbs)) {
    throw new UserError(`${ref.name} has no journal at ${shown(ref.journalAbs)} yet; start it with \`botctl run ${ref.specFile}\``);
  }
  let journal: Journal;
  try {
    journal = Journal.open(ref.journalAbs, { readonly: true });
  } catch (e) {
    if (e instanceof JournalError) throw new UserError(e.message);
    throw e;
  }
  try {
    const runs = journal.runs({ bot: ref.name });
    if (runs.length === 0) {
      const others = journal.runs().map((r) => r.bot);
      throw new UserError(
        `${shown(ref.journalAbs)} has no runs of ${ref.name} yet` +
          (others.length ? ` (it has runs of ${[...new Set(others)].join(', ')}; was the bot renamed?)` : '') +
          `; start it with \`botctl run ${ref.specFile}\``,
      );
    }
    const chosen = (mode as RunMode | undefined) ?? runs[runs.length - 1]!.mode;
    const view = journal.view({ mode: chosen, bot: ref.name });
    const run = view.latestRun();
    if (!run) {
      const have = [...new Set(runs.map((r) => modeWord(r.mode)))].join(', ');
      throw new UserError(`${ref.name} has no ${modeWord(chosen)} runs in ${shown(ref.journalAbs)} (it has ${have} runs); try --mode ${modeWord(runs[runs.length - 1]!.mode)}`);
    }
    return { ...ref, journal, mode: chosen, view, run };
  } catch (e) {
    journal.close();
    throw e;
  }
}

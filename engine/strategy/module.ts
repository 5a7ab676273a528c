// Loading a strategy module and checking what it exports: every way a module can be wrong is a
// `StrategyModuleProblem` saying what to fix. Kept free of the rule language, so the child process
// that probes a module (probe-child.ts) loads little besides the module itself.
import { spawnSync } from 'node:child_process';
import { access, readdir } from 'node:fs/promises';
import { basename, dirname, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { suggest } from '../spec/suggest.ts';
import { StrategyParamsError } from './strategy.ts';
import { ensureTypeScriptLoader } from './typescript-loader.ts';
import { thrown } from './checked.ts';
import type { Strategy, StrategyClass, StrategyContext } from './strategy.ts';

export type StrategyModuleProblem =
  | { kind: 'missing'; message: string; hint?: string }
  | { kind: 'syntax'; message: string; file: string; line: number; column: number }
  | { kind: 'load'; message: string; hint?: string }
  | { kind: 'export'; message: string; hint?: string }
  | { kind: 'shape'; message: string; hint?: string }
  | { kind: 'constructor'; message: string; hint?: string }
  | { kind: 'params'; message: string; param?: string };

export type Loaded<T> = { ok: true; value: T } | { ok: false; problem: StrategyModuleProblem };

/** A path as the user would type it: relative to the working directory when inside it. */
export function displayPath(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') ? rel : abs;
}

const EXPORT_HINT = 'write `export default class MyStrategy implements Strategy { … }` (see bots/strategies/donchian-breakout.ts)';

/** Imports the module at `absPath` and returns its default-exported strategy class. */
export async function loadStrategyClass(absPath: string, onImport?: () => void): Promise<Loaded<StrategyClass>> {
  const shown = displayPath(absPath);
  try {
    await access(absPath);
  } catch {
    return { ok: false, problem: await missingModule(absPath, shown) };
  }
  let mod: Record<string, unknown>;
  try {
    await ensureTypeScriptLoader(absPath);
    onImport?.();
    mod = (await import(pathToFileURL(absPath).href)) as Record<string, unknown>;
  } catch (e) {
    return { ok: false, problem: importProblem(e, absPath, shown) };
  }
  const cls = mod.default;
  if (cls === undefined) {
    const named = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    const hint = named.length ? `it exports ${named.map((n) => `\`${n}\``).join(', ')} by name; add \`default\` to the strategy class's export` : EXPORT_HINT;
    return { ok: false, problem: { kind: 'export', message: `strategy module ${shown} has no default export`, hint } };
  }
  if (typeof cls !== 'function' || !cls.prototype) {
    const what = typeof cls === 'function' ? 'an arrow function' : cls === null ? 'null' : `a ${typeof cls}`;
    return { ok: false, problem: { kind: 'export', message: `the default export of ${shown} must be a strategy class, but it is ${what}`, hint: EXPORT_HINT } };
  }
  return { ok: true, value: cls as StrategyClass };
}

/** Constructs the strategy and checks it has the members the engine calls. */
export function constructStrategy(cls: StrategyClass, ctx: StrategyContext, shown = 'the strategy module'): Loaded<Strategy> {
  let s: Strategy;
  try {
    s = new cls(ctx.params, ctx);
  } catch (e) {
    if (e instanceof StrategyParamsError || (e instanceof Error && e.name === 'StrategyParamsError')) {
      const param = (e as StrategyParamsError).param;
      return { ok: false, problem: { kind: 'params', message: e.message, ...(param ? { param } : {}) } };
    }
    if (e instanceof TypeError && /is not a constructor|cannot be invoked without 'new'/.test(e.message)) {
      return { ok: false, problem: { kind: 'export', message: `the default export of ${shown} cannot be constructed with \`new\``, hint: EXPORT_HINT } };
    }
    const where = e instanceof Error ? throwSite(e, shown) : undefined;
    return { ok: false, problem: { kind: 'constructor', message: `the strategy's constructor threw${thrown(e)}`, hint: `fix the constructor in ${where ?? shown}` } };
  }
  const obj = s as unknown as Record<string, unknown>;
  if (obj === null || typeof obj !== 'object') {
    return { ok: false, problem: { kind: 'shape', message: `constructing the default export of ${shown} did not give an object` } };
  }
  let problems: string[];
  try {
    problems = shapeProblems(obj);
  } catch (e) {
    // A getter (or proxy) on the strategy that throws when the engine reads it.
    return { ok: false, problem: { kind: 'shape', message: `reading the strategy in ${shown} threw${thrown(e)}`, hint: 'make `warmupBars`, `preloadBars` and `onCandle` plain members' } };
  }
  if (problems.length) {
    return { ok: false, problem: { kind: 'shape', message: `the strategy in ${shown} does not implement Strategy: ${problems.join('; ')}`, hint: 'a strategy needs `warmupBars`, `preloadBars` and `onCandle(candle)`; see engine/strategy/strategy.ts' } };
  }
  return { ok: true, value: s };
}

/** History a live bot loads before deciding is bounded: more is a mistake, not a warm-up. */
const MAX_PRELOAD_BARS = 100_000;

function shapeProblems(obj: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof obj.onCandle !== 'function') problems.push(obj.onCandle === undefined ? '`onCandle(candle)` is missing' : '`onCandle` must be a method');
  for (const member of ['warmupBars', 'preloadBars'] as const) {
    const val = obj[member];
    if (val === undefined) problems.push(`\`${member}\` is missing`);
    else if (typeof val !== 'number' || !Number.isInteger(val) || val < 0) problems.push(`\`${member}\` must be a whole number ≥ 0, but it is ${JSON.stringify(val) ?? String(val)}`);
    else if (val > MAX_PRELOAD_BARS) problems.push(`\`${member}\` must be at most ${MAX_PRELOAD_BARS.toLocaleString('en-US')} bars, but it is ${val}`);
  }
  if (problems.length === 0 && (obj.preloadBars as number) < (obj.warmupBars as number)) {
    problems.push(`\`preloadBars\` (${String(obj.preloadBars)}) must be at least \`warmupBars\` (${String(obj.warmupBars)})`);
  }
  return problems;
}

export async function missingModule(absPath: string, shown: string): Promise<StrategyModuleProblem> {
  return { kind: 'missing', message: `strategy module ${shown} does not exist`, hint: await nearbyModules(absPath) };
}

/** "did you mean donchian-breakout.ts?" from the files next to where the module was expected. */
async function nearbyModules(absPath: string): Promise<string> {
  const base = 'the path is relative to the spec file';
  try {
    const files = (await readdir(dirname(absPath))).filter((f) => /\.(ts|mts|js|mjs)$/.test(f));
    const close = suggest(basename(absPath), files);
    return close.length ? `did you mean ${close.map((f) => `\`${f}\``).join(' or ')}? (${base})` : base;
  } catch {
    return `${base}; the folder ${displayPath(dirname(absPath))} does not exist`;
  }
}

/** `file:line:col` of the frame in the strategy module that threw, from the stack trace. */
export function throwSite(e: Error, shown: string): string | undefined {
  const file = shown.split(/[\\/]/).pop() ?? shown;
  for (const line of (e.stack ?? '').split('\n').slice(1)) {
    const m = /\(?(?:file:\/\/)?([^()\s]+):(\d+):(\d+)\)?$/.exec(line.trim());
    if (m && m[1]!.endsWith(file)) return `${shown}:${m[2]}:${m[3]}`;
  }
  return undefined;
}

function syntaxErrorLocation(absPath: string): { line: number; column: number } | undefined {
  const r = spawnSync(process.execPath, ['--check', absPath], { encoding: 'utf8', timeout: 10_000 });
  const m = /:(\d+)\r?\n[^\n]*\r?\n([ \t]*)\^/.exec(r.stderr ?? '');
  return m ? { line: Number(m[1]), column: m[2]!.length + 1 } : undefined;
}

function importProblem(e: unknown, absPath: string, shown: string): StrategyModuleProblem {
  const err = e as { name?: string; message?: string; code?: string };
  const message = err?.message ?? String(e);
  // tsx/esbuild: "Transform failed with 1 error:\n/abs/file.ts:3:14: ERROR: Unexpected \";\""
  const m = /(\/[^\n:]+|[A-Za-z]:\\[^\n:]+):(\d+):(\d+): ERROR: ([^\n]+)/.exec(message);
  if (m) {
    return { kind: 'syntax', file: displayPath(m[1]!), line: Number(m[2]), column: Number(m[3]) + 1, message: `syntax error: ${m[4]!}` };
  }
  if (err?.name === 'SyntaxError') {
    // Node's ESM loader (plain .js/.mjs) drops the location; `node --check` prints it.
    const at = syntaxErrorLocation(absPath);
    if (at) return { kind: 'syntax', file: displayPath(absPath), line: at.line, column: at.column, message: `syntax error: ${message}` };
    return { kind: 'load', message: `strategy module ${shown} has a syntax error: ${message}` };
  }
  if (err?.code === 'ERR_MODULE_NOT_FOUND') {
    const what = /Cannot find (?:module|package) '([^']+)'/.exec(message)?.[1] ?? 'a module';
    return { kind: 'load', message: `strategy module ${shown} imports ${what.startsWith('/') ? displayPath(what) : what}, which cannot be found`, hint: 'imports are relative to the module file and need their extension (`../../engine/strategy/strategy.ts`)' };
  }
  return { kind: 'load', message: `strategy module ${shown} failed to load: ${message}` };
}

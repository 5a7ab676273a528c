// Builds dist/: the compiled JavaScript `botctl` runs (tsc, engine/build/tsconfig.json) and the spec
// validator compiled ahead of time (ajv standalone code), then writes dist/build.json, the record
// of what the build was made from. Runs on `npm ci` (prepare), by hand (`npm run build`), and from
// the tests before they spawn botctl (test/helpers/run-cli.ts). Nothing is rebuilt when no input
// changed.
//
// The same file answers "is dist/ current?" (`whyStale`) for engine/cli/botctl.js, which runs the
// TypeScript sources instead of a stale build: nobody ever runs or tests code older than the
// sources. Plain JavaScript, so it runs before anything is compiled.
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, 'build.json');
const LOCK = '.building';

/** Source folders compiled to dist/ (as in engine/build/tsconfig.json) and the other files the build reads. */
const SOURCE_DIRS = ['engine', 'dsl'];
const OTHER_INPUTS = ['schemas/bot.schema.json', 'schemas/sweep.schema.json', 'tsconfig.json', 'engine/build/tsconfig.json', 'package.json', 'package-lock.json', 'engine/build/build.mjs'];

function sourceFiles() {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts')) out.push(rel);
    }
  };
  for (const d of SOURCE_DIRS) walk(d);
  return out;
}

/**
 * Why dist/ cannot be used (no complete build, or the inputs changed since it was built), or
 * undefined when it is current. One stat per input: about a millisecond, cheap enough for every
 * botctl start.
 */
export function whyStale() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return 'there is no complete build in dist/';
  }
  const changed = [];
  for (const f of stamp.inputs) {
    let mtime;
    try {
      mtime = statSync(join(ROOT, f)).mtimeMs;
    } catch {
      mtime = Infinity;
    }
    // Against the build's start: a file saved while tsc ran may or may not be in the output.
    if (mtime > stamp.startedAt) changed.push(f);
  }
  if (changed.length === 0) return undefined;
  const shown = changed.length > 3 ? `${changed.slice(0, 3).join(', ')} and ${changed.length - 3} more` : changed.join(', ');
  return `${shown} changed since dist/ was built`;
}

/**
 * Builds dist/ if any input changed since the last build (or always, with `force`). One build at a
 * time: tap runs test files in parallel, and each makes sure the build is current before it
 * spawns botctl; the others wait, then find it current.
 */
export async function build({ force = false } = {}) {
  const unlock = await lock();
  try {
    const why = force ? 'asked to rebuild everything' : whyStale();
    if (why === undefined) return false;
    await compile(why, force);
    return true;
  } finally {
    unlock();
  }
}

async function compile(why, force) {
  const say = (s) => process.stderr.write(s);
  say(`botctl: building dist/: ${why}\n`);
  const startedAt = Date.now();
  // Without a stamp dist/ counts as not built, so a failed or interrupted build is never used.
  rmSync(STAMP, { force: true });
  if (force) for (const e of readdirSync(DIST)) if (e !== LOCK) rmSync(join(DIST, e), { recursive: true, force: true });

  const { spawnSync } = await import('node:child_process');
  const { createRequire } = await import('node:module');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'engine', 'build', 'tsconfig.json')], { stdio: 'inherit' });
  // Exit 2 is "type errors, JavaScript written anyway": like tsx, the build still runs what it
  // can, so a half-finished edit can be tried; `npm test` type-checks and fails on them.
  if (r.status === 2) say('botctl: the type errors above are in the build; `npm test` fails until they are fixed\n');
  else if (r.status !== 0) throw new Error(`tsc failed (exit ${r.status ?? r.signal}); dist/ was not updated`);

  const { validatorModuleSource, VALIDATOR_FILE } = await import(new URL('../../dist/engine/spec/schema.js', import.meta.url).href);
  writeFileSync(join(DIST, 'engine', 'spec', VALIDATOR_FILE), validatorModuleSource());

  const inputs = [...sourceFiles(), ...OTHER_INPUTS];
  writeFileSync(STAMP, `${JSON.stringify({ startedAt, inputs }, null, 1)}\n`);
  say(`botctl: dist/ built in ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
}

/** A lock directory (mkdir is atomic); one left by a build that died is taken over after 5 minutes. */
async function lock() {
  mkdirSync(DIST, { recursive: true });
  const dir = join(DIST, LOCK);
  for (;;) {
    try {
      mkdirSync(dir);
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let age = 0;
      try {
        age = Date.now() - statSync(dir).mtimeMs;
      } catch {
        continue;
      }
      if (age > 300_000) rmSync(dir, { recursive: true, force: true });
      else await new Promise((res) => setTimeout(res, 200));
    }
  }
}

if (process.argv[1] && relative(process.argv[1], fileURLToPath(import.meta.url)) === '') {
  try {
    await build({ force: process.argv.includes('--force') });
  } catch (e) {
    process.stderr.write(`botctl: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}

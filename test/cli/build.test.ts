// `botctl` runs the compiled build in dist/ only while it is current; after an edit it runs the
// TypeScript sources and says so, so nobody ever runs (or tests) code older than the sources.
// Checked on a copy of the package whose dist/ is a stand-in that says where it ran from.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function project(t: Test): string {
  const dir = t.testdir();
  // The command (engine/cli/botctl.js) and the build (engine/build/) are copied: Node resolves a
  // symlinked script to its real path, which would look for dist/ in this repository instead.
  cpSync(join(ROOT, 'engine', 'build'), join(dir, 'engine', 'build'), { recursive: true });
  cpSync(join(ROOT, 'engine', 'cli', 'botctl.js'), join(dir, 'engine', 'cli', 'botctl.js'));
  for (const sub of ['', 'cli']) {
    for (const e of readdirSync(join(ROOT, 'engine', sub))) {
      if (!existsSync(join(dir, 'engine', sub, e))) symlinkSync(join(ROOT, 'engine', sub, e), join(dir, 'engine', sub, e));
    }
  }
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  for (const d of ['dsl', 'schemas', 'node_modules']) symlinkSync(join(ROOT, d), join(dir, d));
  mkdirSync(join(dir, 'dist', 'engine', 'cli'), { recursive: true });
  writeFileSync(join(dir, 'dist', 'engine', 'cli', 'main.js'), "export async function main() { process.stdout.write('the build in dist/ ran\\n'); return 0; }\nexport function redactProcessOutput() {}\n");
  return dir;
}

function stamp(dir: string, startedAt: number, inputs: string[]): void {
  writeFileSync(join(dir, 'dist', 'build.json'), JSON.stringify({ startedAt, inputs }));
}

const run = (dir: string) => spawnSync(process.execPath, [join(dir, 'engine', 'cli', 'botctl.js'), '--version'], { cwd: dir, encoding: 'utf8' });

t.test('a current build runs; an input edited after it, or no complete build, runs the sources instead, with a notice', async (t) => {
  const dir = project(t);
  const edited = join(dir, 'engine', 'build', 'build.mjs');
  utimesSync(edited, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  stamp(dir, Date.now() - 1000, ['engine/build/build.mjs', 'package.json']);
  utimesSync(join(dir, 'package.json'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  const current = run(dir);
  t.equal(current.stdout, 'the build in dist/ ran\n');
  t.equal(current.stderr, '', 'no notice');

  utimesSync(edited, new Date(), new Date()); // saved after the build started
  const stale = run(dir);
  t.equal(stale.status, 0, stale.stderr);
  t.match(stale.stdout, /^\d+\.\d+\.\d+\n$/, 'the sources ran (the real --version)');
  t.match(stale.stderr, /^botctl: engine\/build\/build\.mjs changed since dist\/ was built; running the TypeScript sources instead \(slow start; `npm run build` fixes that\)\n$/);

  stamp(dir, Date.now() + 60_000, ['engine/build/build.mjs', 'engine/no-longer-there.ts']);
  t.match(run(dir).stderr, /engine\/no-longer-there\.ts changed since dist\/ was built/, 'a deleted input counts as changed');

  stamp(dir, Date.now() + 60_000, ['engine/build/build.mjs']);
  t.equal(run(dir).stdout, 'the build in dist/ ran\n', 'rebuilt: current again');
  writeFileSync(join(dir, 'dist', 'build.json'), '{"startedAt": 1'); // a build that died while writing it
  t.match(run(dir).stderr, /^botctl: there is no complete build in dist\/; running the TypeScript sources instead/);
});

t.test('package data files are found from PACKAGE_ROOT, which is right from the sources and from dist/', async (t) => {
  // dist/ is one folder deeper than the sources: `new URL('../../schemas/x.json', import.meta.url)`
  // works from engine/spec/ and misses from dist/engine/spec/.
  const { readFileSync } = await import('node:fs');
  const offenders: string[] = [];
  for (const top of ['engine', 'dsl']) {
    for (const f of readdirSync(join(ROOT, top), { recursive: true }) as string[]) {
      if (!f.endsWith('.ts')) continue;
      const text = readFileSync(join(ROOT, top, f), 'utf8');
      if (/new URL\(\s*['"`]\.\.\/[^'"`]*['"`]\s*,\s*import\.meta\.url\s*\)/.test(text)) offenders.push(`${top}/${f}`);
    }
  }
  t.strictSame(offenders, [], 'use new URL(path, PACKAGE_ROOT) (engine/package-root.ts)');
});

t.test('a botctl the tests spawn runs as installed: no test-runner loader in its NODE_OPTIONS', async (t) => {
  // test/helpers/plain-children.mjs takes tap's process-info loader out of every child a test
  // spawns (it doubled the CPU each spawned botctl took); other options get through.
  const show = ['-e', 'process.stdout.write(process.env.NODE_OPTIONS ?? "(none)")'];
  t.equal(spawnSync(process.execPath, show, { encoding: 'utf8' }).stdout, '(none)');
  const own = spawnSync(process.execPath, show, { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=512' } });
  t.match(own.stdout, /^"?--max-old-space-size=512"?$/, 'quoted the way tap rewrites it, and nothing else');
});

t.test('a worker thread a test starts runs without the test runner\'s loaders; other options get through', async (t) => {
  // Same helper: a sweep worker or a strategy-module probe inherited tap's process-info and mock
  // loaders (about a second of CPU each); a trader's botctl starts its workers without them.
  const { Worker } = await import('node:worker_threads');
  const seen = async (options: ConstructorParameters<typeof Worker>[1]): Promise<[string[], string | undefined]> => {
    const w = new Worker('require("node:worker_threads").parentPort.postMessage([process.execArgv, process.env.NODE_OPTIONS])', { ...options, eval: true });
    const m = await new Promise<[string[], string | undefined]>((resolve, reject) => w.once('message', resolve).once('error', reject));
    await w.terminate();
    return m;
  };
  const tap = /@tapjs[\\/](processinfo|mock)/;
  const [argv] = await seen({});
  t.notMatch(argv.join(' '), tap, 'execArgv');
  t.ok(argv.includes('--enable-source-maps'), 'the rest of execArgv is kept');
  const [, options] = await seen({ env: { ...process.env } });
  t.notMatch(options ?? '', tap, 'NODE_OPTIONS of an environment given to the worker');
  const [own] = await seen({ execArgv: ['--no-warnings'] });
  t.strictSame(own, ['--no-warnings'], 'an execArgv the caller chose is left alone');
});

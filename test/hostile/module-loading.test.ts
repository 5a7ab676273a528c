// Whatever a strategy module does while it loads (an endless loop at import or in its
// constructor, a timer, a wait that never ends, process.exit(), printing the environment), botctl
// finishes, says which module did what and where, and keeps the API keys to itself. Modules load
// first in a child process with a time limit (engine/strategy/probe.ts); the limit is shortened
// here with the test setting BOTCTL_MODULE_LOAD_LIMIT_MS.
import t from 'tap';
import { join } from 'node:path';
import { botctlHere, moduleSpec, refused, scratch } from './harness.ts';

// Short: a module looping at import burns a core until the limit.
const LIMIT_MS = 500;
const WITHIN = `within ${LIMIT_MS / 1000} s`;
const KEY = 'hostile-module-key-123456';
const SECRET = 'hostile-module-secret-654321';
const CLASS = 'export default class S { warmupBars = 0; preloadBars = 0; onCandle() { return []; } }';

/** [file, source, what validate must say] */
const MODULES: Array<[string, string, RegExp]> = [
  ['loop-top.mjs', `let n = 0;\nwhile (true) { n++; }\n${CLASS}`, new RegExp(`did not finish loading ${WITHIN}: it was still running its top-level code at \\S*loop-top\\.mjs:2:\\d+`)],
  ['loop-fn.mjs', `function spin() {\n  for (;;) {}\n}\nspin();\n${CLASS}`, /its top-level code at \S*loop-fn\.mjs:2:\d+ \(in spin\)/],
  ['loop-ctor.mjs', `export default class Busy {\n  warmupBars = 0; preloadBars = 0;\n  constructor() { while (true) {} }\n  onCandle() { return []; }\n}`, new RegExp(`did not finish loading ${WITHIN}: it was still running its constructor at \\S*loop-ctor\\.mjs:3:\\d+ \\(in Busy\\)`)],
  ['loop-helper.mjs', `import './helper-loop.mjs';\n${CLASS}`, /its top-level code at \S*helper-loop\.mjs:1:\d+/],
  ['loop.mts', `const on: boolean = true;\nwhile (on) { /* TypeScript */ }\n${CLASS}`, /its top-level code at \S*loop\.mts:2:\d+/],
  ['await-forever.mjs', `await new Promise(() => {});\n${CLASS}`, /never finished loading: its top level awaits something that never settles/],
  ['await-timer.mjs', `await new Promise((r) => setTimeout(r, 1e9));\n${CLASS}`, new RegExp(`did not finish loading ${WITHIN}: it was still running its top-level code[\\s\\S]*it is waiting \\(a timer`)],
  ['exit-0.mjs', `process.exit(0);\n${CLASS}`, /called process\.exit\(0\) while being imported/],
  ['exit-7.mjs', `console.log('leaving now');\nprocess.exit(7);\n${CLASS}`, /called process\.exit\(7\) while being imported; it printed:\s+leaving now/],
  ['exit-ctor.mjs', `export default class Quitter {\n  warmupBars = 0; preloadBars = 0;\n  constructor() { process.exit(3); }\n  onCandle() { return []; }\n}`, /called process\.exit\(3\) in its constructor/],
  ['env-print.mjs', `console.log(JSON.stringify(process.env));\nprocess.exit(2);\n${CLASS}`, /called process\.exit\(2\)/],
  ['throw-env.mjs', `throw new Error('env: ' + process.env.BYBIT_API_KEY + ' ' + process.env.BYBIT_API_SECRET);\n${CLASS}`, /failed to load: env: undefined undefined/],
];

const files: Record<string, string> = { 'helper-loop.mjs': 'while (true) {}\nexport const x = 1;\n' };
MODULES.forEach(([file], i) => (files[`s${i}.yaml`] = moduleSpec(`./${file}`)));
for (const [file, source] of MODULES) files[file] = source;
const dir = scratch(files);

t.test(`validate finishes on ${MODULES.length} modules that hang, exit or leak while loading`, async (t) => {
  const env = { BOTCTL_MODULE_LOAD_LIMIT_MS: String(LIMIT_MS), BYBIT_API_KEY: KEY, BYBIT_API_SECRET: SECRET };
  const saved = { ...process.env };
  Object.assign(process.env, env);
  t.teardown(() => {
    for (const k of Object.keys(env)) delete process.env[k];
    Object.assign(process.env, saved);
  });
  // In this process, four at a time: validate never imports a module itself, so none of this can
  // reach the test.
  const answers = await inBatches(MODULES.map((_, i) => () => botctlHere(['validate', join(dir, `s${i}.yaml`)])), 4);
  for (const [i, [file, , says]] of MODULES.entries()) {
    const a = answers[i]!;
    refused(t, a, { code: 1, case: file, says: [new RegExp(`s${i}\\.yaml:3:\\d+: error: strategy module \\S*${file.replace('.', '\\.')}`), says] });
    t.notMatch(a.out + a.err, new RegExp(`${KEY}|${SECRET}`), `${file}: the API keys never appear`);
    t.ok(a.ms < LIMIT_MS + 30_000, `${file}: answered in ${a.ms} ms`);
  }
});

async function inBatches<T>(jobs: Array<() => Promise<T>>, size: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < jobs.length; i += size) out.push(...(await Promise.all(jobs.slice(i, i + size).map((j) => j()))));
  return out;
}

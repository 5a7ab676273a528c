// Run by `npm test` before tap: fills the caches every test process reads, once, in one process.
// On a fresh clone they are empty, and the first test processes (four at a time) each compiled
// the same TypeScript and the spec schema's validator for themselves: about 30 s of the suite.
//   - test/helpers/ts-hooks.mjs: esbuild's output for every .ts file of engine/, dsl/ and test/;
//   - engine/spec/schema.ts: the schema's standalone validator.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedSource } from './ts-hooks.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const started = performance.now();

function* tsFiles(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(path);
    else if (/\.m?ts$/.test(e.name) && !e.name.endsWith('.d.ts') && !e.name.endsWith('.d.mts')) yield path;
  }
}

let files = 0;
for (const top of ['engine', 'dsl', 'test']) {
  for (const path of tsFiles(join(ROOT, top))) {
    try {
      cachedSource(path);
      files++;
    } catch {
      // a fixture that is not valid TypeScript on purpose: its test process meets it as it should
    }
  }
}

await import('./ts-loader.mjs');
const { validateShape } = await import('../../engine/spec/schema.ts');
validateShape({}); // compiles and keeps the validator
console.log(`test caches ready: ${files} TypeScript files, the spec validator (${Math.round(performance.now() - started)} ms)`);

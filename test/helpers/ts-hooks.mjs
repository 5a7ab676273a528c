// The loader-thread half of test/helpers/ts-loader.mjs: a .ts module's JavaScript, from the cache
// when its contents were compiled before, else from esbuild (the one tsx depends on).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Bump when the transform's options change: old entries are then never read again.
const VERSION = '1';
const CACHE = join(ROOT, 'node_modules', '.cache', 'botctl-test-ts');
const TS = /\.m?ts$/;

let esbuild;
let cacheReady = false;

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:')) return nextLoad(url, context);
  const path = fileURLToPath(url);
  if (!TS.test(path)) return nextLoad(url, context);
  return { format: 'module', source: cachedSource(path), shortCircuit: true };
}

/** The JavaScript of the .ts file at `path`: from the cache, else compiled and kept there (test/helpers/warm-caches.mjs fills it ahead). */
export function cachedSource(path) {
  const text = readFileSync(path, 'utf8');
  const key = createHash('sha1').update(VERSION).update('\0').update(path).update('\0').update(text).digest('hex');
  const cached = join(CACHE, `${key}.js`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    const source = compile(text, path);
    if (!cacheReady) mkdirSync(CACHE, { recursive: true });
    cacheReady = true;
    // Test files run in parallel: write aside, then rename, so no process reads half an entry.
    const tmp = `${cached}.${process.pid}.tmp`;
    writeFileSync(tmp, source);
    renameSync(tmp, cached);
    return source;
  }
}

function compile(text, path) {
  esbuild ??= createRequire(createRequire(import.meta.url).resolve('tsx/package.json'))('esbuild');
  const out = esbuild.transformSync(text, {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcefile: path,
    sourcemap: 'inline',
    // As tsconfig.json: imports are kept exactly as written (type-only ones say `type`).
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true } },
  });
  return out.code;
}

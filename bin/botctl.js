#!/usr/bin/env node
// `botctl`: runs the compiled JavaScript in dist/ (built on `npm ci`, see scripts/build.mjs). If a
// source file changed since that build, it runs the TypeScript sources through tsx instead and
// says so: slower to start, but never older than the code on disk. `npm run build` makes starts
// fast again.
import { whyStale } from '../scripts/build.mjs';

// `botctl trades --csv | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const stale = whyStale();
let main;
if (stale === undefined) {
  ({ main } = await import('../dist/engine/cli/main.js'));
} else {
  process.stderr.write(`botctl: ${stale}; running the TypeScript sources instead (slow start; \`npm run build\` fixes that)\n`);
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../engine/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));

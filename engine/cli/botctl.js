#!/usr/bin/env node
// `botctl`: runs the compiled JavaScript in dist/ (built on `npm ci`, see engine/build/build.mjs). If a
// source file changed since that build, it runs the TypeScript sources through tsx instead and
// says so: slower to start, but never older than the code on disk. `npm run build` makes starts
// fast again.
import { whyStale } from '../build/build.mjs';

// `botctl trades --csv | head` closes the pipe early: that is the reader's choice, not an error.
// Any other failure to write the output (`> /dev/full`) is said on the other stream, exit 1.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    const name = stream === process.stdout ? 'standard output' : 'standard error';
    const why = e.code === 'ENOSPC' || e.code === 'EDQUOT' ? 'the disk is full' : e.message;
    try {
      (stream === process.stdout ? process.stderr : process.stdout).write(`error: cannot write to ${name}: ${why}\n`);
    } catch {
      // both outputs are gone; the exit code still says it
    }
    process.exit(1);
  });
}

const stale = whyStale();
let main;
let redactProcessOutput;
if (stale === undefined) {
  ({ main, redactProcessOutput } = await import('../../dist/engine/cli/main.js'));
} else {
  process.stderr.write(`botctl: ${stale}; running the TypeScript sources instead (slow start; \`npm run build\` fixes that)\n`);
  const { register } = await import('tsx/esm/api');
  register();
  ({ main, redactProcessOutput } = await import('./main.ts'));
}
// botctl's own lines are redacted where they are printed; this catches what a strategy module or a
// library writes to the terminal itself (a module logging process.env in onCandle).
redactProcessOutput();
// Exit as soon as the command is done: a timer or socket a strategy module left behind must not
// keep botctl running. Output to files and pipes is written synchronously by then.
const code = await main(process.argv.slice(2));
// A write to a full disk fails after the call returned: wait for both outputs to take what was
// written, so that failure is said (exit 1 above) instead of lost in the exit.
await Promise.all([process.stdout, process.stderr].map((s) => new Promise((done) => s.write('', done))));
process.exit(code);

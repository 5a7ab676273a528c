#!/usr/bin/env node
// Entry point for `npx botctl`. botctl ships TypeScript sources and runs them through tsx's
// loader, which is also how user strategy modules (`bots/strategies/*.ts`) are loaded.
import { register } from 'tsx/esm/api';

// `botctl trades --csv | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));

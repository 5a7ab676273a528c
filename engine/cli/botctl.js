#!/usr/bin/env node
// Entry point for `npx botctl`. botctl ships TypeScript sources and runs them through tsx's
// loader, which is also how user strategy modules (`bots/strategies/*.ts`) are loaded.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));

// Loaded into every test process (package.json tap.node-arg): runs the TypeScript sources the way
// tsx does, for a third of its start-up cost. tsx loads its whole bundle on the main thread and on
// the loader thread and resolves every import through its own hooks: about 0.5 s of CPU in each of
// the suite's hundred-odd test processes. Here the only hook is `load` for .ts files (the sources
// import each other with explicit .ts extensions, so Node resolves them itself), answered from a
// cache of esbuild's output keyed by the file's contents. The sources are type-checked by `tsc`
// in `npm test`, not here. Tools and the CLI still use tsx (engine/cli/botctl.js).
import { register } from 'node:module';

register(new URL('./ts-hooks.mjs', import.meta.url));
// Stack traces and the module probe's "stuck at line N" point into the TypeScript, as with tsx.
process.setSourceMapsEnabled(true);
// Worker threads botctl starts from its sources (strategy-module probes, sweep workers) register
// this loader instead of tsx (engine/strategy/probe.ts, engine/sweep/worker-tsx.js).
process.env.BOTCTL_SOURCES_LOADER ??= import.meta.url;

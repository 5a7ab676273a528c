// Loaded into every test process (package.json tap.node-arg). tap instruments each child process a
// test spawns with its process-info loader (NODE_OPTIONS --import), which records every module the
// child loads: about doubling the CPU a spawned `botctl` takes. Coverage is off in this project, so
// that record is never read; children run as a trader's botctl runs, without the loader. Other
// NODE_OPTIONS are kept.
import { createRequire } from 'node:module';

const TAP_PROCESSINFO = /\s*"?--(?:import|loader|experimental-loader)=[^"\s]*@tapjs[\\/]processinfo[^"\s]*"?/g;

let onSpawn;
try {
  // tap's own hook on child_process (a singleton shared with the copy tap loaded).
  onSpawn = createRequire(import.meta.url)('process-on-spawn');
} catch {
  // a tap without it does not inject the loader this way: nothing to undo
}
onSpawn?.addListener((opts) => {
  const options = opts.env.NODE_OPTIONS;
  if (options === undefined || !TAP_PROCESSINFO.test(options)) return;
  const rest = options.replace(TAP_PROCESSINFO, '').trim();
  if (rest === '') delete opts.env.NODE_OPTIONS;
  else opts.env.NODE_OPTIONS = rest;
});

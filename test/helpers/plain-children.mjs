// Loaded into every test process (package.json tap.node-arg). tap instruments each child process a
// test spawns with its process-info loader (NODE_OPTIONS --import), which records every module the
// child loads: about doubling the CPU a spawned `botctl` takes. Coverage is off in this project, so
// that record is never read; children run as a trader's botctl runs, without the loader. Other
// NODE_OPTIONS are kept.
//
// Worker threads (a sweep's workers, the strategy-module probe) inherit the test process's own
// options: tap's process-info and mock loaders, each with a module-hook thread of its own, about
// 1 s of CPU per worker. A trader's botctl starts its workers with none of them, and so do the
// tests: every other option is kept.
import { createRequire, syncBuiltinESMExports } from 'node:module';

const TAP_PROCESSINFO = /\s*"?--(?:import|loader|experimental-loader)=[^"\s]*@tapjs[\\/]processinfo[^"\s]*"?/g;
const TAP_LOADER = /^--(?:import|loader|experimental-loader)=.*@tapjs[\\/](?:processinfo|mock)[\\/]/;

const require = createRequire(import.meta.url);

/** NODE_OPTIONS without tap's process-info loader; undefined when nothing else is left. */
function withoutProcessInfo(options) {
  if (options === undefined || !TAP_PROCESSINFO.test(options)) return options;
  const rest = options.replace(TAP_PROCESSINFO, '').trim();
  return rest === '' ? undefined : rest;
}

let onSpawn;
try {
  // tap's own hook on child_process (a singleton shared with the copy tap loaded).
  onSpawn = require('process-on-spawn');
} catch {
  // a tap without it does not inject the loader this way: nothing to undo
}
onSpawn?.addListener((opts) => {
  const options = withoutProcessInfo(opts.env.NODE_OPTIONS);
  if (options === opts.env.NODE_OPTIONS) return;
  if (options === undefined) delete opts.env.NODE_OPTIONS;
  else opts.env.NODE_OPTIONS = options;
});

// `import { Worker } from 'node:worker_threads'` in the modules loaded after this one gets this
// class (syncBuiltinESMExports): the same Worker, started without tap's loaders unless the caller
// chose its own execArgv.
const threads = require('node:worker_threads');
const TapWorker = threads.Worker;
const plainArgv = process.execArgv.filter((a) => !TAP_LOADER.test(a));
if (plainArgv.length !== process.execArgv.length) {
  threads.Worker = class Worker extends TapWorker {
    constructor(file, options = {}) {
      // A worker given an environment reads NODE_OPTIONS from it as a process would.
      let env = options.env;
      if (env !== null && typeof env === 'object') {
        const plain = withoutProcessInfo(env.NODE_OPTIONS);
        if (plain !== env.NODE_OPTIONS) {
          env = { ...env };
          if (plain === undefined) delete env.NODE_OPTIONS;
          else env.NODE_OPTIONS = plain;
        }
      }
      super(file, { ...options, env, execArgv: options.execArgv ?? plainArgv });
    }
  };
  syncBuiltinESMExports();
}

// The worker thread that loads a strategy module for probe.ts: import, construct, check, each
// step reported to the watchdog in botctl's main thread. Whatever the module does here stays here:
// process.exit() ends only this thread, its timers die with it, and its environment has no keys.
import { parentPort, workerData } from 'node:worker_threads';
import type { StrategyModuleProblem } from './module.ts';
import type { StrategyContext } from './strategy.ts';

export interface ProbeRequest {
  path: string;
  ctx: StrategyContext;
}

export type Stage = 'import' | 'constructor';

/** From the worker: progress (`stage`, `exitCalled`) and the one answer (`kind`). */
export type WorkerMessage =
  | { stage: Stage }
  | { exitCalled: number | string }
  | { kind: 'loaded'; warmupBars: number; preloadBars: number }
  | { kind: 'problem'; problem: StrategyModuleProblem };

const port = parentPort!;
const post = (m: WorkerMessage) => port.postMessage(m);
const req = workerData as ProbeRequest;

// Tell a process.exit() from a top-level await that never settles (both just end the thread).
const exit = process.exit.bind(process);
process.exit = ((code?: number | string | null) => {
  post({ exitCalled: code ?? 0 });
  return exit(code);
}) as typeof process.exit;

const { constructStrategy, displayPath, loadStrategyClass } = await import('./module.ts');
// The time limit starts at the import, once the loader is up (that can take seconds on a busy machine).
const loaded = await loadStrategyClass(req.path, () => post({ stage: 'import' }));
if (!loaded.ok) post({ kind: 'problem', problem: loaded.problem });
else {
  post({ stage: 'constructor' });
  const built = constructStrategy(loaded.value, req.ctx, displayPath(req.path));
  if (!built.ok) post({ kind: 'problem', problem: built.problem });
  else post({ kind: 'loaded', warmupBars: built.value.warmupBars, preloadBars: built.value.preloadBars });
}

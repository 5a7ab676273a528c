// A sweep worker thread: builds its Evaluator once (the spec parsed, the shared candles turned
// into objects, the instrument rules), then runs the combinations the main thread hands it, one
// message per finished combination.
import { parentPort, workerData } from 'node:worker_threads';
import { Evaluator } from './evaluate.ts';
import { evaluatorSetup, type WorkerInit } from './setup.ts';

export type ToWorker = { type: 'run'; positions: number[] };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  | { type: 'result'; result: import('./evaluate.ts').ComboResult }
  | { type: 'done' };

const port = parentPort!;
const post = (m: FromWorker): void => port.postMessage(m);

try {
  const evaluator = new Evaluator(await evaluatorSetup(workerData as WorkerInit));
  port.on('message', (m: ToWorker) => {
    void (async () => {
      for (const n of m.positions) {
        const result = await evaluator.evaluate(n);
        // One turn of the event loop first: a callback the combination's strategy left behind
        // that throws ends this worker while the combination is still its own, so the crash is
        // blamed on it and not on the next one.
        await new Promise<void>((resolve) => setImmediate(resolve));
        post({ type: 'result', result });
      }
      post({ type: 'done' });
    })().catch((e: unknown) => post({ type: 'fatal', message: `internal error in a sweep worker: ${e instanceof Error ? e.message : String(e)}` }));
  });
  post({ type: 'ready' });
} catch (e) {
  post({ type: 'fatal', message: e instanceof Error ? e.message : String(e) });
}

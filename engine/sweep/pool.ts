// Worker threads, one per core by default. The main thread hands out small chunks of
// combinations in order as workers become free (a slow chunk does not hold the others back) and
// gets every result as it finishes. A worker that dies is reported with the combination it was
// running, which counts as failed; the rest of its chunk goes to a fresh worker and the sweep
// goes on.
import { Worker } from 'node:worker_threads';
import { moduleEnv } from '../strategy/probe.ts';
import type { ComboResult } from './evaluate.ts';
import type { WorkerInit } from './setup.ts';
import type { FromWorker, ToWorker } from './worker.ts';

// From the TypeScript sources the worker first registers tsx's loader (worker-tsx.js); compiled,
// it is worker.js.
const fromSources = new URL(import.meta.url).pathname.endsWith('.ts');
const WORKER_URL = new URL(fromSources ? './worker-tsx.js' : './worker.js', import.meta.url);

/** Most combinations in one chunk; fewer towards the end so that the last chunks spread out. */
const CHUNK = 16;

interface Slot {
  worker: Worker;
  chunk: number[];
  /** How many of `chunk` have a result. */
  finished: number;
  ready: boolean;
}

export class WorkerPool {
  private readonly slots = new Set<Slot>();
  private readonly retry: number[] = [];
  private stopping = false;
  private crashes = 0;
  /** Resolves `run` once nothing runs any more (set while `run` is in progress). */
  private settle: () => void = () => {};

  constructor(private readonly count: number, private readonly init: WorkerInit) {}

  /**
   * Runs every position from `positions` (in order) and calls `onResult` for each, in the order
   * they finish. Resolves when all are done or `stop()` was called and the running chunks ended.
   */
  run(positions: Iterator<number>, total: number, onResult: (r: ComboResult) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      let pending = total;
      let exhausted = false;
      const next = (): number[] => {
        const chunk: number[] = [];
        while (this.retry.length > 0 && chunk.length < CHUNK) chunk.push(this.retry.shift()!);
        const size = Math.max(1, Math.min(CHUNK, Math.ceil(pending / (this.count * 4))));
        while (!exhausted && chunk.length < size) {
          const p = positions.next();
          if (p.done) exhausted = true;
          else chunk.push(p.value);
        }
        return chunk;
      };
      const finishIfDone = (this.settle = (): void => {
        if ((pending === 0 || this.stopping) && [...this.slots].every((s) => s.chunk.length === 0)) {
          for (const s of this.slots) void s.worker.terminate();
          this.slots.clear();
          resolve();
        }
      });
      const feed = (slot: Slot): void => {
        slot.chunk = this.stopping ? [] : next();
        slot.finished = 0;
        if (slot.chunk.length === 0) return finishIfDone();
        slot.worker.postMessage({ type: 'run', positions: slot.chunk } satisfies ToWorker);
      };
      const spawn = (): void => {
        // A worker runs strategy-module code and never trades: it gets no API keys.
        const worker = new Worker(WORKER_URL, { workerData: this.init, env: moduleEnv() });
        const slot: Slot = { worker, chunk: [], finished: 0, ready: false };
        this.slots.add(slot);
        worker.on('message', (m: FromWorker) => {
          if (m.type === 'ready') {
            slot.ready = true;
            feed(slot);
          } else if (m.type === 'fatal') {
            this.stopAll();
            reject(new Error(m.message));
          } else if (m.type === 'result') {
            slot.finished++;
            pending--;
            onResult(m.result);
          } else if (m.type === 'done') {
            feed(slot);
          }
        });
        worker.on('error', (e) => died(slot, e instanceof Error ? e.message : String(e)));
        worker.on('exit', (code) => {
          if (this.slots.has(slot)) died(slot, `it exited with code ${code}`);
        });
      };
      const died = (slot: Slot, why: string): void => {
        if (!this.slots.delete(slot)) return;
        if (!slot.ready) {
          this.stopAll();
          reject(new Error(`a sweep worker could not start: ${why}`));
          return;
        }
        const lost = slot.chunk.slice(slot.finished);
        const culprit = lost.shift();
        if (culprit !== undefined) {
          pending--;
          onResult({ n: culprit, values: [], status: 'failed', reason: `the worker running it crashed: ${why}` });
        }
        this.retry.unshift(...lost);
        if (++this.crashes > this.count * 3 + 10) {
          this.stopAll();
          reject(new Error(`sweep workers keep crashing (last: ${why})`));
          return;
        }
        if (!this.stopping) spawn();
        finishIfDone();
      };
      for (let i = 0; i < this.count; i++) spawn();
    });
  }

  /** Hands out no new chunks; `run` resolves once the running ones have finished. */
  stop(): void {
    this.stopping = true;
    this.settle();
  }

  private stopAll(): void {
    this.stopping = true;
    for (const s of this.slots) void s.worker.terminate();
    this.slots.clear();
  }
}

// A strategy module is loaded first on a worker thread with a time limit (probe-worker.ts), so a
// module that loops forever at import or in its constructor, leaves a timer running, calls
// process.exit() or prints the environment cannot hang, end or leak from botctl. Past the limit
// the worker is paused through the inspector to say on which line it was stuck, then terminated.
// The worker's environment has no API keys. Only a module that loaded cleanly there is imported by
// botctl itself (backtests and runs call its onCandle on the hot path).
import { statSync } from 'node:fs';
import { Session } from 'node:inspector';
import { SourceMap } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Redactor } from '../log/redact.ts';
import type { Loaded, StrategyModuleProblem } from './module.ts';
import type { ProbeRequest, Stage, WorkerMessage } from './probe-worker.ts';
import type { StrategyContext } from './strategy.ts';

/** How long a module may take to import and construct. Test setting: BOTCTL_MODULE_LOAD_LIMIT_MS. */
export const MODULE_LOAD_LIMIT_MS = 15_000;
/** After the limit: how long to look for the line the module is stuck on. */
const LOCATE_MS = 3000;

/** Variables a strategy module never sees: the API keys and the webhook's secrets. */
const HIDDEN_ENV = /^(BYBIT_API_KEY|BYBIT_API_SECRET|BOTCTL_NOTIFY_URL|BOTCTL_NOTIFY_CHAT_ID)$/;

export interface ProbedModule {
  warmupBars: number;
  preloadBars: number;
}

interface StuckFrame {
  fn: string;
  file: string;
  line: number;
  column: number;
}

type Outcome =
  | Extract<WorkerMessage, { kind: string }>
  | { kind: 'stuck'; stage: Stage; frames: StuckFrame[] }
  | { kind: 'exited'; stage: Stage; code: number | string }
  | { kind: 'unsettled'; stage: Stage }
  | { kind: 'crashed'; message: string };

/** Modules that loaded cleanly, by file version and context: a spec loaded twice is probed once. */
const probed = new Map<string, ProbedModule>();

export async function probeStrategyModule(absPath: string, ctx: StrategyContext, shown: string): Promise<Loaded<ProbedModule>> {
  let key: string | undefined;
  try {
    const st = statSync(absPath);
    key = JSON.stringify([absPath, st.mtimeMs, st.size, ctx]);
  } catch {
    // the worker reports the missing file
  }
  const known = key === undefined ? undefined : probed.get(key);
  if (known) return { ok: true, value: known };
  const limitMs = loadLimitMs();
  const { outcome, printed } = await runWorker({ path: absPath, ctx: { ...ctx, params: { ...ctx.params } } }, limitMs);
  const result = judge(outcome, printed, absPath, shown, limitMs);
  if (result.ok && key !== undefined) probed.set(key, result.value);
  return result;
}

async function runWorker(req: ProbeRequest, limitMs: number): Promise<{ outcome: Outcome; printed: string }> {
  const self = import.meta.url;
  const workerFile = new URL(`./probe-worker.${self.endsWith('.ts') ? 'ts' : 'js'}`, self);
  // Run from the TypeScript sources, the worker registers a TypeScript loader before its own file.
  const loader = new URL('./sources-loader.js', self).href;
  const worker = self.endsWith('.ts')
    ? new Worker(`import(${JSON.stringify(loader)}).then((m) => m.registerSourcesLoader()).then(() => import(${JSON.stringify(workerFile.href)}))`, { eval: true, workerData: req, env: moduleEnv(), stdout: true, stderr: true })
    : new Worker(fileURLToPath(workerFile), { workerData: req, env: moduleEnv(), stdout: true, stderr: true });

  // What the module printed: shown only if it failed (its own debugging output, keys scrubbed).
  let printed = '';
  const keep = (b: Buffer) => void (printed = (printed + b.toString()).slice(-2000));
  worker.stdout.on('data', keep);
  worker.stderr.on('data', keep);

  // The inspector sees the worker, so a busy loop can be paused and located.
  const session = new Session();
  session.connect();
  const sessions = new Map<string, string>();
  const scripts = new Map<string, { url: string; sourceMapURL: string }>();
  let stage: Stage = 'import';
  let exitCalled: number | string | undefined;
  let deadline = Infinity;
  const timers: NodeJS.Timeout[] = [];

  const post = (id: number, method: string) => {
    const sessionId = sessions.get(String(worker.threadId));
    if (sessionId) session.post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method }) });
  };
  const outcome = await new Promise<Outcome>((resolve) => {
    const locate = () => {
      if (!sessions.has(String(worker.threadId))) return resolve({ kind: 'stuck', stage, frames: [] });
      post(1, 'Debugger.enable');
      post(2, 'Debugger.pause');
      // A worker that is idle (a timer, a pending await) never reaches a pause point.
      timers.push(setTimeout(() => resolve({ kind: 'stuck', stage, frames: [] }), LOCATE_MS));
    };
    session.on('NodeWorker.attachedToWorker', (m) => {
      // The inspector's workerId is not the thread id; its title is "[worker <threadId>] <name>".
      const p = m.params as { sessionId: string; workerInfo: { title: string } };
      const threadId = /^\[worker (\d+)\]/.exec(p.workerInfo.title)?.[1];
      if (threadId !== undefined) sessions.set(threadId, p.sessionId);
    });
    session.on('NodeWorker.receivedMessageFromWorker', (m) => {
      // Every session sees every worker (other modules may be probed at the same time): ours only.
      const p = m.params as { sessionId: string; message: string };
      if (p.sessionId !== sessions.get(String(worker.threadId))) return;
      const msg = JSON.parse(p.message) as { method?: string; params?: Record<string, unknown> };
      if (msg.method === 'Debugger.scriptParsed') {
        scripts.set(String(msg.params?.scriptId), { url: String(msg.params?.url ?? ''), sourceMapURL: String(msg.params?.sourceMapURL ?? '') });
      } else if (msg.method === 'Debugger.paused') {
        const frames = (msg.params?.callFrames as Array<{ functionName: string; location: { scriptId: string; lineNumber: number; columnNumber: number } }>)
          .map((f) => sourceFrame(f.functionName, scripts.get(f.location.scriptId), f.location.lineNumber, f.location.columnNumber));
        // Paused in the loader (the module's file still being read or compiled on a busy
        // machine): let it run on and look again, until the deadline.
        if (frames.some(isUserFrame) || Date.now() > deadline) return resolve({ kind: 'stuck', stage, frames });
        post(3, 'Debugger.resume');
        timers.push(setTimeout(locate, 500));
      }
    });
    session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });

    worker.on('message', (m: WorkerMessage) => {
      if ('kind' in m) return resolve(m);
      if ('exitCalled' in m) {
        exitCalled = m.exitCalled;
        return;
      }
      stage = m.stage;
      if (stage === 'import') {
        timers.push(setTimeout(locate, limitMs));
        deadline = Date.now() + limitMs + 10_000;
      }
    });
    worker.on('error', (e) => resolve({ kind: 'crashed', message: e instanceof Error ? e.message : String(e) }));
    // A module calling process.exit() ends only the worker; an await that never settles lets it end too.
    worker.on('exit', () => resolve(exitCalled !== undefined ? { kind: 'exited', stage, code: exitCalled } : { kind: 'unsettled', stage }));
  });
  for (const t of timers) clearTimeout(t);
  // A worker held at a pause cannot be terminated: let it run, then stop it.
  post(4, 'Debugger.resume');
  session.disconnect();
  await worker.terminate();
  return { outcome, printed };
}

function judge(outcome: Outcome, printed: string, absPath: string, shown: string, limitMs: number): Loaded<ProbedModule> {
  const output = printed.trim() ? `; it printed:\n${indent(new Redactor().redactString(printed.trim()))}` : '';
  const fail = (problem: StrategyModuleProblem): Loaded<ProbedModule> => ({ ok: false, problem });
  switch (outcome.kind) {
    case 'loaded':
      return { ok: true, value: { warmupBars: outcome.warmupBars, preloadBars: outcome.preloadBars } };
    case 'problem':
      return fail(outcome.problem);
    case 'stuck':
      return fail(stuck(shown, absPath, outcome.stage, outcome.frames, limitMs));
    case 'exited':
      return fail({
        kind: 'load',
        message: `strategy module ${shown} called process.exit(${outcome.code}) ${outcome.stage === 'import' ? 'while being imported' : 'in its constructor'}${output}`,
        hint: 'a strategy module must not end the process: throw an Error instead (StrategyParamsError to reject its parameters)',
      });
    case 'unsettled':
      return fail({
        kind: 'load',
        message: `strategy module ${shown} never finished loading: ${outcome.stage === 'import' ? 'its top level awaits something' : 'its constructor waits for something'} that never settles${output}`,
        hint: 'loading must not wait for anything: remove the top-level await',
      });
    case 'crashed':
      return fail({ kind: 'load', message: `strategy module ${shown} failed to load: ${outcome.message}${output}` });
  }
}

function stuck(shown: string, absPath: string, stage: Stage, frames: StuckFrame[], limitMs: number): StrategyModuleProblem {
  const at = frames.find((f) => f.file === absPath) ?? frames.find(isUserFrame);
  const where = at ? ` at ${shownFile(at.file)}:${at.line}:${at.column}${at.fn ? ` (in ${at.fn})` : ''}` : '';
  return {
    kind: 'load',
    message: `strategy module ${shown} did not finish loading within ${limitMs / 1000} s: it was still running ${stage === 'import' ? 'its top-level code' : 'its constructor'}${where}`,
    hint: at
      ? 'an endless loop there? Loading must be quick: compute on each candle in onCandle instead'
      : 'it is waiting (a timer, a network call or an await that never finishes): loading must not wait for anything',
  };
}

/** A paused frame as the user wrote it: through the script's inline source map (a .ts module compiled by tsx). */
function sourceFrame(fn: string, script: { url: string; sourceMapURL: string } | undefined, line: number, column: number): StuckFrame {
  const file = fileOf(script?.url ?? '');
  const inline = /^data:application\/json[^,]*;base64,/.exec(script?.sourceMapURL ?? '');
  if (inline) {
    try {
      const map = new SourceMap(JSON.parse(Buffer.from(script!.sourceMapURL.slice(inline[0].length), 'base64').toString('utf8')));
      const at = map.findEntry(line, column) as { originalLine?: number; originalColumn?: number };
      if (typeof at.originalLine === 'number' && typeof at.originalColumn === 'number') return { fn, file, line: at.originalLine + 1, column: at.originalColumn + 1 };
    } catch {
      // fall back to the compiled position
    }
  }
  return { fn, file, line: line + 1, column: column + 1 };
}

function isUserFrame(f: StuckFrame): boolean {
  return f.file !== '' && !f.file.startsWith('node:') && !f.file.includes('/node_modules/');
}

function fileOf(url: string): string {
  try {
    return url.startsWith('file:') ? fileURLToPath(url) : url;
  } catch {
    return url;
  }
}

/** The environment a thread running strategy-module code gets: without the API keys and the webhook's secrets. */
export function moduleEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !HIDDEN_ENV.test(k)));
}

function loadLimitMs(): number {
  const v = Number(process.env.BOTCTL_MODULE_LOAD_LIMIT_MS);
  return Number.isFinite(v) && v > 0 ? v : MODULE_LOAD_LIMIT_MS;
}

function shownFile(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') ? rel : abs;
}

function indent(text: string): string {
  return text.split('\n').slice(-10).map((l) => `    ${l}`).join('\n');
}

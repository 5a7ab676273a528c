// The boundary between the engine and a strategy module: every value a module hands back is
// checked here, once, before the decision core sees it. A module that throws, returns something
// that is not an array of signals (a Promise from an async onCandle, null, a number), or a signal
// with an unknown action or a non-numeric strength stops the run with a StrategyError naming the
// module, the candle and what was wrong: a wrong signal is never traded and never ignored.
//
// Quiet bars cost one call and one length check; signals are copied into plain objects, so a
// getter or proxy inside the module cannot answer differently when the core reads them again.
import { UserError } from '../cli/exit.ts';
import type { Candle } from '../market/candle.ts';
import { fmtTime } from '../core/format.ts';
import { suggest } from '../spec/suggest.ts';
import { Redactor } from '../log/redact.ts';
import type { Signal, SignalAction, Strategy } from './strategy.ts';

const ACTIONS: readonly SignalAction[] = ['enter_long', 'exit_long', 'enter_short', 'exit_short'];
const IS_ACTION: ReadonlySet<string> = new Set(ACTIONS);
/** More signals than this on one candle is a runaway module, not a decision (there are four actions). */
export const MAX_SIGNALS_PER_CANDLE = 8;

/** A strategy module misbehaved at run time. A user error: the module is the user's code. */
export class StrategyError extends UserError {
  constructor(
    readonly module: string,
    readonly candle: number | undefined,
    readonly problem: string,
    readonly hint?: string,
  ) {
    const when = candle === undefined ? '' : ` on the candle of ${fmtTime(candle)} UTC`;
    super(`strategy module ${module}${when}: ${problem}; the run was stopped${hint ? `\n  hint: ${hint}` : ''}`);
    this.name = 'StrategyError';
  }
}

/** `inner` behind the check. `module` is the path shown to the user; `site` finds where it threw. */
export function checkedStrategy(inner: Strategy, module: string, site: (e: Error) => string | undefined = () => undefined): Strategy {
  guardExit();
  return {
    warmupBars: inner.warmupBars,
    preloadBars: inner.preloadBars,
    onCandle(c: Candle): readonly Signal[] {
      let out: unknown;
      insideModule++;
      exitCode = undefined;
      try {
        out = inner.onCandle(c);
      } catch (e) {
        if (e === EXIT_CALLED) throw exitCalled(module, c.start);
        throw new StrategyError(module, c.start, `onCandle threw${thrown(e)}`, whereThrown(e, site));
      } finally {
        insideModule--;
      }
      // A module that caught the refused exit and carried on is stopped all the same.
      if (exitCode !== undefined) throw exitCalled(module, c.start);
      // The hot path: a real, empty array (usually the shared NO_SIGNALS).
      if (Array.isArray(out) && out.length === 0) return out as readonly Signal[];
      return checkSignals(out, module, c.start);
    },
  };
}

// process.exit() from a module's code would end botctl on the spot, with an order in flight and
// nothing said. While a module's code runs, exit() throws instead and the run stops as for any
// other failure of the module.
const EXIT_CALLED = new Error('process.exit() called by a strategy module');
let insideModule = 0;
let exitCode: number | string | null | undefined;
let exitGuarded = false;

/** Runs `fn` (a module's constructor) with process.exit() refused; `exited` says the module called it. */
export function withoutExit<T>(fn: () => T): { value: T | undefined; exited: boolean } {
  guardExit();
  insideModule++;
  exitCode = undefined;
  try {
    const value = fn();
    return { value, exited: exitCode !== undefined };
  } catch (e) {
    if (e === EXIT_CALLED) return { value: undefined, exited: true };
    throw e;
  } finally {
    insideModule--;
  }
}

function guardExit(): void {
  if (exitGuarded) return;
  exitGuarded = true;
  const exit = process.exit.bind(process);
  process.exit = ((code?: number | string | null) => {
    if (insideModule > 0) {
      exitCode = code ?? 0;
      throw EXIT_CALLED;
    }
    return exit(code);
  }) as typeof process.exit;
}

function exitCalled(module: string, candle: number): StrategyError {
  return new StrategyError(module, candle, `onCandle called process.exit(${exitCode === null || exitCode === undefined ? '' : String(exitCode)})`, 'a strategy must not end the process: throw an Error (the run stops and says why), or return no signals');
}

function checkSignals(out: unknown, module: string, candle: number): readonly Signal[] {
  const fail = (problem: string, hint?: string): never => {
    throw new StrategyError(module, candle, problem, hint);
  };
  if (!Array.isArray(out)) {
    if (isThenable(out)) fail('onCandle returned a Promise; it must return its signals at once', 'remove `async` from onCandle (and do not await inside it): the engine decides on each candle before the next one arrives');
    fail(`onCandle returned ${describe(out)} instead of an array of signals`, 'return `NO_SIGNALS` (or `[]`) when there is nothing to do, else e.g. `[{ action: \'enter_long\', reason: \'breakout\' }]`');
  }
  const signals: Signal[] = [];
  try {
    const n = (out as unknown[]).length;
    if (n > MAX_SIGNALS_PER_CANDLE) fail(`onCandle returned ${n} signals for one candle (at most ${MAX_SIGNALS_PER_CANDLE} make sense: one per action)`);
    for (let i = 0; i < n; i++) signals.push(checkSignal((out as unknown[])[i], i + 1, fail));
  } catch (e) {
    if (e instanceof StrategyError) throw e;
    fail(`reading the signals onCandle returned threw${thrown(e)}`, 'return plain objects: `{ action, reason, strength?, confidence? }`');
  }
  return signals;
}

function checkSignal(raw: unknown, n: number, fail: (problem: string, hint?: string) => never): Signal {
  if (raw === undefined) fail(`signal ${n} is missing (undefined, or a hole in the array)`);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(`signal ${n} is ${describe(raw)}, not an object like { action: 'enter_long', reason: '…' }`);
  const s = raw as Record<string, unknown>;
  const action = s.action;
  if (typeof action !== 'string' || !IS_ACTION.has(action)) {
    const close = typeof action === 'string' ? suggest(action.replace(/[-\s]/g, '_'), ACTIONS, 1) : [];
    fail(`signal ${n} has action ${describe(action)}, which is not one of ${ACTIONS.join(', ')}`, close.length ? `did you mean '${close[0]}'?` : undefined);
  }
  const signal: Signal = { action: action as SignalAction, reason: '' };
  const reason = s.reason;
  if (reason !== undefined && typeof reason !== 'string') fail(`signal ${n} has reason ${describe(reason)}; a reason is text`);
  signal.reason = reason ?? '';
  for (const score of ['strength', 'confidence'] as const) {
    const v = s[score];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`signal ${n} has ${score} ${describe(v)}; it must be a finite number (0..1 by convention) or left out`);
    signal[score] = v;
  }
  return signal;
}

function isThenable(v: unknown): boolean {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** A value as a short phrase: `"buy" (text)`, `42 (a number)`, `null`. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') {
    // Secrets out before the cut: a key cut in half is no longer recognised downstream.
    const s = new Redactor().scrubSecrets(v);
    return `${JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s)} (text)`;
  }
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${String(v)} (a ${typeof v})`;
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'a nested array';
  return 'an object';
}

/** What was thrown, to follow "threw": `: boom` (an Error), ` the number 42`, ` the text "x"`. */
export function thrown(e: unknown): string {
  try {
    return thrownText(e);
  } catch {
    return ' a value that cannot even be read';
  }
}

function thrownText(e: unknown): string {
  if (e instanceof Error) return `: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}`;
  if (typeof e === 'string') return ` the text ${JSON.stringify(e)}`;
  if (e === undefined || e === null) return ` ${String(e)}`;
  if (typeof e === 'object') return ' an object (not an Error)';
  return ` the ${typeof e} ${String(e)}`;
}

function whereThrown(e: unknown, site: (e: Error) => string | undefined): string | undefined {
  try {
    const where = e instanceof Error ? site(e) : undefined;
    return where ? `it was thrown at ${where}` : undefined;
  } catch {
    return undefined;
  }
}

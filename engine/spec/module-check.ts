// Loads and constructs the spec's strategy module the way `botctl run` will, and reports any
// failure at the spec line it comes from (or, for a syntax error, in the module file itself).
import { readFile } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import { existsSync } from 'node:fs';
import { displayPath, missingModule } from '../strategy/load.ts';
import type { StrategyModuleProblem } from '../strategy/load.ts';
import type { StrategyContext } from '../strategy/strategy.ts';
import { withExcerpt } from './diagnostic.ts';
import type { Diagnostic } from './diagnostic.ts';
import type { SpecValues } from './values.ts';
import { isInterval } from '../market/candle.ts';
import type { Interval } from '../market/candle.ts';

export function modulePath(specFileAbs: string, module: string): string {
  return resolvePath(dirname(specFileAbs), module);
}

export async function checkModule(
  v: SpecValues,
  specFileAbs: string,
  ctx: Omit<StrategyContext, 'params'>,
): Promise<{ diagnostics: Diagnostic[]; warmupBars?: number }> {
  const module = v.str(['strategy', 'module']);
  if (module === undefined || !/\.(ts|mts|js|mjs)$/.test(module)) return { diagnostics: [] };
  const abs = modulePath(specFileAbs, module);
  const shown = displayPath(abs);
  if (!existsSync(abs)) return { diagnostics: [await problemDiagnostic(v, await missingModule(abs, shown))] };
  const params = (v.obj(['strategy', 'params']) ?? {}) as StrategyContext['params'];
  // Loaded on a worker thread with a time limit: whatever the module does, validate finishes.
  // Worker threads and the inspector only for specs that name a module: rule specs start faster.
  const { probeStrategyModule } = await import('../strategy/probe.ts');
  const probed = await probeStrategyModule(abs, { ...ctx, params }, shown);
  if (!probed.ok) return { diagnostics: [await problemDiagnostic(v, probed.problem)] };
  return { diagnostics: [], warmupBars: probed.value.warmupBars };
}

async function problemDiagnostic(v: SpecValues, p: StrategyModuleProblem): Promise<Diagnostic> {
  const src = v.src;
  switch (p.kind) {
    case 'syntax': {
      const d: Diagnostic = { file: p.file, line: p.line, column: p.column, severity: 'error', message: p.message };
      try {
        return withExcerpt(d, await readFile(p.file, 'utf8'), 1);
      } catch {
        return d;
      }
    }
    case 'params': {
      const named = p.param !== undefined && v.has(['strategy', 'params', p.param]);
      // An unknown name is about the key; a bad value is about the value.
      if (named) return src.at(['strategy', 'params', p.param!], p.message, { hint: 'the strategy module rejected this parameter', prefer: /unknown/i.test(p.message) ? 'key' : 'value' });
      if (v.has(['strategy', 'params'])) return src.at(['strategy', 'params'], p.message, { prefer: 'key', hint: 'the strategy module rejected its parameters' });
      return src.at(['strategy', 'module'], p.message, { hint: 'add the parameters the module needs under `strategy.params`' });
    }
    default:
      return src.at(['strategy', 'module'], p.message, { hint: p.hint });
  }
}

export function intervalOf(v: SpecValues): Interval | undefined {
  const raw = v.get(['market', 'interval']);
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : undefined;
  return isInterval(text) ? text : undefined;
}

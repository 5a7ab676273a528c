// Wiring for runner tests: a bot spec run through BotRunner on a SimVenue (CSV replay) or on the
// real Bybit adapter pointed at the loopback fake, with logs captured as text.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../engine/log/index.ts';
import { loadBotSpec } from '../../engine/spec/load.ts';
import type { Plan } from '../../engine/plan/plan.ts';

export interface CapturedLog {
  logger: Logger;
  text(): string;
  lines(): Array<Record<string, unknown>>;
}

export function captureLog(level: 'debug' | 'info' = 'info'): CapturedLog {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ console: sink, consoleFormat: 'json', level, colour: false });
  return {
    logger,
    text: () => chunks.join(''),
    lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export async function planOf(file: string): Promise<Plan> {
  const spec = await loadBotSpec(file);
  if (!spec.ok) throw new Error(`${file}: ${spec.diagnostics.map((d) => d.message).join('; ')}`);
  return spec.plan;
}

// Loggers for libraries that bring their own logging, so their lines go through redaction too.
// bybit-api logs with console by default, including request details: never leave it at that.
import type { LogFields, Logger } from './logger.ts';

/** The shape bybit-api's clients accept as `logger` ({ trace, info, error }, variadic). */
export interface BybitApiLogger {
  trace: (...params: unknown[]) => void;
  info: (...params: unknown[]) => void;
  error: (...params: unknown[]) => void;
}

/**
 * bybit-api's chatter goes to `logger` as: trace → trace, info → debug (connection churn is not news
 * to a trader), error → warn (the venue decides what is an error and reports it itself).
 */
export function bybitApiLogger(logger: Logger): BybitApiLogger {
  const log = logger.child({ component: 'bybit-api' });
  const emit = (level: 'trace' | 'debug' | 'warn') => (...params: unknown[]) => {
    if (!log.isLevelEnabled(level)) return;
    const [first, ...rest] = params;
    const fields: LogFields = {};
    let msg: string;
    if (typeof first === 'string') msg = first;
    else if (first instanceof Error) {
      msg = first.message;
      fields.err = first;
    } else {
      msg = 'bybit-api';
      if (first !== undefined) fields.detail = first;
    }
    if (rest.length === 1) fields.context = rest[0];
    else if (rest.length > 1) fields.context = rest;
    log[level](msg, fields);
  };
  return { trace: emit('trace'), info: emit('debug'), error: emit('warn') };
}

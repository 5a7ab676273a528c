// Structured logging: JSON lines to a file for machines, one readable line per record on the
// terminal for people. Every field, message, error and stack is redacted before pino sees it,
// and each finished line is scrubbed once more for the literal key and secret values.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino from 'pino';
import { Redactor } from './redact.ts';
import { formatPrettyLine } from './pretty.ts';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export type LogFields = Record<string, unknown>;

export interface LoggerOptions {
  /** Lowest level written anywhere (default 'info'). */
  level?: LogLevel;
  /** JSON lines are appended to this file (parent directories are created). */
  file?: string;
  /** Terminal stream (default process.stderr, so stdout stays clean for command output); false for none. */
  console?: NodeJS.WritableStream | false;
  /** 'pretty' (default) or raw JSON lines on the terminal stream. */
  consoleFormat?: 'pretty' | 'json';
  /** Lowest level shown on the terminal (default: `level`). */
  consoleLevel?: LogLevel;
  /** ANSI colours on the terminal (default: the stream is a TTY and NO_COLOR is unset). */
  colour?: boolean;
  /** Default: redacts BYBIT_API_KEY / BYBIT_API_SECRET values from process.env and secret field names. */
  redactor?: Redactor;
  /** Fields on every line, e.g. `{ bot: 'btc-ema', mode: 'paper' }`. */
  base?: LogFields;
}

export interface Logger {
  trace(msg: string, fields?: LogFields | Error): void;
  debug(msg: string, fields?: LogFields | Error): void;
  info(msg: string, fields?: LogFields | Error): void;
  warn(msg: string, fields?: LogFields | Error): void;
  error(msg: string, fields?: LogFields | Error): void;
  fatal(msg: string, fields?: LogFields | Error): void;
  /** A logger adding `bindings` to every line (redacted like any field). */
  child(bindings: LogFields): Logger;
  isLevelEnabled(level: LogLevel): boolean;
  readonly redactor: Redactor;
  /** Writes everything buffered so far; file writes are synchronous already, so this is cheap. */
  flush(): void;
  /** Flushes and closes the log file (for the root logger and all its children). */
  close(): void;
}

interface LineSink {
  write(line: string): void;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const redactor = opts.redactor ?? new Redactor();
  const level = opts.level ?? 'info';
  const streams: pino.StreamEntry[] = [];
  let closed = false;
  let fileDest: (pino.DestinationStream & { flushSync?: () => void; end?: () => void }) | undefined;

  if (opts.file !== undefined) {
    mkdirSync(dirname(opts.file), { recursive: true });
    // Synchronous appends: the lines just before a crash are the ones worth having.
    const dest = pino.destination({ dest: opts.file, sync: true, append: true, mkdir: true });
    fileDest = dest;
    // Lines logged after close() are dropped rather than thrown on.
    streams.push({ level, stream: { write: (line: string) => void (closed || dest.write(redactor.scrubSecrets(line))) } });
  }
  const consoleStream = opts.console === undefined ? process.stderr : opts.console;
  if (consoleStream !== false) {
    const colour = opts.colour ?? (Boolean((consoleStream as { isTTY?: boolean }).isTTY) && !process.env.NO_COLOR);
    const format = opts.consoleFormat ?? 'pretty';
    const sink: LineSink = {
      write(line) {
        const safe = redactor.scrubSecrets(line);
        consoleStream.write(format === 'pretty' ? formatPrettyLine(safe, { colour }) + '\n' : safe);
      },
    };
    streams.push({ level: opts.consoleLevel ?? level, stream: sink as pino.DestinationStream });
  }

  const root = pino(
    {
      level: lowest(level, opts.consoleLevel ?? level),
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      // "level":"warn" rather than 40: the file is read by people with grep as often as by tools.
      formatters: { level: (label: string) => ({ level: label }) },
      // Errors arrive already serialised and redacted; pino must not re-serialise the originals.
      serializers: { err: (e: unknown) => e },
    },
    pino.multistream(streams),
  );
  const start = opts.base ? root.child(redactor.redact(opts.base) as LogFields) : root;
  const flush = () => {
    if (!closed) fileDest?.flushSync?.();
  };
  const close = () => {
    if (closed) return;
    flush();
    closed = true;
    fileDest?.end?.();
  };
  return wrap(start, redactor, flush, close);
}

function lowest(a: LogLevel, b: LogLevel): LogLevel {
  return LOG_LEVELS.indexOf(a) <= LOG_LEVELS.indexOf(b) ? a : b;
}

function wrap(p: pino.Logger, redactor: Redactor, flush: () => void, close: () => void): Logger {
  const emit = (level: LogLevel) => (msg: string, fields?: LogFields | Error) => {
    if (!p.isLevelEnabled(level)) return;
    const obj = fields instanceof Error ? { err: redactor.redact(fields) } : fields ? (redactor.redact(fields) as LogFields) : {};
    p[level](obj, redactor.redactString(String(msg)));
  };
  return {
    trace: emit('trace'),
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    fatal: emit('fatal'),
    child: (bindings) => wrap(p.child(redactor.redact(bindings) as LogFields), redactor, flush, close),
    isLevelEnabled: (level) => p.isLevelEnabled(level),
    redactor,
    flush,
    close,
  };
}

/** A logger that writes nothing: for tests and library callers that did not ask for logs. */
export function silentLogger(redactor: Redactor = new Redactor()): Logger {
  return createLogger({ console: false, level: 'fatal', redactor });
}

export { createLogger, silentLogger, LOG_LEVELS } from './logger.ts';
export type { Logger, LoggerOptions, LogLevel, LogFields } from './logger.ts';
export { Redactor, REDACTED, isSecretFieldName } from './redact.ts';
export type { RedactorOptions } from './redact.ts';
export { formatPrettyLine } from './pretty.ts';
export { bybitApiLogger } from './adapters.ts';
export type { BybitApiLogger } from './adapters.ts';

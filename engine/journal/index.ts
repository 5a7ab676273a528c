export { Journal, RunJournal } from './journal.ts';
export type { OpenJournalOptions } from './journal.ts';
export { JournalView, scopeOf } from './view.ts';
export type { ViewSelector } from './view.ts';
export { buildTrades, utcDayStart } from './trades.ts';
export type { TradeFill, TradeLedger, RealisedPnl } from './trades.ts';
export { MIGRATIONS, SCHEMA_VERSION, migrate, checkJournalFile } from './schema.ts';
export * from './types.ts';

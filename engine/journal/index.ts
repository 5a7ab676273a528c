export { Journal, RunJournal } from './journal.ts';
export type { OpenJournalOptions } from './journal.ts';
export { JournalView, scopeOf } from './view.ts';
export type { ViewSelector } from './view.ts';
export { buildTrades, summariseTrades, utcDayStart } from './trades.ts';
export type { TradeFill, TradeLedger, TradeSummary, RealisedPnl } from './trades.ts';
export { MIGRATIONS, SCHEMA_VERSION, migrate, checkJournalFile } from './schema.ts';
export * from './types.ts';

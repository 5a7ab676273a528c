export { createNotifier } from './notifier.ts';
export type { Notifier, NotifierOptions, NotifyStats } from './notifier.ts';
export { parseNotifyConfig, notifyConfigFromEnv, NOTIFY_ENV } from './config.ts';
export type { NotifyConfig, NotifyFormat } from './config.ts';
export { formatText, formatTelegramHtml, telegramBody, jsonBody } from './format.ts';
export type * from './events.ts';

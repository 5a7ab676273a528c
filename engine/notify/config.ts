// Webhook settings: `{ url, format, chatId? }`, from the environment today (the URL usually embeds
// a token, so it belongs with the other secrets) and from the spec later.
import { UserError } from '../cli/exit.ts';

export type NotifyFormat = 'json' | 'telegram';

export interface NotifyConfig {
  url: string;
  format: NotifyFormat;
  /** Telegram chat to post to; required for the telegram format. */
  chatId?: string;
}

export const NOTIFY_ENV = {
  url: 'BOTCTL_NOTIFY_URL',
  format: 'BOTCTL_NOTIFY_FORMAT',
  chatId: 'BOTCTL_NOTIFY_CHAT_ID',
} as const;

/**
 * Checks a config and fills in the format: telegram when the URL is a Bot API `sendMessage` URL,
 * json otherwise. `where` names the source in errors (e.g. "BOTCTL_NOTIFY_URL"). Errors never
 * repeat the URL: it carries the bot token.
 */
export function parseNotifyConfig(input: { url: string; format?: string; chatId?: string }, where = 'notify'): NotifyConfig {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw new UserError(`${where}: the webhook URL is not a valid URL; expected e.g. https://api.telegram.org/bot<token>/sendMessage`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UserError(`${where}: the webhook URL must start with https:// (or http://), not ${url.protocol}//`);
  }
  const looksTelegram = url.hostname === 'api.telegram.org' || url.pathname.endsWith('/sendMessage');
  const format = input.format === undefined || input.format === '' ? (looksTelegram ? 'telegram' : 'json') : input.format;
  if (format !== 'json' && format !== 'telegram') {
    throw new UserError(`${where}: format must be "json" or "telegram", got "${format}"`);
  }
  const chatId = input.chatId?.trim() || undefined;
  if (format === 'telegram' && chatId === undefined) {
    throw new UserError(`${where}: the telegram format needs a chat id (set ${NOTIFY_ENV.chatId}, e.g. 123456789 or @mychannel)`);
  }
  return chatId === undefined ? { url: url.href, format } : { url: url.href, format, chatId };
}

/** The webhook from BOTCTL_NOTIFY_URL / _FORMAT / _CHAT_ID, or undefined when no URL is set. */
export function notifyConfigFromEnv(env: NodeJS.ProcessEnv = process.env): NotifyConfig | undefined {
  const url = env[NOTIFY_ENV.url]?.trim();
  if (!url) return undefined;
  const input: { url: string; format?: string; chatId?: string } = { url };
  const format = env[NOTIFY_ENV.format];
  const chatId = env[NOTIFY_ENV.chatId];
  if (format !== undefined) input.format = format.trim();
  if (chatId !== undefined) input.chatId = chatId;
  return parseNotifyConfig(input, NOTIFY_ENV.url);
}

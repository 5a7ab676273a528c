// Message bodies. Telegram gets a few short HTML lines that read well on a phone lock screen;
// plain JSON webhooks get the fields (decimals as exact strings) plus the same text without markup.
import type { NotificationEvent, NotifyDecimal } from './events.ts';

const TELEGRAM_MAX = 4096;

interface Line {
  /** Bold title line. */
  title: string;
  body: string[];
}

function num(d: NotifyDecimal): string {
  return typeof d === 'string' ? d : d.toFixed();
}

function signed(d: NotifyDecimal): string {
  const s = num(d);
  return s.startsWith('-') ? s : `+${s}`;
}

function utc(time: number): string {
  const d = new Date(time);
  return Number.isNaN(d.getTime()) ? String(time) : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function header(e: NotificationEvent, icon: string, what: string): string {
  const mode = e.mode === 'live' ? 'LIVE' : e.mode;
  return `${icon} ${what} · ${e.bot} (${mode})`;
}

function lines(e: NotificationEvent): Line {
  switch (e.kind) {
    case 'entry': {
      const stops = [e.stopLoss !== undefined ? `Stop ${num(e.stopLoss)}` : '', e.takeProfit !== undefined ? `Target ${num(e.takeProfit)}` : '']
        .filter(Boolean)
        .join(' · ');
      return {
        title: header(e, e.side === 'long' ? '🟢' : '🔻', `${e.side.toUpperCase()} entry`),
        body: [`${e.symbol} ${num(e.qty)} @ ${num(e.price)}`, stops, e.reason].filter(Boolean),
      };
    }
    case 'exit': {
      const win = e.pnl === undefined ? undefined : !num(e.pnl).startsWith('-');
      return {
        title: header(e, win === undefined ? '⏹' : win ? '✅' : '❌', `${e.side.toUpperCase()} exit`),
        body: [`${e.symbol} ${num(e.qty)} @ ${num(e.price)}`, e.pnl !== undefined ? `P&L ${signed(e.pnl)}` : '', `Reason: ${e.reason}`].filter(Boolean),
      };
    }
    case 'stop_changed': {
      const sl = e.stopLoss !== undefined ? `Stop ${e.previousStopLoss !== undefined ? `${num(e.previousStopLoss)} → ` : ''}${num(e.stopLoss)}` : '';
      const tp = e.takeProfit !== undefined ? `Target ${num(e.takeProfit)}` : '';
      return {
        title: header(e, '🛡', 'Stop moved'),
        body: [`${e.symbol} ${e.side}`, [sl, tp].filter(Boolean).join(' · '), e.reason ?? ''].filter(Boolean),
      };
    }
    case 'protection':
      return {
        title: header(e, '⏸', 'Entries paused'),
        body: [`${e.protection}: ${e.message}`, e.until !== undefined ? `Until ${utc(e.until)}` : ''].filter(Boolean),
      };
    case 'error':
      return {
        title: header(e, '⚠️', 'Error'),
        body: [e.source ? `${e.source}: ${e.message}` : e.message],
      };
  }
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Plain text, one fact per line. */
export function formatText(e: NotificationEvent): string {
  const { title, body } = lines(e);
  return [title, ...body, utc(e.time)].join('\n');
}

/** Telegram `sendMessage` body text with parse_mode HTML. */
export function formatTelegramHtml(e: NotificationEvent): string {
  const { title, body } = lines(e);
  const text = [`<b>${escapeHtml(title)}</b>`, ...body.map(escapeHtml), `<i>${utc(e.time)}</i>`].join('\n');
  // Cut long error messages without breaking the markup of the title line.
  return text.length <= TELEGRAM_MAX ? text : escapeHtml(formatText(e)).slice(0, TELEGRAM_MAX - 1) + '…';
}

export function telegramBody(e: NotificationEvent, chatId: string): Record<string, unknown> {
  return { chat_id: chatId, text: formatTelegramHtml(e), parse_mode: 'HTML', disable_web_page_preview: true };
}

/** The JSON webhook body: every field, decimals as strings, ISO time, and a readable `text`. */
export function jsonBody(e: NotificationEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { event: e.kind };
  for (const [k, v] of Object.entries(e)) {
    if (k === 'kind' || v === undefined) continue;
    out[k] = typeof v === 'object' && v !== null ? num(v as NotifyDecimal) : v;
  }
  out.timeIso = new Date(e.time).toISOString();
  out.text = formatText(e);
  return out;
}

// The answers `botctl init` needs, from flags or from questions, each checked the way the schema
// checks it so the spec is valid as written.
import { createInterface } from 'node:readline/promises';
import { UsageError } from '../cli/exit.ts';
import { INTERVALS } from '../market/candle.ts';
import type { Category } from '../plan/plan.ts';
import { TEMPLATE_HELP, TEMPLATES, type InitAnswers, type StopStyle, type TemplateName } from './templates.ts';

export interface InitFlags {
  name?: string;
  template?: string;
  symbol?: string;
  category?: string;
  interval?: string;
  risk?: string;
  stop?: string;
}

type Check<T> = (raw: string) => { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T) => ({ ok: true as const, value });
const bad = (message: string) => ({ ok: false as const, message });

export const checkName: Check<string> = (raw) => {
  const v = raw.trim();
  return /^[a-z0-9][a-z0-9_-]{0,63}$/.test(v) ? ok(v) : bad(`name "${raw}" must be lower-case letters, digits, - or _ (at most 64 characters), like btc-ema`);
};
export const checkSymbol: Check<string> = (raw) => {
  const v = raw.trim().toUpperCase();
  return /^[A-Z0-9]{2,30}$/.test(v) ? ok(v) : bad(`symbol "${raw}" must be a Bybit symbol like BTCUSDT`);
};
export const checkCategory: Check<Category> = (raw) => {
  const v = raw.trim().toLowerCase();
  return v === 'linear' || v === 'spot' ? ok(v) : bad(`category "${raw}" must be linear (USDT perpetual) or spot`);
};
export const checkInterval: Check<string> = (raw) => {
  let v = raw.trim();
  const hours = /^(\d+)h$/i.exec(v);
  if (hours) v = String(Number(hours[1]) * 60);
  else if (/^\d+m$/i.test(v)) v = v.slice(0, -1);
  else if (/^[dwm]$/.test(v) || /^1[dwM]$/.test(v)) v = v.slice(-1).toUpperCase();
  return (INTERVALS as readonly string[]).includes(v) ? ok(v) : bad(`interval "${raw}" must be one of ${INTERVALS.join(' ')} (minutes, or D/W/M); 1h and 15m work too`);
};
export const checkTemplate: Check<TemplateName> = (raw) => {
  const v = raw.trim();
  return (TEMPLATES as readonly string[]).includes(v) ? ok(v as TemplateName) : bad(`template "${raw}" must be one of ${TEMPLATES.join(', ')}`);
};
export const checkRisk: Check<string> = (raw) => {
  const v = raw.trim().replace(/%$/, '');
  const n = Number(v);
  return /^\d+(\.\d+)?$/.test(v) && n > 0 && n <= 10 ? ok(v) : bad(`risk percent "${raw}" must be a number above 0 and at most 10 (1 means lose at most 1% of equity per stopped-out trade)`);
};
export const checkStop: Check<StopStyle> = (raw) => {
  const v = raw.trim().toLowerCase();
  return v === 'atr' || v === 'percent' ? ok(v) : bad(`stop style "${raw}" must be atr (2 × ATR(14) from the entry) or percent (2% from the entry)`);
};

/** The default bot name: `btc-ema` for BTCUSDT with the EMA template. */
export function defaultName(symbol: string, template: TemplateName): string {
  const base = symbol.toLowerCase().replace(/(usdt|usdc|usd)$/, '') || symbol.toLowerCase();
  const kind = template === 'ema-crossover' ? 'ema' : template === 'rsi-mean-reversion' ? 'rsi' : 'breakout';
  return `${base}-${kind}`.slice(0, 64);
}

function fromFlag<T>(raw: string | undefined, check: Check<T>, fallback: T): T {
  if (raw === undefined) return fallback;
  const r = check(raw);
  if (!r.ok) throw new UsageError(r.message);
  return r.value;
}

/** Flags plus defaults, without asking. Bad flag values are usage errors. */
export function answersFromFlags(f: InitFlags): InitAnswers {
  const template = fromFlag(f.template, checkTemplate, 'ema-crossover');
  const symbol = fromFlag(f.symbol, checkSymbol, 'BTCUSDT');
  return {
    template,
    symbol,
    category: fromFlag(f.category, checkCategory, 'linear'),
    interval: fromFlag(f.interval, checkInterval, '60'),
    riskPercent: fromFlag(f.risk, checkRisk, '1'),
    stopStyle: fromFlag(f.stop, checkStop, 'atr'),
    name: fromFlag(f.name, checkName, defaultName(symbol, template)),
  };
}

/**
 * Asks each question with the flag (or default) as the answer offered; Enter keeps it, a bad
 * answer is explained and asked again. Reads lines through the async iterator so answers piped
 * in ahead of the questions are not lost; at end of input the offered answers stand.
 */
export async function askAnswers(f: InitFlags, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<InitAnswers> {
  const start = answersFromFlags(f);
  const tty = (input as { isTTY?: boolean }).isTTY === true;
  const rl = createInterface({ input, output, terminal: tty });
  const lines = rl[Symbol.asyncIterator]();
  let ended = false;
  async function ask<T>(question: string, offered: string, check: Check<T>): Promise<T> {
    for (;;) {
      output.write(`${question} [${offered}]: `);
      let answer = '';
      if (!ended) {
        const next = await lines.next();
        if (next.done) ended = true;
        else answer = String(next.value).trim();
      }
      // A terminal echoes what was typed; piped answers are shown so the transcript reads right.
      if (!tty || ended) output.write(`${ended ? '' : answer}\n`);
      const r = check(answer === '' ? offered : answer);
      if (r.ok) return r.value;
      output.write(`  ${r.message}\n`);
      if (ended) throw new UsageError(r.message);
    }
  }
  try {
    output.write('Answer each question, or press Enter to keep the suggestion in brackets.\nTemplates:\n');
    for (const t of TEMPLATES) output.write(`  ${t.padEnd(20)}${TEMPLATE_HELP[t]}\n`);
    const template = await ask('Template', f.template ?? start.template, checkTemplate);
    const symbol = await ask('Symbol', start.symbol, checkSymbol);
    const category = await ask('Category (linear: USDT perpetual, long and short; spot: long only)', start.category, checkCategory);
    const interval = await ask('Candle interval (minutes, 1h, D)', start.interval, checkInterval);
    const riskPercent = await ask('Risk per trade, percent of equity lost at the stop-loss', start.riskPercent, checkRisk);
    const stopStyle = await ask('Stop-loss style (atr or percent)', start.stopStyle, checkStop);
    const name = await ask('Bot name', f.name ?? defaultName(symbol, template), checkName);
    return { name, symbol, category, interval, template, riskPercent, stopStyle };
  } finally {
    rl.close();
  }
}

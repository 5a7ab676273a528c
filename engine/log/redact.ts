// Redaction of API keys, secrets and signatures. Everything that leaves the process as text (log
// lines, journal error records, notification failures) goes through a Redactor first, so a key can
// leak neither through a field name we know (`apiKey`, `X-BAPI-SIGN`) nor through a value that
// merely contains it (an error message quoting Bybit's `origin_string[...]`, a signed URL).

export const REDACTED = '[REDACTED]';

/** Field names compared after lower-casing and dropping `-`, `_` and spaces. */
const SECRET_FIELD_NAMES = new Set([
  'key',
  'secret',
  'apikey',
  'apisecret',
  'sign',
  'signature',
  'xbapisign',
  'xbapiapikey',
  'authorization',
  'proxyauthorization',
  'password',
  'passphrase',
  'token',
  'accesstoken',
  'refreshtoken',
  'bottoken',
  'cookie',
  'setcookie',
  'privatekey',
  'credentials',
]);
/** Any field whose normalised name contains one of these is secret too (clientSecret, bybitApiKey...). */
const SECRET_FIELD_PARTS = ['secret', 'apikey', 'signature', 'password', 'privatekey', 'passphrase'];

export function isSecretFieldName(name: string): boolean {
  const n = name.toLowerCase().replace(/[-_\s]/g, '');
  if (SECRET_FIELD_NAMES.has(n)) return true;
  return SECRET_FIELD_PARTS.some((part) => n.includes(part));
}

// `name=value`, `name: value`, `"name":"value"` inside free text: query strings of signed URLs,
// header dumps, JSON quoted in error messages. The name stays so the line is still readable.
const INLINE_SECRET =
  /(["']?)\b(x-bapi-sign|x-bapi-api-key|api[_-]?key|api[_-]?secret|secret|signature|sign|authorization|password|token|access[_-]?token)\1(\s*[=:]\s*)(["']?)(?!\[REDACTED\])(?:(?:Bearer|Basic)\s+)?[^&\s"',;}\])]+/gi;
// Bybit's websocket login `{"op":"auth","args":["<key>",<expires>,"<signature>"]}`, quoted in text.
const WS_AUTH_ARGS = /("op"\s*:\s*"auth"\s*,\s*"args"\s*:\s*)\[[^\]]*\]/g;
// Telegram bot tokens sit in the webhook URL path: https://api.telegram.org/bot123456:AAE.../sendMessage
const TELEGRAM_TOKEN = /\bbot\d{3,}:[A-Za-z0-9_-]{20,}/g;
// Every match of the three patterns above contains one of these words, so most log text (order ids,
// prices, decision lines) is checked with one scan instead of three.
const MAY_HOLD_SECRET = /key|secret|sign|auth|password|token|bot\d/i;

/** Values shorter than this are not treated as secrets: they would redact ordinary words. */
const MIN_SECRET_LENGTH = 6;

export interface RedactorOptions {
  /** Literal secret values to scrub wherever they appear (defaults: BYBIT_API_KEY, BYBIT_API_SECRET, BOTCTL_NOTIFY_URL from `env`). */
  secrets?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

export class Redactor {
  private readonly secrets: string[];

  constructor(opts: RedactorOptions = {}) {
    const env = opts.env ?? process.env;
    // The notification URL as a whole: a bot token or webhook key lives somewhere inside it.
    const raw = [...(opts.secrets ?? []), env.BYBIT_API_KEY, env.BYBIT_API_SECRET, env.BOTCTL_NOTIFY_URL];
    const all = new Set<string>();
    for (const s of raw) {
      if (typeof s !== 'string') continue;
      const v = s.trim();
      if (v.length < MIN_SECRET_LENGTH) continue;
      all.add(v);
      // The same secret as it appears inside an encoded URL or a JSON string.
      all.add(encodeURIComponent(v));
      all.add(JSON.stringify(v).slice(1, -1));
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...all].sort((a, b) => b.length - a.length);
  }

  /** Adds a secret learned after construction (e.g. a key read from a file the user pointed at). */
  addSecret(value: string): void {
    const v = value.trim();
    if (v.length < MIN_SECRET_LENGTH || this.secrets.includes(v)) return;
    this.secrets.push(v);
    this.secrets.sort((a, b) => b.length - a.length);
  }

  /** True when there are secret values to scrub. */
  hasSecrets(): boolean {
    return this.secrets.length > 0;
  }

  /** Redacts known secret values and `name=value` / `"name":"value"` secrets inside free text. */
  redactString(text: string): string {
    let out = this.scrubSecrets(text);
    if (!MAY_HOLD_SECRET.test(out)) return out;
    out = out.replace(INLINE_SECRET, (_m, q1: string, name: string, sep: string, q2: string) => `${q1}${name}${q1}${sep}${q2}${REDACTED}`);
    out = out.replace(WS_AUTH_ARGS, `$1"${REDACTED}"`);
    out = out.replace(TELEGRAM_TOKEN, `bot${REDACTED}`);
    return out;
  }

  /**
   * Replaces only the literal secret values. Safe on serialised JSON (the pattern rules are not:
   * they could eat an escaped quote), so it is the last pass over every finished log line.
   */
  scrubSecrets(text: string): string {
    let out = text;
    for (const s of this.secrets) {
      if (out.includes(s)) out = out.split(s).join(REDACTED);
    }
    return out;
  }

  /**
   * A redacted, JSON-safe deep copy of `value`. Errors become `{type, message, stack, ...}`;
   * circular references and very deep nesting are cut rather than thrown on.
   */
  redact(value: unknown): unknown {
    return this.walk(value, [], 0);
  }

  // `seen` holds the objects on the path from the root (at most 11 deep): enough to cut a cycle,
  // and a plain array costs the collector less than a WeakSet per log line.
  private walk(value: unknown, seen: object[], depth: number): unknown {
    if (typeof value === 'string') return this.redactString(value);
    if (value === null || typeof value !== 'object') {
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'function') return `[Function ${value.name || 'anonymous'}]`;
      if (typeof value === 'symbol') return value.toString();
      return value;
    }
    if (seen.includes(value)) return '[Circular]';
    if (depth > 10) return '[Too deep]';
    seen.push(value);
    try {
      if (value instanceof Error) return this.walkError(value, seen, depth);
      if (Buffer.isBuffer(value)) return `[Buffer ${value.length} bytes]`;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
      if (value instanceof URL) return this.redactString(value.href);
      if (Array.isArray(value)) return value.map((v) => this.walk(v, seen, depth + 1));
      if (value instanceof Map) {
        return this.walkEntries([...value.entries()].map(([k, v]) => [String(k), v]), seen, depth);
      }
      if (value instanceof Set) return [...value].map((v) => this.walk(v, seen, depth + 1));
      // Decimal and similar value types know how to print themselves.
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return this.walk(toJSON.call(value), seen, depth + 1);
      return this.walkEntries(Object.entries(value), seen, depth);
    } finally {
      seen.pop();
    }
  }

  private walkEntries(entries: [string, unknown][], seen: object[], depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    // A websocket login frame: its args are [key, expires, signature].
    const isAuthFrame = entries.some(([k, v]) => k === 'op' && v === 'auth');
    for (const [k, v] of entries) {
      if (isAuthFrame && k === 'args') {
        out[k] = REDACTED;
        continue;
      }
      out[k] = isSecretFieldName(k) && v !== undefined && v !== null && v !== '' ? REDACTED : this.walk(v, seen, depth + 1);
    }
    return out;
  }

  private walkError(err: Error, seen: object[], depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {
      type: err.name || err.constructor?.name || 'Error',
      message: this.redactString(String(err.message)),
    };
    if (typeof err.stack === 'string') out.stack = this.redactString(err.stack);
    // Library errors carry request/response details (headers, bodies) as own properties.
    for (const [k, v] of Object.entries(err)) {
      if (k === 'message' || k === 'stack') continue;
      out[k] = isSecretFieldName(k) && v !== undefined && v !== null && v !== '' ? REDACTED : this.walk(v, seen, depth + 1);
    }
    if (err.cause !== undefined) out.cause = this.walk(err.cause, seen, depth + 1);
    if (err instanceof AggregateError) out.errors = this.walk(err.errors, seen, depth + 1);
    return out;
  }
}

const GUARDED = Symbol.for('botctl.redactedOutput');

/**
 * Puts the redactor on the process's own standard output and error, for what bypasses botctl's
 * printing: a strategy module's console.log or process.stdout.write, a library's warning. The bin
 * calls it once at start; without secrets in the environment there is nothing to scrub and the
 * streams are left alone.
 */
export function redactProcessOutput(redactor = new Redactor()): void {
  if (!redactor.hasSecrets()) return;
  for (const stream of [process.stdout, process.stderr] as Array<NodeJS.WriteStream & { [GUARDED]?: true }>) {
    if (stream[GUARDED]) continue;
    stream[GUARDED] = true;
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
      // A secret split across two writes escapes: botctl and console write whole lines.
      if (typeof chunk === 'string') return write(redactor.scrubSecrets(chunk), ...rest);
      if (chunk instanceof Uint8Array) {
        const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
        const clean = redactor.scrubSecrets(text);
        return write(clean === text ? chunk : clean, ...(clean === text ? rest : rest.filter((r) => typeof r === 'function')));
      }
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
}

// Every REST call goes through here: bounded retries for what retrying can fix (timeouts,
// 5xx, 10016, rate limits, one clock resync on 10002), typed errors for what it can't.
// Error messages are built from status codes and Bybit's retMsg only, then redacted: raw
// library errors carry the request options (key and secret) and never leave this module.
import type { Redactor } from '../../log/index.ts';
import type { Logger } from '../../log/index.ts';
import { VenueAuthError, VenueError, VenueUnavailableError } from '../errors.ts';
import { AUTH_FAILED, OK, RATE_LIMITED, SERVER_BUSY, TIMESTAMP_OUT_OF_WINDOW } from './codes.ts';

export interface RetryOptions {
  /** Tries per call, first one included (default 5). */
  attempts?: number;
  /** First retry delay for errors and timeouts; doubles per retry (default 300 ms). */
  baseDelayMs?: number;
  /** First retry delay after a rate limit; doubles per retry (default 1000 ms). */
  rateLimitDelayMs?: number;
  /** Ceiling for any one delay (default 10 s). */
  maxDelayMs?: number;
  /** 0..1; jitter source (injectable for tests). */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface Envelope<T = unknown> {
  retCode: number;
  retMsg: string;
  result: T;
  time?: number;
}

/** Why an attempt failed, in words safe to show. */
type Failure =
  | { kind: 'retry'; reason: string; code?: number }
  | { kind: 'rateLimit'; reason: string; code?: number }
  | { kind: 'fatal'; error: Error };

export class Caller {
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly rateLimitDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    opts: RetryOptions,
    private readonly redactor: Redactor,
    private readonly log: Logger,
    private readonly resyncClock: () => Promise<void>,
  ) {
    this.attempts = Math.max(1, opts.attempts ?? 5);
    this.baseDelayMs = opts.baseDelayMs ?? 300;
    this.rateLimitDelayMs = opts.rateLimitDelayMs ?? 1000;
    this.maxDelayMs = opts.maxDelayMs ?? 10_000;
    this.random = opts.random ?? Math.random;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /**
   * Run `send` until it yields an envelope the caller must judge itself (retCode 0 or a business
   * code), retrying transport failures, 5xx, 10016 and rate limits within bounds. Throws
   * VenueAuthError for rejected keys and VenueUnavailableError when retries run out.
   */
  async call<T>(label: string, send: () => Promise<unknown>): Promise<Envelope<T>> {
    let resynced = false;
    let lastReason = '';
    let lastCode: number | undefined;
    for (let attempt = 1; ; attempt++) {
      let failure: Failure;
      try {
        const env = asEnvelope<T>(await send());
        if (env.retCode === TIMESTAMP_OUT_OF_WINDOW && !resynced) {
          // Our clock drifted from Bybit's: one resync and one retry, outside the attempt budget.
          resynced = true;
          this.log.warn('Bybit rejected the request timestamp; resyncing the clock', { call: label });
          await this.resyncClock();
          attempt--;
          continue;
        }
        const judged = this.judge(label, env);
        if (!judged) return env;
        if (judged.kind === 'fatal') throw judged.error;
        failure = judged;
      } catch (e) {
        if (e instanceof VenueError || e instanceof VenueAuthError) throw e;
        failure = this.transportFailure(label, e);
        if (failure.kind === 'fatal') throw failure.error;
      }
      lastReason = failure.reason;
      lastCode = failure.code;
      if (attempt >= this.attempts) break;
      const delay = this.delay(failure.kind, attempt);
      this.log.warn(`Bybit ${label} failed (${failure.reason}); retrying in ${delay} ms`, { attempt });
      await this.sleep(delay);
    }
    throw new VenueUnavailableError(
      this.redactor.redactString(`Bybit ${label} failed after ${this.attempts} attempts: ${lastReason}`),
      lastCode,
    );
  }

  /** undefined: success or a business code the caller judges itself. */
  private judge(label: string, env: Envelope): Failure | undefined {
    const code = env.retCode;
    const msg = this.redactor.redactString(String(env.retMsg));
    if (code === OK) return undefined;
    if (code === RATE_LIMITED) return { kind: 'rateLimit', reason: `rate limited (${code} ${msg})`, code };
    if (SERVER_BUSY.has(code)) return { kind: 'retry', reason: `server busy (${code} ${msg})`, code };
    if (code === TIMESTAMP_OUT_OF_WINDOW) {
      return {
        kind: 'fatal',
        error: new VenueError(`Bybit ${label}: request timestamp still outside the recv window after a clock resync (${msg}); check the system clock`, code),
      };
    }
    const auth = AUTH_FAILED.get(code);
    if (auth) {
      return {
        kind: 'fatal',
        error: new VenueAuthError(`Bybit refused the API key (retCode ${code}): ${auth}. Check BYBIT_API_KEY and BYBIT_API_SECRET and the key's network (mainnet/testnet/demo).`, code),
      };
    }
    return undefined;
  }

  private transportFailure(label: string, e: unknown): Failure {
    // bybit-api rejects non-200 responses with {code: status, message: statusText, body, ...}.
    if (typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'number') {
      const status = (e as { code: number }).code;
      const text = this.redactor.redactString(String((e as { message?: unknown }).message ?? ''));
      if (status === 403 || status === 429) return { kind: 'rateLimit', reason: `HTTP ${status} ${text}`.trim(), code: status };
      if (status >= 500) return { kind: 'retry', reason: `HTTP ${status} ${text}`.trim(), code: status };
      if (status === 401) {
        return { kind: 'fatal', error: new VenueAuthError(`Bybit refused the request (HTTP 401): check BYBIT_API_KEY and BYBIT_API_SECRET.`, status) };
      }
      return { kind: 'fatal', error: new VenueError(`Bybit ${label} failed: HTTP ${status} ${text}`.trim(), status) };
    }
    // Axios errors (timeouts, refused connections) or plain strings; keep only code and message.
    const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
    const message = typeof e === 'string' ? e : e instanceof Error ? e.message : 'unknown error';
    const reason = this.redactor.redactString([typeof code === 'string' ? code : '', message].filter(Boolean).join(' '));
    return { kind: 'retry', reason: `no response (${reason})` };
  }

  private delay(kind: 'retry' | 'rateLimit', attempt: number): number {
    const base = kind === 'rateLimit' ? this.rateLimitDelayMs : this.baseDelayMs;
    const exp = Math.min(this.maxDelayMs, base * 2 ** (attempt - 1));
    // "Equal jitter": at least half the backoff, so retries never stampede.
    return Math.round(exp / 2 + (exp / 2) * this.random());
  }
}

function asEnvelope<T>(x: unknown): Envelope<T> {
  if (typeof x !== 'object' || x === null || typeof (x as { retCode?: unknown }).retCode !== 'number') {
    throw new Error('response is not a Bybit envelope');
  }
  return x as Envelope<T>;
}

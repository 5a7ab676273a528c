// Every REST call goes through here: bounded retries for what retrying can fix (timeouts,
// 5xx, 10016, rate limits, one clock resync on 10002), typed errors for what it can't.
// Rate limits follow Bybit's headers (bybit-api parses them with parseAPIRateLimits): an endpoint
// whose budget is spent waits until X-Bapi-Limit-Reset-Timestamp before the next call, and a
// 10006 retries at that time rather than on a guess. HTTP 403 is an IP ban (docs: "terminate all
// HTTP sessions and wait for at least 10 minutes"): nothing is sent until it has passed.
// Error messages are built from status codes and Bybit's retMsg only, then redacted: raw
// library errors carry the request options (key and secret) and never leave this module.
import type { Redactor } from '../../log/index.ts';
import type { Logger } from '../../log/index.ts';
import { VenueAuthError, VenueBannedError, VenueError, VenueUnavailableError } from '../errors.ts';
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
  /** After HTTP 403 (IP ban) nothing is sent for this long (default 10 minutes, as Bybit asks). */
  ipBanMs?: number;
  /** 0..1; jitter source (injectable for tests). */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface Envelope<T = unknown> {
  retCode: number;
  retMsg: string;
  result: T;
  time?: number;
  /** bybit-api's reading of the X-Bapi-Limit headers (parseAPIRateLimits). */
  rateLimitApi?: { remainingRequests: number; maxRequests: number; resetAtTimestamp: number };
}

/** What the last answer of an endpoint said about its budget, on the local clock. */
interface Budget {
  remaining: number;
  /** When the endpoint's window frees up (Date.now() scale). */
  freeAt: number;
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
  private readonly ipBanMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly budgets = new Map<string, Budget>();
  /** Until when the IP is banned (0: not banned). */
  bannedUntil = 0;

  constructor(
    opts: RetryOptions,
    private readonly redactor: Redactor,
    private readonly log: Logger,
    private readonly resyncClock: () => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {
    this.attempts = Math.max(1, opts.attempts ?? 5);
    this.baseDelayMs = opts.baseDelayMs ?? 300;
    this.rateLimitDelayMs = opts.rateLimitDelayMs ?? 1000;
    this.maxDelayMs = opts.maxDelayMs ?? 10_000;
    this.ipBanMs = opts.ipBanMs ?? 600_000;
    this.random = opts.random ?? Math.random;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Waits as the `n`th retry would (n ≥ 1): for callers that poll, e.g. looking up an order. */
  wait(n: number): Promise<void> {
    return this.sleep(Math.min(this.baseDelayMs * 2 ** (n - 1), this.maxDelayMs));
  }

  /**
   * Run `send` until it yields an envelope the caller must judge itself (retCode 0 or a business
   * code), retrying transport failures, 5xx, 10016 and rate limits within bounds. Throws
   * VenueAuthError for rejected keys and VenueUnavailableError when retries run out.
   */
  async call<T>(label: string, send: () => Promise<unknown>, opts: { resync?: boolean } = {}): Promise<Envelope<T>> {
    // Server time itself is what a resync asks for: it never resyncs.
    let resynced = opts.resync === false;
    let lastReason = '';
    let lastCode: number | undefined;
    for (let attempt = 1; ; attempt++) {
      this.refuseWhileBanned();
      await this.waitForBudget(label);
      let failure: Failure;
      try {
        const env = asEnvelope<T>(await send());
        this.noteBudget(label, env);
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
      const delay = this.delay(failure.kind, attempt, label);
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
      if (status === 403) return { kind: 'fatal', error: this.banned(label) };
      if (status === 429) return { kind: 'rateLimit', reason: `HTTP ${status} ${text}`.trim(), code: status };
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

  /** HTTP 403: the IP is banned; from now on nothing is sent until the ban has passed. */
  private banned(label: string): VenueBannedError {
    const first = this.bannedUntil <= this.now();
    // A little jitter past Bybit's 10 minutes, so several bots on one machine do not return at once.
    this.bannedUntil = this.now() + this.ipBanMs + Math.round(this.ipBanMs * 0.05 * this.random());
    const until = new Date(this.bannedUntil).toISOString();
    if (first) this.log.error(`Bybit banned this machine's IP address (HTTP 403 on ${label}); botctl sends no request until ${until}`, { until });
    return this.banError();
  }

  private banError(): VenueBannedError {
    const until = new Date(this.bannedUntil).toISOString().replace('T', ' ').slice(0, 19);
    return new VenueBannedError(
      `Bybit has banned this machine's IP address (HTTP 403, too many requests from it); no request is sent until ${until} UTC, when Bybit lifts the ban`,
      this.bannedUntil,
    );
  }

  private refuseWhileBanned(): void {
    if (this.bannedUntil > this.now()) throw this.banError();
  }

  /**
   * Bybit's reset timestamp is on its own clock: measured against the answer's own `time` it says
   * how long from now. Once exceeded it is when the window frees up; otherwise it is "now", and a
   * spent rolling one-second window frees up within a second.
   */
  private noteBudget(label: string, env: Envelope): void {
    const r = env.rateLimitApi;
    if (!r || !Number.isFinite(r.remainingRequests) || !Number.isFinite(r.resetAtTimestamp)) return;
    const serverNow = typeof env.time === 'number' ? env.time : r.resetAtTimestamp;
    const exceeded = env.retCode === RATE_LIMITED;
    const inMs = Math.max(0, r.resetAtTimestamp - serverNow) + (exceeded ? 0 : 1000);
    this.budgets.set(label, { remaining: exceeded ? 0 : r.remainingRequests, freeAt: this.now() + inMs });
  }

  /** An endpoint whose budget Bybit says is spent waits until it frees up (about a second). */
  private async waitForBudget(label: string): Promise<void> {
    const b = this.budgets.get(label);
    if (!b || b.remaining > 0) return;
    this.budgets.delete(label);
    const wait = Math.min(this.maxDelayMs, b.freeAt - this.now());
    if (wait <= 0) return;
    this.log.info(`Bybit ${label}: request budget spent; waiting ${wait} ms for it to reset`);
    await this.sleep(wait);
  }

  private delay(kind: 'retry' | 'rateLimit', attempt: number, label: string): number {
    const freeAt = kind === 'rateLimit' ? this.budgets.get(label)?.freeAt : undefined;
    if (freeAt !== undefined) {
      // Bybit said when the window frees up: go then (a few ms of jitter), not on a guess.
      this.budgets.delete(label);
      return Math.max(0, Math.min(this.maxDelayMs, freeAt - this.now() + Math.round(20 * this.random())));
    }
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

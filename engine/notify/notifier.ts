// Fire-and-forget webhook notifications. Trading never waits on them: notify() only queues (and
// returns before any network I/O starts); one background worker sends in order, each attempt
// bounded by a timeout, a bounded number of retries with backoff, and a redacted warning in the
// log when a message cannot be delivered. The queue is bounded: when full, the oldest waiting
// message is dropped. flush(timeoutMs) lets shutdown give pending messages a last chance.
import { silentLogger, type Logger } from '../log/logger.ts';
import { Redactor } from '../log/redact.ts';
import type { NotifyConfig } from './config.ts';
import type { NotificationEvent } from './events.ts';
import { jsonBody, telegramBody } from './format.ts';

export interface NotifierOptions {
  /** Where delivery failures are reported (as warnings). Default: nowhere. */
  logger?: Logger;
  /** Per attempt (default 5000 ms). */
  timeoutMs?: number;
  /** Messages waiting at most (default 100); beyond it the oldest is dropped. */
  maxQueue?: number;
  /** Extra attempts after a failed one (default 2). 4xx answers other than 429 are not retried. */
  retries?: number;
  /** Wait before the first retry, doubled each time (default 1000 ms). */
  retryDelayMs?: number;
  /** Scrubs event text before it leaves the process (default: the logger's redactor). */
  redactor?: Redactor;
}

export interface NotifyStats {
  sent: number;
  failed: number;
  /** Dropped because the queue was full, or abandoned by a flush that ran out of time. */
  dropped: number;
  /** Queued or in flight. */
  pending: number;
}

export interface Notifier {
  /** False for the no-op notifier (no webhook configured). */
  readonly enabled: boolean;
  /** Queues a message; never throws, never waits. */
  notify(event: NotificationEvent): void;
  /**
   * Waits until everything queued is delivered or has failed, at most `timeoutMs`; whatever is
   * still pending then is abandoned (in-flight request aborted) so the process can exit.
   */
  flush(timeoutMs: number): Promise<NotifyStats>;
  stats(): NotifyStats;
}

/** A notifier for `config`, or one that does nothing when no webhook is configured. */
export function createNotifier(config: NotifyConfig | undefined, opts: NotifierOptions = {}): Notifier {
  return config ? new WebhookNotifier(config, opts) : new NullNotifier();
}

class NullNotifier implements Notifier {
  readonly enabled = false;
  notify(): void {}
  flush(): Promise<NotifyStats> {
    return Promise.resolve(this.stats());
  }
  stats(): NotifyStats {
    return { sent: 0, failed: 0, dropped: 0, pending: 0 };
  }
}

class WebhookNotifier implements Notifier {
  readonly enabled = true;
  private readonly log: Logger;
  private readonly redactor: Redactor;
  private readonly timeoutMs: number;
  private readonly maxQueue: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  /** Only the origin is ever logged: the path of a webhook URL is usually its secret. */
  private readonly target: string;
  private queue: NotificationEvent[] = [];
  private inFlight = 0;
  private running = false;
  /** Bumped when a flush abandons work, so the abandoned worker stops quietly. */
  private generation = 0;
  private controller: AbortController | undefined;
  private wakeSleep: (() => void) | undefined;
  private idle: (() => void)[] = [];
  private counts = { sent: 0, failed: 0, dropped: 0 };

  constructor(private readonly config: NotifyConfig, opts: NotifierOptions) {
    this.log = opts.logger ?? silentLogger();
    this.redactor = opts.redactor ?? this.log.redactor;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.maxQueue = Math.max(1, opts.maxQueue ?? 100);
    this.retries = Math.max(0, opts.retries ?? 2);
    this.retryDelayMs = opts.retryDelayMs ?? 1000;
    const url = new URL(config.url);
    this.target = url.origin;
    // Make sure the URL's secret part can never reach a log line, whatever error text quotes it.
    for (const secret of [url.href, url.pathname + url.search, url.username, url.password]) {
      if (secret.length >= 8) this.log.redactor.addSecret(secret);
    }
  }

  notify(event: NotificationEvent): void {
    try {
      if (this.queue.length >= this.maxQueue) {
        this.queue.shift();
        this.counts.dropped++;
        if (this.counts.dropped === 1 || this.counts.dropped % 100 === 0) {
          this.log.warn('notification queue full; dropping the oldest messages', { webhook: this.target, dropped: this.counts.dropped });
        }
      }
      this.queue.push(event);
      if (!this.running) {
        this.running = true;
        const gen = this.generation;
        // Start on a later turn of the event loop: the caller never pays for formatting or I/O.
        setImmediate(() => void this.pump(gen));
      }
    } catch {
      // Notifications must never disturb trading.
    }
  }

  stats(): NotifyStats {
    return { ...this.counts, pending: this.queue.length + this.inFlight };
  }

  async flush(timeoutMs: number): Promise<NotifyStats> {
    if (!this.running) return this.stats();
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      new Promise<boolean>((resolve) => this.idle.push(() => resolve(true))),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!drained) this.abandon();
    return this.stats();
  }

  private abandon(): void {
    const lost = this.queue.length + this.inFlight;
    this.generation++;
    this.queue = [];
    this.inFlight = 0;
    this.counts.dropped += lost;
    this.running = false;
    this.controller?.abort();
    this.wakeSleep?.();
    if (lost > 0) this.log.warn('notifications not sent before shutdown', { webhook: this.target, count: lost });
    this.resolveIdle();
  }

  private resolveIdle(): void {
    const waiters = this.idle;
    this.idle = [];
    for (const w of waiters) w();
  }

  private async pump(gen: number): Promise<void> {
    while (gen === this.generation) {
      const event = this.queue.shift();
      if (!event) break;
      this.inFlight = 1;
      const ok = await this.deliver(event, gen).catch(() => false);
      if (gen !== this.generation) return;
      this.inFlight = 0;
      if (ok) this.counts.sent++;
      else this.counts.failed++;
    }
    if (gen !== this.generation) return;
    this.running = false;
    this.resolveIdle();
  }

  private async deliver(event: NotificationEvent, gen: number): Promise<boolean> {
    const body = JSON.stringify(this.body(event));
    let lastError = '';
    let attempts = 0;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) {
        await this.sleep(this.retryDelayMs * 2 ** (attempt - 1));
        if (gen !== this.generation) return false;
      }
      attempts++;
      const result = await this.post(body);
      if (gen !== this.generation) return false;
      if (result.ok) return true;
      lastError = result.error;
      if (!result.retryable) break;
    }
    this.log.warn('notification not delivered', { webhook: this.target, event: event.kind, attempts, error: lastError });
    return false;
  }

  private body(event: NotificationEvent): Record<string, unknown> {
    // Event text (reasons, error messages) is scrubbed: a venue error can quote the API key.
    const clean = { ...event } as Record<string, unknown>;
    for (const [k, v] of Object.entries(clean)) if (typeof v === 'string') clean[k] = this.redactor.redactString(v);
    const safe = clean as unknown as NotificationEvent;
    return this.config.format === 'telegram' ? telegramBody(safe, this.config.chatId ?? '') : jsonBody(safe);
  }

  private async post(body: string): Promise<{ ok: true } | { ok: false; retryable: boolean; error: string }> {
    const controller = new AbortController();
    this.controller = controller;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    try {
      const res = await fetch(this.config.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: controller.signal,
      });
      const text = await res.text().catch(() => '');
      if (res.ok) return { ok: true };
      const retryable = res.status === 429 || res.status >= 500;
      return { ok: false, retryable, error: `HTTP ${res.status}${text ? ': ' + text.slice(0, 200) : ''}` };
    } catch (err) {
      if (timedOut) return { ok: false, retryable: true, error: `no answer within ${this.timeoutMs} ms` };
      return { ok: false, retryable: true, error: describe(err) };
    } finally {
      clearTimeout(timer);
      if (this.controller === controller) this.controller = undefined;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleep = done;
    });
  }
}

/** fetch's "fetch failed" hides the reason in `cause` (ECONNREFUSED, ENOTFOUND...). */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause : undefined;
  const code = (cause as { code?: unknown } | undefined)?.code;
  return cause ? `${err.message}: ${typeof code === 'string' ? code + ' ' : ''}${cause.message}`.trim() : err.message;
}

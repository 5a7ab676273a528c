// One lane for everything that touches a bot's decision core: closed candles, fills and
// protection checks run one after another, never interleaved, so order placement for candle N
// has finished (or failed, recorded) before candle N+1 is decided.

type Job = () => Promise<void> | void;

export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  /**
   * Jobs queued while a job runs in its caller's turn (runNow): they wait for it, and are chained once
   * it is known whether it finished there and then or goes on asynchronously.
   */
  private held: { job: Job; resolve: () => void }[] | null = null;
  /** A job is running in its caller's turn (runNow): jobs queued now are held. */
  private inline = false;

  private readonly done = (): void => {
    this.pending--;
  };

  private readonly failed = (e: unknown): void => {
    try {
      this.onError(e);
    } finally {
      this.pending--;
    }
  };

  constructor(private readonly onError: (e: unknown) => void) {}

  /** Runs `job` after everything queued before it; resolves when it is done (never rejects). */
  run(job: Job): Promise<void> {
    if (this.inline) {
      this.pending++;
      return new Promise<void>((resolve) => (this.held ??= []).push({ job, resolve }));
    }
    return this.chain(job);
  }

  /**
   * `run`, except that with nothing queued the job starts at once, in the caller's turn: for a
   * closed candle, which arrives on its own stack. One that finishes without awaiting (a replay's
   * quiet candle, most of them) returns nothing: no promise, no microtask turn. Jobs it queues
   * meanwhile still run after it. Not for jobs queued from inside other work (an event handler
   * half-way through updating state): those must start after their caller has finished.
   */
  runNow<A>(job: (arg: A) => Promise<void> | void, arg: A): Promise<void> | void {
    if (this.inline || this.pending > 0) return this.run(() => job(arg));
    this.pending++;
    this.inline = true;
    let result: Promise<void> | void;
    try {
      result = job(arg);
    } catch (e) {
      result = Promise.reject(e);
    } finally {
      this.inline = false;
    }
    if (result === undefined) this.pending--;
    else this.tail = result.then(this.done, this.failed);
    const held = this.held;
    if (held === null) return result === undefined ? undefined : this.tail;
    this.held = null;
    for (const h of held) {
      this.pending--; // chain() counts it again
      void this.chain(h.job).then(h.resolve);
    }
    return this.tail;
  }

  /** Resolves when everything queued so far has run (asked from inside a job: that job included). */
  idle(): Promise<void> {
    if (this.inline) return this.run(() => {});
    return this.tail;
  }

  get size(): number {
    return this.pending;
  }

  private chain(job: Job): Promise<void> {
    this.pending++;
    // Two promises per job: `finally` and a separate `catch` cost three more.
    const next = this.tail.then(job).then(this.done, this.failed);
    this.tail = next;
    return next;
  }
}

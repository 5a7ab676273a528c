// One lane for everything that touches a bot's decision core: closed candles, fills and
// protection checks run one after another, never interleaved, so order placement for candle N
// has finished (or failed, recorded) before candle N+1 is decided.
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

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
  run(job: () => Promise<void> | void): Promise<void> {
    this.pending++;
    // Two promises per job (a candle is one): `finally` and a separate `catch` cost three more.
    const next = this.tail.then(job).then(this.done, this.failed);
    this.tail = next;
    return next;
  }

  /** Resolves when everything queued so far has run. */
  idle(): Promise<void> {
    return this.tail;
  }

  get size(): number {
    return this.pending;
  }
}

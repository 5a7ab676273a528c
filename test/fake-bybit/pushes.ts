// When the fake's private pushes go out relative to the reply of the request that caused them.
// Bybit gives no ordering between the two channels: an order's `order`/`execution`/`position`
// pushes may reach the client before or after the REST (or WS trade) acknowledgement. The gate
// decides per write request, from a seeded generator so a failing order can be replayed by seed.
// The account stream itself stays first-in first-out, as one socket is: a push made while earlier
// ones are held waits behind them.
import { mulberry32 } from '../helpers/random.ts';

export type PushTiming =
  /** Every push before the reply (what a loopback socket naturally does). */
  | 'before'
  /** Every push held until `lagMs` after the reply went out. */
  | 'after'
  /** Per write request, before or after at random from `seed`. */
  | { seed: number; lagMs?: number };

type Deliver = () => void;
type Item = { deliver: Deliver } | { gate: { open: boolean } };

/** Default lag of held pushes: long enough to land after the reply on a loopback socket. */
const LAG_MS = 15;

export class PushGate {
  private collecting: Deliver[] | null = null;
  /** Pushes waiting behind a closed gate, in the order they were made. */
  private readonly queue: Item[] = [];
  private rng: () => number = mulberry32(1);
  private mode: PushTiming = 'before';
  /** How each write request went, in order ('before' | 'after'), for a test's failure message. */
  readonly decisions: Array<'before' | 'after'> = [];

  get timing(): PushTiming {
    return this.mode;
  }

  set timing(t: PushTiming) {
    this.mode = t;
    if (typeof t === 'object') this.rng = mulberry32(t.seed);
  }

  /** A push: sent now, or queued behind pushes still held. */
  send(deliver: Deliver): void {
    if (this.collecting) this.collecting.push(deliver);
    else if (this.queue.length) this.queue.push({ deliver });
    else deliver();
  }

  /**
   * Runs one write request (synchronous: the matching engine is). Returns the request's result and
   * `replied`, to call once the reply has been written: held pushes go out `lagMs` after it.
   */
  around<T>(run: () => T): { value: T; replied: () => void } {
    const after = this.mode === 'after' || (typeof this.mode === 'object' && this.rng() < 0.5);
    this.decisions.push(after ? 'after' : 'before');
    if (!after) return { value: run(), replied: () => {} };
    const lag = typeof this.mode === 'object' ? this.mode.lagMs ?? LAG_MS : LAG_MS;
    const held = this.hold(run);
    return { value: held.value, replied: () => setTimeout(held.release, lag) };
  }

  /** Runs `run`, holding the pushes it makes until `release` (later pushes queue behind them). */
  hold<T>(run: () => T): { value: T; release: () => void } {
    const outer = this.collecting;
    const mine: Deliver[] = [];
    this.collecting = mine;
    let value: T;
    try {
      value = run();
    } catch (e) {
      this.collecting = outer;
      for (const d of mine) this.send(d);
      throw e;
    }
    this.collecting = outer;
    if (!mine.length) return { value, release: () => {} };
    if (outer) {
      // Nested: the inner pushes stay in the outer batch, in order.
      outer.push(...mine);
      return { value, release: () => {} };
    }
    const gate = { open: false };
    this.queue.push({ gate }, ...mine.map((deliver) => ({ deliver })));
    return {
      value,
      release: () => {
        gate.open = true;
        this.drain();
      },
    };
  }

  private drain(): void {
    while (this.queue.length) {
      const head = this.queue[0] as Item;
      if ('gate' in head && !head.gate.open) return;
      this.queue.shift();
      if ('deliver' in head) head.deliver();
    }
  }
}


// Bad frames are counted, never fatal. The first of each kind is logged (with its detail) so the
// problem is visible; the rest only count, so a misbehaving stream cannot flood the log.
import type { Logger } from '../../log/index.ts';

export class StreamHealth {
  private readonly byKind = new Map<string, number>();

  constructor(private readonly log: Logger) {}

  count(kind: string, detail: string): void {
    const n = (this.byKind.get(kind) ?? 0) + 1;
    this.byKind.set(kind, n);
    if (n === 1) this.log.warn(`skipped a malformed Bybit message (${kind}); further ones are only counted`, { kind, detail });
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.byKind);
  }
}

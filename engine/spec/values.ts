// Typed reads from the parsed spec that tolerate wrong shapes (the schema reports those), so the
// semantic checks can run on a spec that also has schema errors and still report everything.
import { Decimal } from 'decimal.js';
import type { Path, SpecSource } from './source.ts';
import { parseSpan } from './span.ts';
import type { Span } from '../plan/plan.ts';

const DECIMAL_TEXT = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$/i;

export class SpecValues {
  constructor(readonly src: SpecSource, readonly data: unknown) {}

  get(path: Path): unknown {
    let v = this.data;
    for (const s of path) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
      v = (v as Record<string, unknown>)[String(s)];
    }
    return v;
  }

  has(path: Path): boolean {
    const v = this.get(path);
    return v !== undefined && v !== null;
  }

  str(path: Path): string | undefined {
    const v = this.get(path);
    return typeof v === 'string' ? v : undefined;
  }

  int(path: Path): number | undefined {
    const v = this.get(path);
    return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
  }

  num(path: Path): number | undefined {
    const v = this.get(path);
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  }

  obj(path: Path): Record<string, unknown> | undefined {
    const v = this.get(path);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  }

  /** The exact decimal as written in the file (`0.1` is 0.1, not the nearest double). */
  decimal(path: Path): Decimal | undefined {
    const v = this.get(path);
    if (typeof v !== 'number' && typeof v !== 'string') return undefined;
    if (typeof v === 'number' && !Number.isFinite(v)) return undefined;
    const written = typeof v === 'number' ? this.src.scalarSource(path) ?? String(v) : v.trim();
    const text = DECIMAL_TEXT.test(written) ? written : String(v);
    if (!DECIMAL_TEXT.test(text)) return undefined;
    return new Decimal(text);
  }

  span(path: Path): Span | undefined {
    const v = this.get(path);
    return typeof v === 'string' ? parseSpan(v) : undefined;
  }
}

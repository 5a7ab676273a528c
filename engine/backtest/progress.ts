// A one-line progress bar on stderr, only when stderr is a terminal (never in pipes, CI logs or
// tests), redrawn at most every 100 ms.
export interface Progress {
  update(fraction: number, detail: string): void;
  done(): void;
}

const NOOP: Progress = { update() {}, done() {} };

export function progressBar(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return NOOP;
  let last = 0;
  let drawn = false;
  return {
    update(fraction, detail) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const width = 30;
      const f = Math.max(0, Math.min(1, fraction));
      const full = Math.round(f * width);
      stream.write(`\r[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${(f * 100).toFixed(0).padStart(3)}% ${detail}\x1b[K`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}

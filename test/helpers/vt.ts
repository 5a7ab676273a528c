// A small terminal emulator, enough to see what `botctl run` leaves on a screen: printable text,
// CR/LF (LF as CR+LF, as a tty's output processing does), cursor moves (CSI H), save/restore
// (ESC 7/8), clear line (CSI 2K, CSI K), a scroll region (CSI t;b r) and colours (ignored).
export class Terminal {
  readonly grid: string[][];
  private row = 0;
  private col = 0;
  private top = 0;
  private bottom: number;
  private saved: [number, number] = [0, 0];

  constructor(readonly rows: number, readonly columns: number) {
    this.grid = Array.from({ length: rows }, () => Array<string>(columns).fill(' '));
    this.bottom = rows - 1;
  }

  /** What a TTY stream offers the program. */
  get stream(): { write: (s: string) => boolean; rows: number; columns: number } {
    return { write: (s: string) => (this.feed(s), true), rows: this.rows, columns: this.columns };
  }

  lines(): string[] {
    return this.grid.map((r) => r.join('').trimEnd());
  }

  private lineFeed(): void {
    if (this.row === this.bottom) {
      this.grid.splice(this.top, 1);
      this.grid.splice(this.bottom, 0, Array<string>(this.columns).fill(' '));
    } else if (this.row < this.rows - 1) this.row++;
  }

  feed(s: string): void {
    for (let i = 0; i < s.length; i++) {
      const ch = s[i] as string;
      if (ch === '\x1b') {
        const next = s[i + 1];
        if (next === '7') { this.saved = [this.row, this.col]; i++; continue; }
        if (next === '8') { [this.row, this.col] = this.saved; i++; continue; }
        if (next === '[') {
          const m = /^\[([\d;]*)([A-Za-z])/.exec(s.slice(i + 1));
          if (!m) throw new Error(`unknown escape at ${JSON.stringify(s.slice(i, i + 12))}`);
          this.csi(m[1] as string, m[2] as string);
          i += m[0].length;
          continue;
        }
        throw new Error(`unknown escape ESC ${next}`);
      }
      if (ch === '\n') { this.col = 0; this.lineFeed(); continue; }
      if (ch === '\r') { this.col = 0; continue; }
      if (this.col >= this.columns) { this.col = 0; this.lineFeed(); }
      (this.grid[this.row] as string[])[this.col++] = ch;
    }
  }

  private csi(params: string, cmd: string): void {
    const n = params.split(';').map((x) => (x === '' ? NaN : Number(x)));
    switch (cmd) {
      case 'H': this.row = (n[0] || 1) - 1; this.col = (n[1] || 1) - 1; return;
      case 'K': {
        const line = this.grid[this.row] as string[];
        const from = n[0] === 2 ? 0 : this.col;
        for (let c = from; c < this.columns; c++) line[c] = ' ';
        return;
      }
      case 'r':
        this.top = params === '' ? 0 : (n[0] as number) - 1;
        this.bottom = params === '' ? this.rows - 1 : (n[1] as number) - 1;
        this.row = 0;
        this.col = 0;
        return;
      case 'm': return;
      default: throw new Error(`unknown CSI ${params}${cmd}`);
    }
  }
}

// Log lines gathered and written together: when stderr is a file, each write(2) cost more than
// making the line (a replay logs thousands a second). Written when 64 KB have gathered, at the next
// turn of the event loop, before anything else the command prints (`before`), and as the process
// exits, whatever ends it.
const FLUSH_AT = 65_536;

export class LineBatch {
  private text = '';
  private scheduled = false;
  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.text === '') return;
    const t = this.text;
    this.text = '';
    this.write(t);
  };

  constructor(private readonly write: (text: string) => void) {
    process.on('exit', this.flush);
  }

  add(line: string): void {
    this.text += line;
    if (this.text.length >= FLUSH_AT) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** `print`, writing the gathered lines first. */
  before(print: (text: string) => void): (text: string) => void {
    return (text) => {
      this.flush();
      print(text);
    };
  }

  close(): void {
    this.flush();
    process.off('exit', this.flush);
  }
}

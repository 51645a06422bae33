/** Splits a stream into lines; a carriage return keeps only what follows it (progress bars). */
export class LineSplitter {
  #buffer = "";
  constructor(private readonly emit: (line: string) => void) {}
  push(chunk: string): void {
    this.#buffer += chunk;
    let newline = this.#buffer.indexOf("\n");
    while (newline >= 0) {
      this.#line(this.#buffer.slice(0, newline));
      this.#buffer = this.#buffer.slice(newline + 1);
      newline = this.#buffer.indexOf("\n");
    }
  }
  flush(): void {
    if (this.#buffer) this.#line(this.#buffer);
    this.#buffer = "";
  }
  #line(raw: string): void {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    this.emit(line.slice(line.lastIndexOf("\r") + 1));
  }
}

/** Splits a byte stream into newline-terminated lines with a cap on line length. */

const NEWLINE = 0x0a;
const READ_SIZE = 64 * 1024;

/** Anything with Deno's `read(buffer)` contract (a `Deno.Conn`). */
export interface ByteSource {
  read(buffer: Uint8Array): Promise<number | null>;
}

/** Reads lines (without their "\n") from a byte source, refusing lines over a byte limit. */
export class LineReader {
  #source: ByteSource;
  #maxLineBytes: number;
  #data = new Uint8Array(READ_SIZE);
  #length = 0;
  #scanned = 0;
  #eof = false;

  /** Wraps `source`; lines longer than `maxLineBytes` (newline excluded) are refused. */
  constructor(source: ByteSource, maxLineBytes: number) {
    this.#source = source;
    this.#maxLineBytes = maxLineBytes;
  }

  /**
   * Returns the next line, or null at the end of the stream. A final line without its newline
   * was cut short (the peer went away mid-write) and is discarded.
   * @throws {RangeError} when a line exceeds the limit; the reader is then unusable
   */
  async next(): Promise<Uint8Array | null> {
    while (true) {
      const found = this.#data.subarray(this.#scanned, this.#length).indexOf(NEWLINE);
      const end = found < 0 ? this.#length : this.#scanned + found;
      if (end > this.#maxLineBytes) {
        throw new RangeError(`Line exceeds the limit of ${this.#maxLineBytes} bytes`);
      }
      if (found >= 0) return this.#take(end);
      this.#scanned = this.#length;
      if (this.#eof) return null;
      this.#reserve(READ_SIZE);
      const count = await this.#source.read(this.#data.subarray(this.#length));
      if (count === null) this.#eof = true;
      else this.#length += count;
    }
  }

  #take(end: number): Uint8Array {
    const line = this.#data.slice(0, end);
    this.#data.copyWithin(0, end + 1, this.#length);
    this.#length -= end + 1;
    this.#scanned = 0;
    return line;
  }

  #reserve(free: number): void {
    if (this.#data.length - this.#length >= free) return;
    const grown = new Uint8Array(Math.max(this.#data.length * 2, this.#length + free));
    grown.set(this.#data.subarray(0, this.#length));
    this.#data = grown;
  }
}

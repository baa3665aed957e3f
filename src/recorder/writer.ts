/**
 * The files of a recording: private (0600 in a 0700 directory), opened for appending, written in
 * order by one background flush per file so that a caller never waits for the disk unless the
 * backlog grows past a bound.
 */

import { serialDrain } from "../serial_drain.ts";

/** Bytes that may wait for the disk before `write` makes its caller wait too. */
export const MAX_PENDING_BYTES = 1024 * 1024;

/**
 * Creates the directory (and missing parents) with mode 0700. An existing one keeps its mode: it
 * may be a shared folder (`log_directory: /var/log`), and the recordings in it are 0600 anyway.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
}

/** A file opened for appending (created 0600) whose writes are queued and flushed in order. */
export class AppendFile {
  readonly path: string;
  #file: Deno.FsFile;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #error: unknown;
  /** The file's size when opened plus every byte handed to `write` since. */
  size: number;

  private constructor(path: string, file: Deno.FsFile, size: number) {
    this.path = path;
    this.#file = file;
    this.size = size;
  }

  /**
   * Opens `path` for appending, creating it with mode 0600 (an existing file is narrowed to 0600).
   * @param truncateTo cut the file to this length first (drops a line cut by a crash)
   */
  static async open(path: string, truncateTo?: number): Promise<AppendFile> {
    const file = await Deno.open(path, { append: true, create: true, mode: 0o600 });
    try {
      await Deno.chmod(path, 0o600);
      if (truncateTo !== undefined) await file.truncate(truncateTo);
      const { size } = await file.stat();
      return new AppendFile(path, file, size);
    } catch (error) {
      file.close();
      throw error;
    }
  }

  /**
   * Queues bytes; resolves at once unless the backlog is past {@linkcode MAX_PENDING_BYTES}, then
   * once it is written.
   * @throws {Error} the error of an earlier failed write (the file is then unusable)
   */
  write(bytes: Uint8Array): Promise<void> | undefined {
    if (this.#error !== undefined) throw this.#error;
    if (bytes.length === 0) return undefined;
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    this.size += bytes.length;
    const running = this.#startFlush();
    return this.#pendingBytes > MAX_PENDING_BYTES ? running : undefined;
  }

  /** Resolves once everything queued so far is written. */
  async flush(): Promise<void> {
    await this.#startFlush();
    if (this.#error !== undefined) throw this.#error;
  }

  /** Writes what is queued, then closes the file. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.#file.close();
    }
  }

  #startFlush = serialDrain(
    () => this.#pending.length > 0 && this.#error === undefined,
    () => this.#writeQueued(),
  );

  async #writeQueued(): Promise<void> {
    const chunks = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    const bytes = chunks.length === 1 ? chunks[0]! : concat(chunks);
    try {
      let written = 0;
      while (written < bytes.length) written += await this.#file.write(bytes.subarray(written));
    } catch (error) {
      this.#error = new Error(`Cannot write "${this.path}"`, { cause: error });
      // The file is unusable now: what is still queued can never be written, and keeping it would
      // make flush() wait on it forever.
      this.#pending = [];
      this.#pendingBytes = 0;
    }
  }
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

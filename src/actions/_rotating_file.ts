/** Options of {@linkcode RotatingFile.open}. */
export interface RotatingFileOptions {
  /** Size after which the file is rotated, in bytes. */
  maxBytes: number;
  /** Rotated files kept beside the current one (`.1` newest … `.N` oldest); 0 truncates. */
  backups: number;
  /**
   * How often (ms) to check that the path still names the open file, so that a file moved away
   * by logrotate is followed by a new one [1000].
   */
  reopenCheckMs?: number;
}

function dirName(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "/" : path.slice(0, slash);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

async function openPrivate(path: string): Promise<Deno.FsFile> {
  const file = await Deno.open(path, { append: true, create: true, mode: 0o600 });
  // Files made by older versions (or umask games) are narrowed to 0600 too.
  await Deno.chmod(path, 0o600);
  return file;
}

/** An append-only log file that rotates by size, like Python's RotatingFileHandler. */
export class RotatingFile {
  #path: string;
  #options: RotatingFileOptions;
  #file: Deno.FsFile;
  #size: number;
  #ino: number | null;
  #checkedMs = Date.now();

  private constructor(
    path: string,
    options: RotatingFileOptions,
    file: Deno.FsFile,
    stat: Deno.FileInfo,
  ) {
    this.#path = path;
    this.#options = options;
    this.#file = file;
    this.#size = stat.size;
    this.#ino = stat.ino;
  }

  /** Opens (creating with mode 0600, its directory with 0700) the file for appending. */
  static async open(path: string, options: RotatingFileOptions): Promise<RotatingFile> {
    await Deno.mkdir(dirName(path), { recursive: true, mode: 0o700 });
    const file = await openPrivate(path);
    return new RotatingFile(path, options, file, await file.stat());
  }

  /** Reopens the path when something else (logrotate, an administrator) moved the file away. */
  async #followMoves(): Promise<void> {
    const now = Date.now();
    if (now - this.#checkedMs < (this.#options.reopenCheckMs ?? 1000)) return;
    this.#checkedMs = now;
    let current: number | null | undefined;
    try {
      current = (await Deno.lstat(this.#path)).ino;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (current !== undefined && current === this.#ino) return;
    this.#file.close();
    this.#file = await openPrivate(this.#path);
    const stat = await this.#file.stat();
    this.#size = stat.size;
    this.#ino = stat.ino;
  }

  /**
   * Appends whole lines, rotating between lines whenever the next one would push the file past
   * its size limit (a single line longer than the limit gets a file of its own).
   */
  async writeLines(lines: readonly Uint8Array[]): Promise<void> {
    await this.#followMoves();
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    for (const line of lines) {
      if (
        this.#size + batchBytes > 0 &&
        this.#size + batchBytes + line.length > this.#options.maxBytes
      ) {
        await this.#write(batch, batchBytes);
        batch = [];
        batchBytes = 0;
        if (this.#size > 0) await this.#rotate();
      }
      batch.push(line);
      batchBytes += line.length;
    }
    await this.#write(batch, batchBytes);
  }

  async #write(lines: readonly Uint8Array[], total: number): Promise<void> {
    if (total === 0) return;
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const line of lines) {
      bytes.set(line, offset);
      offset += line.length;
    }
    let written = 0;
    while (written < bytes.length) written += await this.#file.write(bytes.subarray(written));
    this.#size += bytes.length;
  }

  /** Closes the current file. */
  close(): void {
    this.#file.close();
  }

  async #rotate(): Promise<void> {
    this.#file.close();
    const { backups } = this.#options;
    if (backups <= 0) {
      await Deno.remove(this.#path);
    } else {
      for (let i = backups - 1; i >= 1; i--) {
        const from = `${this.#path}.${i}`;
        if (await exists(from)) await Deno.rename(from, `${this.#path}.${i + 1}`);
      }
      await Deno.rename(this.#path, `${this.#path}.1`);
    }
    this.#file = await openPrivate(this.#path);
    this.#size = 0;
    this.#ino = (await this.#file.stat()).ino;
  }
}

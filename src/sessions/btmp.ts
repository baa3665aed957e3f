/**
 * Failed logins from /var/log/btmp, where sshd records every failed password and every unknown
 * user (struct utmp, 384 bytes on Linux x86-64). Only what is appended after start is reported,
 * and the file is read when inotify says it changed (or by a slow poll), never re-read whole.
 */

/** Size of struct utmp on glibc x86-64. */
export const UTMP_SIZE = 384;
const LOGIN_PROCESS = 6;

/** One failed login as btmp records it. */
export interface FailedLogin {
  /** The sshd process that recorded it (the connection's monitor). */
  pid: number;
  /** As the client sent it, truncated by utmp to 32 bytes: untrusted. */
  username: string;
  /** Client address text ("" when unknown). */
  ip: string;
  timeMs: number;
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder("utf-8", { fatal: false }).decode(
    end < 0 ? bytes : bytes.subarray(0, end),
  );
}

function address(v: DataView, host: string): string {
  const w = [0, 1, 2, 3].map((i) => v.getUint32(348 + i * 4, false));
  if (w[1] === 0 && w[2] === 0 && w[3] === 0) {
    const a = v.getUint32(348, true);
    return a === 0 ? host : [a & 255, (a >> 8) & 255, (a >> 16) & 255, a >>> 24].join(".");
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(v.getUint16(348 + i, false).toString(16));
  return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}

/** Decodes the complete utmp records of `bytes`; ignores entries that are no failed login. */
export function parseBtmp(bytes: Uint8Array): FailedLogin[] {
  const out: FailedLogin[] = [];
  for (let o = 0; o + UTMP_SIZE <= bytes.length; o += UTMP_SIZE) {
    const v = new DataView(bytes.buffer, bytes.byteOffset + o, UTMP_SIZE);
    if (v.getInt16(0, true) !== LOGIN_PROCESS) continue;
    const host = cString(bytes.subarray(o + 76, o + 332));
    out.push({
      pid: v.getInt32(4, true),
      username: cString(bytes.subarray(o + 44, o + 76)),
      ip: address(v, host),
      timeMs: v.getInt32(340, true) * 1000 + Math.floor(v.getInt32(344, true) / 1000),
    });
  }
  return out;
}

/** Follows a btmp file from its current end; calls `onFailure` for each new record. */
export class BtmpWatcher {
  #path: string;
  #offset = 0;
  #watcher?: Deno.FsWatcher;
  #timer?: ReturnType<typeof setInterval>;

  constructor(path: string) {
    this.#path = path;
  }

  /** Starts following; returns at once. */
  start(onFailure: (login: FailedLogin) => void): void {
    this.#offset = this.#size();
    const check = () => {
      try {
        for (const login of this.#readNew()) onFailure(login);
      } catch {
        // btmp rotated or unreadable for a moment: the next check reads on from where it is.
      }
    };
    this.#timer = setInterval(check, 2000);
    try {
      this.#watcher = Deno.watchFs(this.#path, { recursive: false });
      (async () => {
        for await (const _ of this.#watcher!) check();
      })().catch(() => {});
    } catch { /* no file yet: the poll finds it once sshd creates it */ }
  }

  /** Stops following. */
  stop(): void {
    clearInterval(this.#timer);
    this.#watcher?.close();
  }

  #size(): number {
    try {
      return Deno.statSync(this.#path).size;
    } catch {
      return 0;
    }
  }

  #readNew(): FailedLogin[] {
    const size = this.#size();
    if (size < this.#offset) this.#offset = 0; // rotated
    const whole = Math.floor((size - this.#offset) / UTMP_SIZE) * UTMP_SIZE;
    if (whole <= 0) return [];
    const f = Deno.openSync(this.#path, { read: true });
    try {
      f.seekSync(this.#offset, Deno.SeekMode.Start);
      const buf = new Uint8Array(whole);
      let got = 0;
      while (got < whole) {
        const n = f.readSync(buf.subarray(got));
        if (n === null || n === 0) break;
        got += n;
      }
      this.#offset += got - (got % UTMP_SIZE);
      return parseBtmp(buf.subarray(0, got));
    } finally {
      f.close();
    }
  }
}

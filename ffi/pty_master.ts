/**
 * A copy of the pty master that sshd holds, for injecting keystrokes into a session without
 * TIOCSTI (restricted since Linux 6.2): pidfd_open(2) + pidfd_getfd(2), which need ptrace rights
 * over sshd (root). x86-64 syscall numbers.
 * @module
 */
import { describeErrno, errno } from "./libc.ts";

const SYS_PIDFD_OPEN = 434n;
const SYS_PIDFD_GETFD = 438n;

const LIBC = Deno.dlopen("libc.so.6", {
  syscall: { parameters: ["i64", "i64", "i64", "i64"], result: "i64" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
});

/** An open copy of another process's file descriptor. */
export class BorrowedFd {
  #fd: number;

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /**
   * Duplicates descriptor `fd` of process `pid` into this process.
   * @throws {Error} naming the failing call and errno
   */
  static borrow(pid: number, fd: number): BorrowedFd {
    const pidfd = Number(LIBC.symbols.syscall(SYS_PIDFD_OPEN, BigInt(pid), 0n, 0n));
    if (pidfd < 0) throw new Error(`Cannot pidfd_open(${pid}): ${describeErrno(errno())}`);
    try {
      const copy = Number(LIBC.symbols.syscall(SYS_PIDFD_GETFD, BigInt(pidfd), BigInt(fd), 0n));
      if (copy < 0) {
        throw new Error(`Cannot pidfd_getfd(${pid}, ${fd}): ${describeErrno(errno())}`);
      }
      return new BorrowedFd(copy);
    } finally {
      LIBC.symbols.close(pidfd);
    }
  }

  /** Writes all of `bytes`; throws on a write error. */
  write(bytes: Uint8Array<ArrayBuffer>): void {
    let done = 0;
    for (let retries = 0; done < bytes.length;) {
      const rest = bytes.subarray(done);
      const n = Number(LIBC.symbols.write(this.#fd, rest, BigInt(rest.length)));
      if (n >= 0) {
        done += n;
        continue;
      }
      const code = errno();
      // EINTR, or EAGAIN while the tty's input buffer is full: again, a bounded number of times.
      if ((code === 4 || code === 11) && ++retries < 10_000) continue;
      throw new Error(`Cannot write to the pty master: ${describeErrno(code)}`);
    }
  }

  /** Closes the copy (sshd's own descriptor stays open). */
  close(): void {
    if (this.#fd >= 0) LIBC.symbols.close(this.#fd);
    this.#fd = -1;
  }
}

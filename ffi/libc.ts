/**
 * libc bindings: errno, epoll, the boot clock and the few calls libbpf does not cover.
 * @module
 */

const LIBC = Deno.dlopen("libc.so.6", {
  __errno_location: { parameters: [], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32", nonblocking: true },
  vsnprintf: { parameters: ["buffer", "usize", "pointer", "pointer"], result: "i32" },
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
});

const CLOCK_BOOTTIME = 7;

const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  3: "ESRCH",
  4: "EINTR",
  7: "E2BIG",
  9: "EBADF",
  11: "EAGAIN",
  12: "ENOMEM",
  13: "EACCES",
  16: "EBUSY",
  17: "EEXIST",
  22: "EINVAL",
  24: "EMFILE",
  28: "ENOSPC",
  38: "ENOSYS",
  95: "EOPNOTSUPP",
  524: "ENOTSUPP",
};

/** The calling thread's errno, read at once after a failed call. */
export function errno(): number {
  const p = LIBC.symbols.__errno_location();
  return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
}

/** "Operation not permitted (EPERM)" for an errno value (positive or negative). */
export function describeErrno(code: number): string {
  const n = Math.abs(code);
  const p = LIBC.symbols.strerror(n);
  const text = p === null ? `errno ${n}` : Deno.UnsafePointerView.getCString(p);
  return `${text} (${ERRNO_NAMES[n] ?? `errno ${n}`})`;
}

/** Waits for readiness on an epoll fd without blocking the JS thread; returns the ready count. */
export async function epollWait(epfd: number, timeoutMs: number): Promise<number> {
  const events = new Uint8Array(12 * 4);
  const n = await LIBC.symbols.epoll_wait(epfd, events, 4, timeoutMs);
  return n;
}

/** Formats a C printf format with its va_list (libbpf's print callback) into a string. */
export function formatVaList(fmt: Deno.PointerValue, args: Deno.PointerValue): string {
  const buf = new Uint8Array(4096);
  const n = LIBC.symbols.vsnprintf(buf, BigInt(buf.length), fmt, args);
  return new TextDecoder().decode(buf.subarray(0, Math.max(0, Math.min(n, buf.length - 1))));
}

/** CLOCK_BOOTTIME in nanoseconds: the clock of bpf_ktime_get_boot_ns(). */
export function bootTimeNs(): bigint {
  const ts = new BigInt64Array(2);
  if (LIBC.symbols.clock_gettime(CLOCK_BOOTTIME, new Uint8Array(ts.buffer)) !== 0) {
    throw new Error(`Cannot read CLOCK_BOOTTIME: ${describeErrno(errno())}`);
  }
  return ts[0]! * 1_000_000_000n + ts[1]!;
}

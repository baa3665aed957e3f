/**
 * libc bindings: errno, epoll, the boot clock, the user database and the few calls libbpf does
 * not cover.
 * @module
 */

const LIBC = Deno.dlopen("libc.so.6", {
  __errno_location: { parameters: [], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32", nonblocking: true },
  vsnprintf: { parameters: ["buffer", "usize", "pointer", "pointer"], result: "i32" },
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  getpwuid_r: { parameters: ["u32", "buffer", "buffer", "usize", "buffer"], result: "i32" },
  getpwnam_r: { parameters: ["buffer", "buffer", "buffer", "usize", "buffer"], result: "i32" },
});

const ERANGE = 34;
/** sizeof(struct passwd) on 64-bit Linux: pw_name at 0, pw_uid (u32) at 16. */
const PASSWD_SIZE = 48;

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

/**
 * Looks a user up by uid or name in the system's user database (NSS: files, LDAP, SSSD…), as
 * getpwuid_r/getpwnam_r do; undefined when there is no such user. May block while NSS asks a
 * directory server: callers cache the answer.
 */
export function lookupUser(key: number | string): { name: string; uid: number } | undefined {
  // A name is passed as a C string: one with a NUL would name someone else ("root\0x").
  if (typeof key === "string" && (key === "" || key.length > 256 || key.includes("\0"))) {
    return undefined;
  }
  const name = typeof key === "string" ? new TextEncoder().encode(key + "\0") : undefined;
  for (let size = 16 * 1024; size <= 1024 * 1024; size *= 4) {
    const pwd = new BigUint64Array(PASSWD_SIZE / 8);
    const result = new BigUint64Array(1);
    const buf = new Uint8Array(size);
    const fields = new Uint8Array(pwd.buffer);
    const out = new Uint8Array(result.buffer);
    const code = name === undefined
      ? LIBC.symbols.getpwuid_r(key as number, fields, buf, BigInt(size), out)
      : LIBC.symbols.getpwnam_r(name, fields, buf, BigInt(size), out);
    if (code === ERANGE) continue;
    if (code !== 0 || result[0] === 0n) return undefined;
    const namePtr = Deno.UnsafePointer.create(pwd[0]!);
    if (namePtr === null) return undefined;
    return {
      name: Deno.UnsafePointerView.getCString(namePtr),
      uid: new DataView(pwd.buffer).getUint32(16, true),
    };
  }
  return undefined;
}

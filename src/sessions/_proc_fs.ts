/** Small /proc readers and path helpers of the session assembler. */
import type { ExecRecord } from "../tracer/records.ts";

const decoder = new TextDecoder("utf-8", { fatal: false });

/** Inodes of the pipes on fds 0..2 of a live process. */
export function pipeInodes(pid: number): bigint[] {
  const out: bigint[] = [];
  for (const fd of [0, 1, 2]) {
    try {
      const m = /^pipe:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) out.push(BigInt(m[1]));
    } catch { /* closed or gone */ }
  }
  return out;
}

/** An absolute path from cwd components listed leaf first, as the kernel records them. */
export function joinCwd(parts: Uint8Array[]): string {
  return "/" + parts.map((p) => decoder.decode(p)).reverse().join("/");
}

/** The cwd an exec record carries, as an absolute path. */
export function cwdOf(r: ExecRecord): string {
  return joinCwd(r.cwdParts);
}

/** A live process's cwd, or undefined once it is gone. */
export function readCwd(pid: number): string | undefined {
  try {
    return Deno.readLinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** The kernel's dev_t (major << 20 | minor) in the encoding stat() gives userspace. */
export function userDev(kdev: number): number {
  const major = kdev >>> 20;
  const minor = kdev & 0xfffff;
  return (major << 8) | (minor & 0xff) | ((minor & ~0xff) << 12);
}

/** True while /proc/PID exists. */
export function processAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

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

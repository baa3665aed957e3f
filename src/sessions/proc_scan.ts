/**
 * Finds, at daemon start, the sshd listeners and the connections already open, from /proc.
 * A listener is a process running `sshd` whose parent is not an sshd; a connection is a
 * listener's child; every descendant of a connection belongs to it.
 */
import { isOpenSshDaemon } from "./openssh.ts";

/** One process as /proc shows it. */
export interface ProcInfo {
  tgid: number;
  ppid: number;
  uid: number;
  exe: string;
  argv: string[];
  /** pts number of the controlling terminal, -1 without one. */
  ttyIndex: number;
  /** Start in clock ticks after boot. */
  startTicks: number;
  /** Inodes of fds 0..2 that are pipes. */
  pipes: bigint[];
  stdinIsPipe: boolean;
}

/** What the scan found: listeners, and connections with their processes parents first. */
export interface ScanResult {
  listeners: number[];
  connections: { conn: number; procs: ProcInfo[] }[];
}

const PTS_MAJOR = 136;

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ttyNr = Number(f[4]);
    const major = (ttyNr >> 8) & 0xfff;
    const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
    let exe = "";
    try {
      exe = Deno.readLinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, "");
    } catch { /* kernel thread */ }
    const argv = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").filter((a, i, all) =>
      a !== "" || i < all.length - 1
    );
    const pipes: bigint[] = [];
    let stdinIsPipe = false;
    for (const fd of [0, 1, 2]) {
      try {
        const m = /^pipe:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/${pid}/fd/${fd}`));
        if (m?.[1]) {
          pipes.push(BigInt(m[1]));
          if (fd === 0) stdinIsPipe = true;
        }
      } catch { /* closed */ }
    }
    return {
      tgid: pid,
      ppid: Number(f[1]),
      uid,
      exe,
      argv,
      ttyIndex: major === PTS_MAJOR || (major >= 136 && major <= 143)
        ? minor + (major - 136) * 256
        : -1,
      startTicks: Number(f[19]),
      pipes,
      stdinIsPipe,
    };
  } catch {
    return undefined;
  }
}

/** Scans /proc; `selfPid` (the daemon) and its descendants are left out. */
export function scanProc(selfPid: number): ScanResult {
  const all = new Map<number, ProcInfo>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const p = readProc(Number(entry.name));
    if (p) all.set(p.tgid, p);
  }
  const children = new Map<number, ProcInfo[]>();
  for (const p of all.values()) {
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  const isSshd = (p: ProcInfo | undefined) => !!p && /(^|\/)sshd$/.test(p.exe);
  const listeners = [...all.values()].filter((p) =>
    isSshd(p) && !isOpenSshDaemon(all.get(p.ppid)?.exe ?? "")
  );
  const connections = [];
  for (const l of listeners) {
    for (const child of children.get(l.tgid) ?? []) {
      const procs: ProcInfo[] = [];
      const queue = [child];
      while (queue.length) {
        const p = queue.shift()!;
        if (p.tgid === selfPid) continue;
        procs.push(p);
        queue.push(...(children.get(p.tgid) ?? []));
      }
      connections.push({ conn: child.tgid, procs });
    }
  }
  return { listeners: listeners.map((l) => l.tgid), connections };
}

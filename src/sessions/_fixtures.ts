/**
 * Decoded kernel records and a recording SessionAssembler for this folder's tests. Pids start at
 * 4000000, above any pid_max, so the /proc readers of the assembler find nothing.
 */
import type { SessionFields, SshlogEvent } from "../events/types.ts";
import {
  type ExecRecord,
  type ExitRecord,
  FdKind,
  type ForkRecord,
  IoDir,
  type IoRecord,
  RecordFlag,
  RecordType,
  type SetsidRecord,
  type TraceRecord,
} from "../tracer/records.ts";
import { type BinaryHooks, SessionAssembler } from "./assembler.ts";
import { BootClock } from "./clock.ts";

/** 16:00:00 UTC on 2024-05-01: the fixed boot time, in epoch ms. */
export const BOOT_MS = Date.UTC(2024, 4, 1, 16, 0, 0);
/** How long the test assembler credits output to an exited command. */
export const GRACE_MS = 5;
/** How long the test assembler waits for sshd after a session's root exited. */
export const CLOSE_DELAY_MS = 40;

/** Pids of one OpenSSH 9.2 connection, see login92(). */
export const PID = {
  listener: 4000001,
  conn: 4000010,
  preauth: 4000011,
  user: 4000012,
  shell: 4000013,
} as const;
const { conn, user, shell } = PID;

/** Device and inode of /usr/sbin/sshd in the fixtures. */
export const SSHD_DEV = 2049;
export const SSHD_INO = 131_072n;

/** Epoch ms of a boot-clock time given in ms after boot. */
export function epoch(ms: number): number {
  return BOOT_MS + ms;
}

function ns(ms: number): bigint {
  return BigInt(ms) * 1_000_000n;
}

function header<T extends number>(type: T, ms: number, flags = 0) {
  return { type, flags, size: 0, ktime: ns(ms) };
}

const bytes = (s: string | Uint8Array) => typeof s === "string" ? new TextEncoder().encode(s) : s;

/** A rec_fork: `parent` forked `child` of connection `conn`. */
export function fork(
  ms: number,
  f: { parent: number; child: number; conn: number; uid?: number; newConn?: boolean },
): ForkRecord {
  return {
    ...header(RecordType.FORK, ms, f.newConn ? RecordFlag.NEW_CONN : 0),
    parentTgid: f.parent,
    childTgid: f.child,
    connTgid: f.conn,
    uid: f.uid ?? 0,
    childStart: ns(ms),
  };
}

/** What an exec'd process looks like; `cwd` is an absolute path, `pipes` the inodes of fds 0-2. */
export interface ExecSpec {
  pid: number;
  ppid: number;
  conn: number;
  sid: number;
  filename: string;
  argv: string[];
  cwd?: string;
  uid?: number;
  /** pts number of the controlling terminal (default -1). */
  tty?: number;
  pipes?: bigint[];
  /** When the process was forked, ms after boot (default: the exec time). */
  startMs?: number;
  sock?: ExecRecord["sock"];
  flags?: number;
}

/** A rec_exec as the kernel reports it (cwd components leaf first). */
export function exec(ms: number, s: ExecSpec): ExecRecord {
  const parts = (s.cwd ?? "/").split("/").filter((p) => p !== "").reverse();
  const tty = s.tty ?? -1;
  return {
    ...header(RecordType.EXEC, ms, s.flags ?? 0),
    tgid: s.pid,
    ppid: s.ppid,
    connTgid: s.conn,
    uid: s.uid ?? 0,
    gid: s.uid ?? 0,
    ttyIndex: tty,
    start: ns(s.startMs ?? ms),
    exeIno: s.filename === "/usr/sbin/sshd" ? SSHD_INO : 99n,
    exeDev: SSHD_DEV,
    sid: s.sid,
    filename: bytes(s.filename),
    cwdParts: parts.map(bytes),
    argv: s.argv.map(bytes),
    argsFull: s.argv.reduce((n, a) => n + bytes(a).length + 1, 0),
    fds: [0, 1, 2].map((i) => {
      const pipe = s.pipes?.[i];
      if (pipe !== undefined) return { ino: pipe, rdev: 0, kind: FdKind.PIPE };
      return { ino: 1000n + BigInt(i), rdev: tty < 0 ? 0 : (136 << 20) | tty, kind: FdKind.OTHER };
    }),
    sock: s.sock ?? {
      family: 0,
      localPort: 0,
      remotePort: 0,
      localAddr: new Uint8Array(16),
      remoteAddr: new Uint8Array(16),
    },
  };
}

/** A rec_exit; `status` is the wait status ((code << 8) | signal). */
export function exit(
  ms: number,
  f: { pid: number; ppid: number; conn: number; status?: number; flags?: number },
): ExitRecord {
  return {
    ...header(RecordType.EXIT, ms, f.flags ?? 0),
    tgid: f.pid,
    ppid: f.ppid,
    connTgid: f.conn,
    exitCode: f.status ?? 0,
    start: 0n,
  };
}

/** A rec_setsid. */
export function setsid(ms: number, f: { pid: number; conn: number }): SetsidRecord {
  return { ...header(RecordType.SETSID, ms), tgid: f.pid, connTgid: f.conn };
}

/** A rec_io of sshd `pid`: on the pty master of pts `tty`, or on the pipe `pipe`. */
export function io(
  ms: number,
  f: {
    pid: number;
    conn: number;
    dir: "output" | "input";
    data: string | Uint8Array;
    tty?: number;
    pipe?: bigint;
    echoOff?: boolean;
  },
): IoRecord {
  const data = bytes(f.data);
  return {
    ...header(RecordType.IO, ms, f.echoOff ? RecordFlag.ECHO_OFF : 0),
    tgid: f.pid,
    connTgid: f.conn,
    fd: f.pipe === undefined ? 9 : 11,
    kind: f.pipe === undefined ? FdKind.PTMX : FdKind.PIPE,
    dir: f.dir === "output" ? IoDir.OUTPUT : IoDir.INPUT,
    ino: f.pipe ?? 77n,
    ttyIndex: f.pipe === undefined ? f.tty ?? -1 : -1,
    total: data.length,
    offset: 0,
    data,
  };
}

/** The client 192.168.1.50:51234 connected to 10.0.0.2:22, as sshd's fd 0 shows it. */
export const CLIENT_SOCK: ExecRecord["sock"] = {
  family: 2,
  localPort: 22,
  remotePort: 51234,
  localAddr: Uint8Array.of(10, 0, 0, 2, ...new Array(12).fill(0)),
  remoteAddr: Uint8Array.of(192, 168, 1, 50, ...new Array(12).fill(0)),
};

/** tcp_info of CLIENT_SOCK. */
export const CLIENT_TCP = {
  "client_ip": "192.168.1.50",
  "client_port": 51234,
  "server_ip": "10.0.0.2",
  "server_port": 22,
};

/**
 * OpenSSH 9.2 accepting a connection at `ms` and authenticating a user 1 s later: the listener
 * forks the connection's process (ptm_pid), which calls setsid() and re-executes `sshd -D -R`
 * with the client socket on fd 0; that monitor forks the pre-auth child, which exits once the
 * user is authenticated; the monitor then forks the user's sshd (pts_pid).
 */
export function login92(ms: number): TraceRecord[] {
  const { listener, conn, preauth, user } = PID;
  return [
    fork(ms, { parent: listener, child: conn, conn, newConn: true }),
    setsid(ms + 1, { pid: conn, conn }),
    exec(ms + 2, {
      pid: conn,
      ppid: listener,
      conn,
      sid: conn,
      filename: "/usr/sbin/sshd",
      argv: ["/usr/sbin/sshd", "-D", "-R"],
      sock: CLIENT_SOCK,
    }),
    fork(ms + 10, { parent: conn, child: preauth, conn }),
    exit(ms + 1000, { pid: preauth, ppid: conn, conn }),
    fork(ms + 1001, { parent: conn, child: user, conn }),
  ];
}

/** A SessionAssembler with small delays that records its events and hook calls. */
export class Recorder {
  readonly events: SshlogEvent[] = [];
  readonly hookCalls: string[] = [];
  readonly assembler: SessionAssembler;

  constructor() {
    const calls = this.hookCalls;
    const hooks: BinaryHooks = {
      onOpenSshImage: (pid, exe, key) => calls.push(`image ${pid} ${exe} ${key}`),
      onListener: (pid) => calls.push(`listener ${pid}`),
      promoteListener: (pid) => calls.push(`promote ${pid}`),
      quietPipes: (inodes, quiet) => calls.push(`quiet ${inodes.join(",")} ${quiet}`),
    };
    this.assembler = new SessionAssembler((e) => this.events.push(e), hooks, {
      hostname: "web1",
      clock: new BootClock(BOOT_MS),
      bootEpochSec: BOOT_MS / 1000,
      graceMs: GRACE_MS,
      closeDelayMs: CLOSE_DELAY_MS,
    });
  }

  /** Hands records to the assembler, in order. */
  feed(...records: TraceRecord[]): void {
    for (const r of records) this.assembler.handle(r);
  }

  /** The event types so far. */
  types(): string[] {
    return this.events.map((e) => e.event_type);
  }

  /** Waits until `count` events of `type` were emitted; fails after a 2 s deadline. */
  async waitFor(type: SshlogEvent["event_type"], count = 1): Promise<void> {
    const deadline = Date.now() + 2000;
    while (this.events.filter((e) => e.event_type === type).length < count) {
      if (Date.now() > deadline) {
        throw new Error(`Cannot see ${count} ${type} event(s) in 2 s: got ${this.types()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** Lets every pending grace and close timer fire. */
  async settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, CLOSE_DELAY_MS + GRACE_MS + 60));
  }
}

/** uid of the fixtures' user: nobody, in every passwd. */
export const NOBODY = 65534;
/** session_id of a shell that startShell(2010, …) starts: its start second is 16:00:02. */
export const SESSION_ID = `20240501T160002Z-${conn}-${shell}`;

/** The session fields of the shell that startShell(2010, { tty: 0 }) starts, at `ms`. */
export function sessionFields(
  type: SshlogEvent["event_type"],
  ms: number,
  overrides: Partial<SessionFields> = {},
): SessionFields {
  return {
    "event_type": type,
    timestamp: epoch(ms),
    hostname: "web1",
    "session_id": SESSION_ID,
    "ptm_pid": conn,
    "pts_pid": user,
    "shell_pid": shell,
    "user_id": NOBODY,
    username: "nobody",
    "tty_id": 0,
    "start_time": epoch(2012),
    "end_time": 0,
    "tcp_info": CLIENT_TCP,
    ...overrides,
  };
}

/** sshd's user child forks the session child, which calls setsid() and execs `argv`. */
export function startShell(
  ms: number,
  s: { pid?: number; argv: string[]; tty?: number; pipes?: bigint[]; cwd?: string },
): TraceRecord[] {
  const pid = s.pid ?? shell;
  return [
    fork(ms, { parent: user, child: pid, conn, uid: NOBODY }),
    setsid(ms + 1, { pid, conn }),
    exec(ms + 2, {
      pid,
      ppid: user,
      conn,
      sid: pid,
      filename: "/bin/bash",
      argv: s.argv,
      uid: NOBODY,
      startMs: ms,
      ...(s.tty === undefined ? {} : { tty: s.tty }),
      ...(s.pipes ? { pipes: s.pipes } : {}),
      ...(s.cwd ? { cwd: s.cwd } : {}),
    }),
  ];
}

/** The shell forks `pid`, which execs `filename` with `argv`. */
export function runCommand(
  ms: number,
  c: { pid: number; filename: string; argv: string[]; cwd?: string; parent?: number; tty?: number },
): TraceRecord[] {
  const parent = c.parent ?? shell;
  return [
    fork(ms, { parent, child: c.pid, conn, uid: NOBODY }),
    exec(ms + 1, {
      pid: c.pid,
      ppid: parent,
      conn,
      sid: parent,
      filename: c.filename,
      argv: c.argv,
      uid: NOBODY,
      tty: c.tty ?? 0,
      startMs: ms,
      ...(c.cwd ? { cwd: c.cwd } : {}),
    }),
  ];
}

/** The user's sshd read `data` from the pty master of pts `tty`. */
export function out(ms: number, data: string, tty = 0): IoRecord {
  return io(ms, { pid: user, conn, dir: "output", data, tty });
}

/** The user's sshd wrote keystrokes `data` to the pty master of pts `tty`. */
export function input(ms: number, data: string, tty = 0): IoRecord {
  return io(ms, { pid: user, conn, dir: "input", data, tty });
}

/** The named fields of an event. */
export function pick(event: SshlogEvent, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, field(event, k)]));
}

/** One field of an event, or undefined. */
export function field(event: SshlogEvent | undefined, key: string): unknown {
  return (event as unknown as Record<string, unknown> | undefined)?.[key];
}

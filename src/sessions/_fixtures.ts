/**
 * Decoded kernel records and a recording SessionAssembler for this folder's tests. Pids start at
 * 4000000, above any pid_max, so the /proc readers of the assembler find nothing.
 */
import type { SessionFields, SshlogEvent } from "../events/types.ts";
import {
  type ExecRecord,
  type ExitRecord,
  type FdIdent,
  FdKind,
  type ForkRecord,
  IoDir,
  type IoRecord,
  type OpenRecord,
  RecordFlag,
  RecordType,
  type TraceRecord,
} from "../tracer/records.ts";
import { type BinaryHooks, SessionAssembler } from "./assembler.ts";
import { BootClock } from "./clock.ts";

/** 16:00:00 UTC on 2024-05-01: the fixed boot time, in epoch ms. */
export const BOOT_MS = Date.UTC(2024, 4, 1, 16, 0, 0);
/** How long the test assembler waits for the last output of a command that exited. */
export const OUTPUT_WAIT_MS = 150;
/** How long the test assembler waits for the output of a session whose root exited. */
export const CLOSE_DELAY_MS = 200;

/** Pids of one OpenSSH 9.2 connection, see login92(). */
export const PID = {
  listener: 4000001,
  conn: 4000010,
  preauth: 4000011,
  user: 4000012,
  shell: 4000013,
} as const;
const { conn, user, shell } = PID;

/** Device (8:1 as stat() gives it; the kernel's dev_t in rec_exec) and inode of /usr/sbin/sshd. */
export const SSHD_DEV = 2049;
const SSHD_KDEV = (8 << 20) | 1;
export const SSHD_INO = 131_072n;

/** Epoch ms of a boot-clock time given in ms after boot. */
export function epoch(ms: number): number {
  return BOOT_MS + ms;
}

const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;
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

/** A pty slave fd (/dev/pts/`tty`) with `pending` bytes sshd has not read yet. */
export function ptsFd(tty: number, pending = 0, flags = 0): FdIdent {
  const rdev = (136 << 20) | tty;
  return { ino: 1000n + BigInt(tty), rdev, kind: FdKind.PTS, flags, pending, ttyIndex: tty };
}

/** A pipe fd with `pending` bytes its reader has not read yet. */
export function pipeFd(ino: bigint, pending = 0, flags = 0): FdIdent {
  return { ino, rdev: 0, kind: FdKind.PIPE, flags, pending, ttyIndex: -1 };
}

/** A closed fd, or one that is no pipe or terminal, as fd_ident reports it. */
export const CLOSED_FD: FdIdent = { ...pipeFd(0n), kind: FdKind.OTHER };

/** Where fds 0-2 point: pts `tty`, the `pipes` (inodes of fds 0-2), or `fds` as given. */
export interface FdSpec {
  /** pts number of the controlling terminal, on fds 0-2 unless `pipes` (default -1: none). */
  tty?: number;
  pipes?: bigint[];
  /** Unread bytes per fd 0-2 (default 0). */
  pending?: number[];
  /** The fds as given, overriding tty, pipes and pending. */
  fds?: FdIdent[];
}

/** The fd_idents of fds 0-2 (closed ones are zeroed, as the kernel reports them). */
export function stdFds(s: FdSpec): FdIdent[] {
  if (s.fds) return s.fds;
  return [0, 1, 2].map((i) => {
    const pipe = s.pipes?.[i];
    const pending = s.pending?.[i] ?? 0;
    if (pipe !== undefined) return pipeFd(pipe, pending);
    if (s.tty !== undefined && s.tty >= 0) return ptsFd(s.tty, pending);
    return CLOSED_FD;
  });
}

/** What an exec'd process looks like; `cwd` is an absolute path. */
export interface ExecSpec extends FdSpec {
  pid: number;
  ppid: number;
  conn: number;
  sid: number;
  filename: string;
  argv: string[];
  cwd?: string;
  uid?: number;
  /** When the process was forked, ms after boot (default: the exec time). */
  startMs?: number;
  sock?: ExecRecord["sock"];
  flags?: number;
  /** Process group (default: its own, `pid`). */
  pgid?: number;
}

const ZERO = new Uint8Array(16);
/** The sock_ident of a process whose fd 0 is no TCP socket. */
const NO_SOCK = { family: 0, localPort: 0, remotePort: 0, localAddr: ZERO, remoteAddr: ZERO };

/** A rec_exec as the kernel reports it (cwd components leaf first). */
export function exec(ms: number, s: ExecSpec): ExecRecord {
  const tty = s.tty ?? -1;
  return {
    ...header(RecordType.EXEC, ms, s.flags ?? 0),
    tgid: s.pid,
    ppid: s.ppid,
    connTgid: s.conn,
    uid: s.uid ?? 0,
    gid: s.uid ?? 0,
    pgid: s.pgid ?? s.pid,
    ttyIndex: tty,
    start: ns(s.startMs ?? ms),
    exeIno: s.filename === "/usr/sbin/sshd" ? SSHD_INO : 99n,
    exeDev: SSHD_KDEV,
    sid: s.sid,
    filename: bytes(s.filename),
    cwdParts: cwdParts(s.cwd ?? "/"),
    argv: s.argv.map(bytes),
    argsFull: s.argv.reduce((n, a) => n + bytes(a).length + 1, 0),
    fds: stdFds(s),
    sock: s.sock ?? NO_SOCK,
  };
}

/** The components of an absolute path, leaf first, as the kernel records a cwd. */
function cwdParts(path: string): Uint8Array[] {
  return path.split("/").filter((p) => p !== "").reverse().map(bytes);
}

/** A rec_exit; `status` is the wait status ((code << 8) | signal), fds 0-2 closed by default. */
export function exit(
  ms: number,
  f: FdSpec & { pid: number; ppid: number; conn: number; status?: number; wchar?: number },
): ExitRecord {
  return {
    ...header(RecordType.EXIT, ms),
    tgid: f.pid,
    ppid: f.ppid,
    connTgid: f.conn,
    exitCode: f.status ?? 0,
    start: 0n,
    wchar: BigInt(f.wchar ?? 4096), // a process that wrote something, unless a test says
    fds: stdFds(f),
  };
}

/** A rec_open of `path` in `cwd` (an absolute path); `iMode` 0 means the open failed. */
export function open(
  ms: number,
  f: { pid: number; conn: number; path: string; cwd: string; write: boolean; iMode: number },
): OpenRecord {
  return {
    ...header(RecordType.OPEN, ms),
    tgid: f.pid,
    connTgid: f.conn,
    ret: f.iMode === 0 ? -2 : 5,
    openFlags: f.write ? 0o1101 : 0,
    mode: 0o666,
    path: bytes(f.path),
    iMode: f.iMode,
    cwdParts: cwdParts(f.cwd),
  };
}

/**
 * A rec_io of `pid` on the pty master of pts `tty` or on `pipe`. `sid` defaults to `conn`: sshd's
 * processes stay in the session the ptm leads; only the session children sshd forks lead theirs.
 */
export function io(
  ms: number,
  f: {
    pid: number;
    conn: number;
    sid?: number;
    dir: "output" | "input";
    data: string | Uint8Array;
    tty?: number;
    pipe?: bigint;
    echoOff?: boolean;
    /** When the call began, ms after boot (default: `ms`, when it returned). */
    startMs?: number;
    /** The pty's foreground process group (default 0: none, as for a pipe). */
    fgPgrp?: number;
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
    startKtime: ns(f.startMs ?? ms),
    sid: f.sid ?? f.conn,
    fgPgrp: f.fgPgrp ?? 0,
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
      outputWaitMs: OUTPUT_WAIT_MS,
      closeDelayMs: CLOSE_DELAY_MS,
    });
  }

  /** Hands records to the assembler as one ring-buffer batch, flushing output as the daemon. */
  feed(...records: TraceRecord[]): void {
    for (const r of records) this.assembler.handle(r);
    this.assembler.flushOutput();
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

  /** Lets every pending output-wait and close timer fire. */
  async settle(): Promise<void> {
    const longest = Math.max(CLOSE_DELAY_MS, OUTPUT_WAIT_MS + 50);
    await new Promise((resolve) => setTimeout(resolve, longest + 60));
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

/** sshd's user child forks the session child, which calls setsid() and execs `argv` 2 ms later. */
export function startShell(
  ms: number,
  s: FdSpec & { pid?: number; argv: string[]; cwd?: string },
): TraceRecord[] {
  const pid = s.pid ?? shell;
  const spec = { ...s, pid, ppid: user, conn, sid: pid, filename: "/bin/bash", uid: NOBODY };
  return [
    fork(ms, { parent: user, child: pid, conn, uid: NOBODY }),
    exec(ms + 2, { ...spec, startMs: ms }),
  ];
}

/** The shell forks `pid`, which execs `filename` with `argv` (on pts 0 unless told). */
export function runCommand(
  ms: number,
  c: FdSpec & { pid: number; filename: string; argv: string[]; cwd?: string; parent?: number } & {
    pgid?: number;
  },
): TraceRecord[] {
  const parent = c.parent ?? shell;
  return [
    fork(ms, { parent, child: c.pid, conn, uid: NOBODY }),
    exec(ms + 1, { tty: 0, ...c, ppid: parent, conn, sid: parent, uid: NOBODY, startMs: ms }),
  ];
}

/** The named fields of an event. */
export function pick(event: SshlogEvent, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, field(event, k)]));
}

/** One field of an event, or undefined. */
export function field(event: SshlogEvent | undefined, key: string): unknown {
  return (event as unknown as Record<string, unknown> | undefined)?.[key];
}

/** The assembler's records of processes and connections. */
import type { TcpInfo } from "../events/types.ts";
import type { IoRecord } from "../tracer/records.ts";
import type { Command } from "./command.ts";
import type { Session } from "./session.ts";

/** A process of a connection. */
export interface Proc {
  tgid: number;
  ppid: number;
  conn: number;
  uid: number;
  exe: string;
  argv: string[];
  /** Runs an OpenSSH server image (no exec since the listener's fork, or an sshd exec). */
  daemon: boolean;
  transfer: boolean;
  /** Exec'd since it was forked (a daemonizing listener's child never does). */
  execd?: boolean;
  session?: Session;
  commands: Command[];
  /** Boot-clock ns when it started: its fork record, or /proc for a process found at start-up. */
  startNs?: bigint;
  /** Found by the /proc scan at start-up: it ran before the daemon. */
  adopted?: boolean;
}

/** A connection: the listener's child and everything below it. */
export interface Conn {
  tgid: number;
  sessions: Session[];
  tcp?: TcpInfo;
  pendingIo: IoRecord[];
  /** Pty sizes set before their session started, by pts number. */
  sizes?: Map<number, { columns: number; rows: number }>;
  /** The connection's pre-authentication child, and whether it exited non-zero. */
  preauthPid?: number;
  preauthFailed?: boolean;
  /** The user whose authorized_keys sshd read; whether a session ever ran; whether btmp told. */
  keyUser?: string;
  hadSession?: boolean;
  reportedFailure?: boolean;
  /** Unknown user names already reported as failed logins. */
  reportedUnknown?: Set<string>;
}

/** A connection with no session yet. */
export function newConn(tgid: number): Conn {
  return { tgid, sessions: [], pendingIo: [] };
}

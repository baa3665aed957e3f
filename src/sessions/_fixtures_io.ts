/** The user's sshd's reads and writes on the pty master, for this folder's tests. */
import type { IoRecord } from "../tracer/records.ts";
import { io, PID } from "./_fixtures.ts";

/**
 * The user's sshd read `data` from the pty master of pts `tty`, while `fgPgrp` was the terminal's
 * foreground process group (default 0: unknown, as for a pipe).
 */
export function out(ms: number, data: string, tty = 0, fgPgrp = 0): IoRecord {
  return io(ms, { pid: PID.user, conn: PID.conn, dir: "output", data, tty, fgPgrp });
}

/** The user's sshd wrote keystrokes `data` to the pty master of pts `tty`. */
export function input(ms: number, data: string, tty = 0): IoRecord {
  return io(ms, { pid: PID.user, conn: PID.conn, dir: "input", data, tty });
}

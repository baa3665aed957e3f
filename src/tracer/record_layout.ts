/**
 * The numbers and layouts of bpf/sshtrace.h: enums, sizes and field offsets, in one table that
 * records.ts decodes with and records_test.ts checks against the BTF of the built object.
 */

/** Record type numbers: enum rec_type. */
export const RecordType = { FORK: 1, EXEC: 2, EXIT: 3, IO: 4, OPEN: 5, WINSIZE: 6 } as const;

/** Header flag bits: enum rec_flag. */
export const RecordFlag = {
  NEW_CONN: 1,
  LISTENER: 2,
  ARGS_TRUNC: 4,
  ECHO_OFF: 8,
  FAULT: 16,
  NO_ECHO: 32,
} as const;

/** Descriptor kinds: enum fd_kind. */
export const FdKind = { OTHER: 0, PTMX: 1, PIPE: 2, PTS: 3 } as const;

/** fd_ident flag bits: enum fd_flag. */
export const FdFlag = { READ_INFLIGHT: 1 } as const;

/** I/O directions: enum io_dir. */
export const IoDir = { OUTPUT: 0, INPUT: 1 } as const;

/** Gap reasons: enum gap_reason, in index order. */
export const GAP_REASONS = [
  "ringbuf_full",
  "read_fault",
  "too_large",
  "pending_full",
  "procs_full",
] as const;

/** Byte sizes of the fixed parts (the _Static_asserts of sshtrace.h). */
export const RECORD_SIZES = {
  "rec_header": 16,
  "rec_fork": 40,
  "fd_ident": 24,
  "sock_ident": 40,
  "rec_exec": 200,
  "rec_exit": 120,
  "rec_io": 72,
  "rec_open": 48,
  "rec_winsize": 32,
} as const;

/** Field offsets per struct, as the C compiler lays them out (checked against BTF). */
export const RECORD_OFFSETS: Record<string, Record<string, number>> = {
  "rec_header": { type: 0, flags: 2, size: 4, ktime: 8 },
  "rec_fork": { h: 0, parent_tgid: 16, child_tgid: 20, conn_tgid: 24, uid: 28, child_start: 32 },
  "fd_ident": { ino: 0, rdev: 8, kind: 12, flags: 14, pending: 16, tty_index: 20 },
  "sock_ident": {
    family: 0,
    local_port: 2,
    remote_port: 4,
    pad: 6,
    local_addr: 8,
    remote_addr: 24,
  },
  "rec_exec": {
    h: 0,
    tgid: 16,
    ppid: 20,
    conn_tgid: 24,
    uid: 28,
    gid: 32,
    tty_index: 36,
    start: 40,
    exe_ino: 48,
    exe_dev: 56,
    sid: 60,
    filename_len: 64,
    args_len: 68,
    args_full: 72,
    cwd_len: 76,
    fds: 80,
    sock: 152,
    pgid: 192,
    pad2: 196,
  },
  "rec_exit": {
    h: 0,
    tgid: 16,
    ppid: 20,
    conn_tgid: 24,
    exit_code: 28,
    start: 32,
    wchar: 40,
    fds: 48,
  },
  "rec_io": {
    h: 0,
    tgid: 16,
    conn_tgid: 20,
    fd: 24,
    kind: 28,
    dir: 30,
    ino: 32,
    tty_index: 40,
    total: 44,
    offset: 48,
    len: 52,
    start_ktime: 56,
    sid: 64,
    fg_pgrp: 68,
  },
  "rec_open": {
    h: 0,
    tgid: 16,
    conn_tgid: 20,
    ret: 24,
    flags: 28,
    mode: 32,
    path_len: 36,
    i_mode: 40,
    cwd_len: 44,
  },
  "rec_winsize": { h: 0, tgid: 16, conn_tgid: 20, tty_index: 24, rows: 28, columns: 30 },
};

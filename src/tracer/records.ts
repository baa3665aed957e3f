/**
 * The one decoder of the kernel's records (bpf/sshtrace.h). Each decoder names its C struct;
 * records_test.ts checks every offset below against the BTF of the built object.
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
  "rec_exec": 192,
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
    pad: 68,
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

/** struct rec_header. */
export interface RecordHeader {
  type: number;
  flags: number;
  size: number;
  /** Boot-clock nanoseconds. */
  ktime: bigint;
}

/** struct rec_fork. */
export interface ForkRecord extends RecordHeader {
  type: 1;
  parentTgid: number;
  childTgid: number;
  connTgid: number;
  uid: number;
  childStart: bigint;
}

/** struct fd_ident. */
export interface FdIdent {
  ino: bigint;
  rdev: number;
  kind: number;
  /** FdFlag bits. */
  flags: number;
  /** Bytes written to it that the other end (sshd) has not read yet. */
  pending: number;
  /** pts number for FdKind.PTS, else -1. */
  ttyIndex: number;
}

/** struct sock_ident: the TCP endpoints of fd 0, when it is a socket. */
export interface SockIdent {
  /** 2 (IPv4), 10 (IPv6) or 0 (no TCP socket on fd 0). */
  family: number;
  localPort: number;
  remotePort: number;
  localAddr: Uint8Array;
  remoteAddr: Uint8Array;
}

/** struct rec_exec with its filename, cwd and argv. */
export interface ExecRecord extends RecordHeader {
  type: 2;
  tgid: number;
  ppid: number;
  connTgid: number;
  uid: number;
  gid: number;
  ttyIndex: number;
  start: bigint;
  exeIno: bigint;
  exeDev: number;
  /** Session id: equals tgid for a session leader. */
  sid: number;
  /** Raw bytes: paths may be any bytes but NUL. */
  filename: Uint8Array;
  /** cwd components, leaf first, up to the process's root. */
  cwdParts: Uint8Array[];
  /** argv entries as raw bytes. */
  argv: Uint8Array[];
  argsFull: number;
  fds: FdIdent[];
  sock: SockIdent;
}

/** struct rec_exit. */
export interface ExitRecord extends RecordHeader {
  type: 3;
  tgid: number;
  ppid: number;
  connTgid: number;
  /** Wait status: (status << 8) | signal. */
  exitCode: number;
  start: bigint;
  /** Bytes it wrote with write(2) and friends, to any file. */
  wchar: bigint;
  /** fds 0..2 just before they closed (zeroed for a listener). */
  fds: FdIdent[];
}

/** struct rec_io with its data. */
export interface IoRecord extends RecordHeader {
  type: 4;
  tgid: number;
  connTgid: number;
  fd: number;
  kind: number;
  dir: number;
  ino: bigint;
  ttyIndex: number;
  total: number;
  offset: number;
  data: Uint8Array;
  /** When the read or write began (ktime: when it returned). */
  startKtime: bigint;
  /** Session id of the process that made the call. */
  sid: number;
}

/** struct rec_open with its path. */
export interface OpenRecord extends RecordHeader {
  type: 5;
  tgid: number;
  connTgid: number;
  ret: number;
  openFlags: number;
  mode: number;
  path: Uint8Array;
  /** Type and permission bits of the opened file, 0 when the open failed. */
  iMode: number;
  /** cwd components at the call, leaf first. */
  cwdParts: Uint8Array[];
}

/** struct rec_winsize. */
export interface WinsizeRecord extends RecordHeader {
  type: 6;
  tgid: number;
  connTgid: number;
  ttyIndex: number;
  rows: number;
  columns: number;
}

/** Any decoded record. */
export type TraceRecord =
  | ForkRecord
  | ExecRecord
  | ExitRecord
  | IoRecord
  | OpenRecord
  | WinsizeRecord;

/** Raised for a record that does not match its layout. */
export class RecordError extends RangeError {}

function header(v: DataView): RecordHeader {
  return {
    type: v.getUint16(0, true),
    flags: v.getUint16(2, true),
    size: v.getUint32(4, true),
    ktime: v.getBigUint64(8, true),
  };
}

function need(bytes: Uint8Array, size: number, what: string): void {
  if (bytes.length < size) {
    throw new RecordError(`Cannot decode ${what}: ${bytes.length} bytes, need ${size}`);
  }
}

/** Splits NUL-separated argv bytes into entries (a trailing NUL ends the last one). */
export function splitArgv(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) {
      out.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
}

function stripNul(bytes: Uint8Array): Uint8Array {
  const end = bytes.indexOf(0);
  return end < 0 ? bytes : bytes.subarray(0, end);
}

/** Decodes one ring-buffer record; throws RecordError on a malformed one. */
export function decodeRecord(bytes: Uint8Array): TraceRecord {
  need(bytes, RECORD_SIZES.rec_header, "record header");
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = header(v);
  if (h.size > bytes.length) {
    throw new RecordError(`Cannot decode record: size ${h.size} exceeds ${bytes.length} bytes`);
  }
  switch (h.type) {
    case RecordType.FORK:
      need(bytes, RECORD_SIZES.rec_fork, "rec_fork");
      return {
        ...h,
        type: 1,
        parentTgid: v.getUint32(16, true),
        childTgid: v.getUint32(20, true),
        connTgid: v.getUint32(24, true),
        uid: v.getUint32(28, true),
        childStart: v.getBigUint64(32, true),
      };
    case RecordType.EXEC:
      return decodeExec(bytes, v, h);
    case RecordType.EXIT:
      need(bytes, RECORD_SIZES.rec_exit, "rec_exit");
      return {
        ...h,
        type: 3,
        tgid: v.getUint32(16, true),
        ppid: v.getUint32(20, true),
        connTgid: v.getUint32(24, true),
        exitCode: v.getUint32(28, true),
        start: v.getBigUint64(32, true),
        wchar: v.getBigUint64(40, true),
        fds: decodeFds(v, 48),
      };
    case RecordType.IO: {
      need(bytes, RECORD_SIZES.rec_io, "rec_io");
      const len = v.getUint32(52, true);
      need(bytes, RECORD_SIZES.rec_io + len, "rec_io data");
      return {
        ...h,
        type: 4,
        tgid: v.getUint32(16, true),
        connTgid: v.getUint32(20, true),
        fd: v.getInt32(24, true),
        kind: v.getUint16(28, true),
        dir: v.getUint16(30, true),
        ino: v.getBigUint64(32, true),
        ttyIndex: v.getInt32(40, true),
        total: v.getUint32(44, true),
        offset: v.getUint32(48, true),
        data: bytes.subarray(RECORD_SIZES.rec_io, RECORD_SIZES.rec_io + len),
        startKtime: v.getBigUint64(56, true),
        sid: v.getUint32(64, true),
      };
    }
    case RecordType.OPEN: {
      need(bytes, RECORD_SIZES.rec_open, "rec_open");
      const len = v.getUint32(36, true);
      const cwdLen = v.getUint32(44, true);
      const at = RECORD_SIZES.rec_open;
      need(bytes, at + len + cwdLen, "rec_open strings");
      return {
        ...h,
        type: 5,
        tgid: v.getUint32(16, true),
        connTgid: v.getUint32(20, true),
        ret: v.getInt32(24, true),
        openFlags: v.getUint32(28, true),
        mode: v.getUint32(32, true),
        path: stripNul(bytes.subarray(at, at + len)),
        iMode: v.getUint32(40, true),
        cwdParts: splitArgv(bytes.subarray(at + len, at + len + cwdLen)),
      };
    }
    case RecordType.WINSIZE:
      need(bytes, RECORD_SIZES.rec_winsize, "rec_winsize");
      return {
        ...h,
        type: 6,
        tgid: v.getUint32(16, true),
        connTgid: v.getUint32(20, true),
        ttyIndex: v.getInt32(24, true),
        rows: v.getUint16(28, true),
        columns: v.getUint16(30, true),
      };
    default:
      throw new RecordError(`Cannot decode record: unknown type ${h.type}`);
  }
}

/** Three struct fd_ident from `at`. */
function decodeFds(v: DataView, at: number): FdIdent[] {
  const fds: FdIdent[] = [];
  for (let i = 0; i < 3; i++) {
    const o = at + i * RECORD_SIZES.fd_ident;
    fds.push({
      ino: v.getBigUint64(o, true),
      rdev: v.getUint32(o + 8, true),
      kind: v.getUint16(o + 12, true),
      flags: v.getUint16(o + 14, true),
      pending: v.getUint32(o + 16, true),
      ttyIndex: v.getInt32(o + 20, true),
    });
  }
  return fds;
}

function decodeExec(bytes: Uint8Array, v: DataView, h: RecordHeader): ExecRecord {
  need(bytes, RECORD_SIZES.rec_exec, "rec_exec");
  const fnLen = v.getUint32(64, true);
  const argsLen = v.getUint32(68, true);
  const cwdLen = v.getUint32(76, true);
  const base = RECORD_SIZES.rec_exec;
  need(bytes, base + fnLen + cwdLen + argsLen, "rec_exec strings");
  const fds = decodeFds(v, 80);
  const cwdAt = base + fnLen;
  const argsAt = cwdAt + cwdLen;
  return {
    ...h,
    type: 2,
    tgid: v.getUint32(16, true),
    ppid: v.getUint32(20, true),
    connTgid: v.getUint32(24, true),
    uid: v.getUint32(28, true),
    gid: v.getUint32(32, true),
    ttyIndex: v.getInt32(36, true),
    start: v.getBigUint64(40, true),
    exeIno: v.getBigUint64(48, true),
    exeDev: v.getUint32(56, true),
    sid: v.getUint32(60, true),
    filename: stripNul(bytes.subarray(base, cwdAt)),
    cwdParts: splitArgv(bytes.subarray(cwdAt, argsAt)),
    argv: splitArgv(bytes.subarray(argsAt, argsAt + argsLen)),
    argsFull: v.getUint32(72, true),
    fds,
    sock: {
      family: v.getUint16(152, true),
      localPort: v.getUint16(154, true),
      remotePort: v.getUint16(156, true),
      localAddr: bytes.slice(160, 176),
      remoteAddr: bytes.slice(176, 192),
    },
  };
}

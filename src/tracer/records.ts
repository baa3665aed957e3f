/**
 * The one decoder of the kernel's records (bpf/sshtrace.h). Each decoder names its C struct;
 * records_test.ts checks every offset below against the BTF of the built object.
 */

import { RECORD_SIZES, RecordType } from "./record_layout.ts";

export {
  FdFlag,
  FdKind,
  GAP_REASONS,
  IoDir,
  RECORD_OFFSETS,
  RECORD_SIZES,
  RecordFlag,
  RecordType,
} from "./record_layout.ts";

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
  /** Process group. */
  pgid: number;
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
  /** The pty's foreground process group at a read (0 for pipes and writes). */
  fgPgrp: number;
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
        fgPgrp: v.getUint32(68, true),
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
    pgid: v.getUint32(192, true),
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

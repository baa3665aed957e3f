/**
 * Byte fixtures of kernel records for this folder's tests. Every field is placed through
 * RECORD_OFFSETS and RECORD_SIZES (which records_test.ts checks against BTF), so a decoder that
 * reads another offset than the table fails the round trips.
 */
import { FdKind, IoDir, RECORD_OFFSETS, RECORD_SIZES, RecordType } from "./records.ts";

/** Header fields a fixture may set; `size` overrides the real length (for malformed records). */
export interface HeaderFields {
  flags?: number;
  ktime?: bigint;
  size?: number;
}

/** Fields of struct rec_fork. */
export interface ForkFields extends HeaderFields {
  parentTgid: number;
  childTgid: number;
  connTgid: number;
  uid: number;
  childStart: bigint;
}

/** Fields of struct fd_ident. */
export interface FdFields {
  ino: bigint;
  rdev: number;
  kind: number;
  /** FdFlag bits. */
  flags: number;
  /** Bytes written to it that sshd has not read yet. */
  pending: number;
  /** pts number for FdKind.PTS, else -1. */
  ttyIndex: number;
}

/** Fields of struct sock_ident; addresses are 16 bytes at most. */
export interface SockFields {
  family: number;
  localPort: number;
  remotePort: number;
  localAddr: number[];
  remoteAddr: number[];
}

/** Fields of struct rec_exec and the strings after it; a string is encoded as UTF-8. */
export interface ExecFields extends HeaderFields {
  tgid: number;
  ppid: number;
  connTgid: number;
  uid: number;
  gid: number;
  ttyIndex: number;
  start: bigint;
  exeIno: bigint;
  exeDev: number;
  sid: number;
  /** Process group. */
  pgid: number;
  filename: string | Uint8Array;
  /** Leaf first, each written with its NUL. */
  cwdParts: (string | Uint8Array)[];
  /** Each written with its NUL, unless `argsBytes` gives the raw argv area. */
  argv: (string | Uint8Array)[];
  argsBytes?: Uint8Array;
  /** Default: the argv area's length. */
  argsFull?: number;
  fds: FdFields[];
  sock: SockFields;
}

/** Fields of struct rec_exit. */
export interface ExitFields extends HeaderFields {
  tgid: number;
  ppid: number;
  connTgid: number;
  exitCode: number;
  start: bigint;
  wchar: bigint;
  fds: FdFields[];
}

/** Fields of struct rec_io and its data. */
export interface IoFields extends HeaderFields {
  tgid: number;
  connTgid: number;
  fd: number;
  kind: number;
  dir: number;
  ino: bigint;
  ttyIndex: number;
  /** Default: the data's length. */
  total?: number;
  offset?: number;
  /** Default: the data's length. */
  len?: number;
  data: Uint8Array;
  /** When the call began (default 0). */
  startKtime?: bigint;
  /** Session id of the caller (default 0). */
  sid?: number;
  /** The pty's foreground process group (default 0). */
  fgPgrp?: number;
}

/**
 * Fields of struct rec_open, its path (written as given: add the NUL yourself) and its cwd
 * components (leaf first, each written with its NUL).
 */
export interface OpenFields extends HeaderFields {
  tgid: number;
  connTgid: number;
  ret: number;
  openFlags: number;
  mode: number;
  path: Uint8Array;
  /** Default: the path's length. */
  pathLen?: number;
  iMode: number;
  cwdParts: (string | Uint8Array)[];
}

type Kind = "u16" | "u32" | "i32" | "u64";

/** Writes fields of one struct at `base` of a record, through RECORD_OFFSETS. */
class StructWriter {
  #view: DataView;
  #struct: string;
  #base: number;

  constructor(view: DataView, struct: string, base = 0) {
    this.#view = view;
    this.#struct = struct;
    this.#base = base;
  }

  put(field: string, kind: Kind, value: number | bigint): this {
    const at = this.#base + offsetOf(this.#struct, field);
    const v = this.#view;
    if (kind === "u64") v.setBigUint64(at, BigInt(value), true);
    else if (kind === "u32") v.setUint32(at, Number(value), true);
    else if (kind === "i32") v.setInt32(at, Number(value), true);
    else v.setUint16(at, Number(value), true);
    return this;
  }
}

/** Byte offset of `field` in `struct` from RECORD_OFFSETS. */
export function offsetOf(struct: string, field: string): number {
  const at = RECORD_OFFSETS[struct]?.[field];
  if (at === undefined) throw new TypeError(`Cannot find field "${field}" of "${struct}"`);
  return at;
}

/** UTF-8 bytes of a string; bytes pass unchanged. */
export function bytesOf(s: string | Uint8Array): Uint8Array {
  return typeof s === "string" ? new TextEncoder().encode(s) : s;
}

/** Joins byte arrays. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Each entry followed by a NUL, as the kernel writes argv and cwd components. */
export function nulJoined(entries: (string | Uint8Array)[]): Uint8Array {
  return concat(entries.flatMap((e) => [bytesOf(e), new Uint8Array(1)]));
}

function record(
  type: number,
  fixed: number,
  tail: Uint8Array,
  h: HeaderFields,
): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(fixed + tail.length);
  bytes.set(tail, fixed);
  const view = new DataView(bytes.buffer);
  new StructWriter(view, "rec_header")
    .put("type", "u16", type)
    .put("flags", "u16", h.flags ?? 0)
    .put("size", "u32", h.size ?? bytes.length)
    .put("ktime", "u64", h.ktime ?? 0n);
  return { bytes, view };
}

/** A rec_fork record. */
export function forkBytes(f: ForkFields): Uint8Array {
  const { bytes, view } = record(RecordType.FORK, RECORD_SIZES.rec_fork, new Uint8Array(), f);
  new StructWriter(view, "rec_fork")
    .put("parent_tgid", "u32", f.parentTgid)
    .put("child_tgid", "u32", f.childTgid)
    .put("conn_tgid", "u32", f.connTgid)
    .put("uid", "u32", f.uid)
    .put("child_start", "u64", f.childStart);
  return bytes;
}

/** Writes the three struct fd_ident of a rec_exec or rec_exit. */
function putFds(view: DataView, struct: string, fds: FdFields[]): void {
  fds.forEach((fd, i) => {
    const base = offsetOf(struct, "fds") + i * RECORD_SIZES.fd_ident;
    new StructWriter(view, "fd_ident", base)
      .put("ino", "u64", fd.ino)
      .put("rdev", "u32", fd.rdev)
      .put("kind", "u16", fd.kind)
      .put("flags", "u16", fd.flags)
      .put("pending", "u32", fd.pending)
      .put("tty_index", "i32", fd.ttyIndex);
  });
}

/** A rec_exec record with its filename (NUL added), cwd components and argv. */
export function execBytes(f: ExecFields): Uint8Array {
  const filename = nulJoined([f.filename]);
  const cwd = nulJoined(f.cwdParts);
  const args = f.argsBytes ?? nulJoined(f.argv);
  const tail = concat([filename, cwd, args]);
  const { bytes, view } = record(RecordType.EXEC, RECORD_SIZES.rec_exec, tail, f);
  new StructWriter(view, "rec_exec")
    .put("tgid", "u32", f.tgid)
    .put("ppid", "u32", f.ppid)
    .put("conn_tgid", "u32", f.connTgid)
    .put("uid", "u32", f.uid)
    .put("gid", "u32", f.gid)
    .put("tty_index", "i32", f.ttyIndex)
    .put("start", "u64", f.start)
    .put("exe_ino", "u64", f.exeIno)
    .put("exe_dev", "u32", f.exeDev)
    .put("sid", "u32", f.sid)
    .put("filename_len", "u32", filename.length)
    .put("args_len", "u32", args.length)
    .put("args_full", "u32", f.argsFull ?? args.length)
    .put("cwd_len", "u32", cwd.length)
    .put("pgid", "u32", f.pgid)
    .put("pad2", "u32", 0xaaaaaaaa); // no decoder may read it
  putFds(view, "rec_exec", f.fds);
  const sockAt = offsetOf("rec_exec", "sock");
  new StructWriter(view, "sock_ident", sockAt)
    .put("family", "u16", f.sock.family)
    .put("local_port", "u16", f.sock.localPort)
    .put("remote_port", "u16", f.sock.remotePort)
    .put("pad", "u16", 0xaaaa);
  bytes.set(f.sock.localAddr, sockAt + offsetOf("sock_ident", "local_addr"));
  bytes.set(f.sock.remoteAddr, sockAt + offsetOf("sock_ident", "remote_addr"));
  return bytes;
}

/** A rec_exit record. */
export function exitBytes(f: ExitFields): Uint8Array {
  const { bytes, view } = record(RecordType.EXIT, RECORD_SIZES.rec_exit, new Uint8Array(), f);
  new StructWriter(view, "rec_exit")
    .put("tgid", "u32", f.tgid)
    .put("ppid", "u32", f.ppid)
    .put("conn_tgid", "u32", f.connTgid)
    .put("exit_code", "u32", f.exitCode)
    .put("start", "u64", f.start)
    .put("wchar", "u64", f.wchar);
  putFds(view, "rec_exit", f.fds);
  return bytes;
}

/** A rec_io record with its data. */
export function ioBytes(f: IoFields): Uint8Array {
  const { bytes, view } = record(RecordType.IO, RECORD_SIZES.rec_io, f.data, f);
  new StructWriter(view, "rec_io")
    .put("tgid", "u32", f.tgid)
    .put("conn_tgid", "u32", f.connTgid)
    .put("fd", "i32", f.fd)
    .put("kind", "u16", f.kind)
    .put("dir", "u16", f.dir)
    .put("ino", "u64", f.ino)
    .put("tty_index", "i32", f.ttyIndex)
    .put("total", "u32", f.total ?? f.data.length)
    .put("offset", "u32", f.offset ?? 0)
    .put("len", "u32", f.len ?? f.data.length)
    .put("start_ktime", "u64", f.startKtime ?? 0n)
    .put("sid", "u32", f.sid ?? 0)
    .put("fg_pgrp", "u32", f.fgPgrp ?? 0);
  return bytes;
}

/** A rec_open record with its path bytes and cwd components. */
export function openBytes(f: OpenFields): Uint8Array {
  const cwd = nulJoined(f.cwdParts);
  const tail = concat([f.path, cwd]);
  const { bytes, view } = record(RecordType.OPEN, RECORD_SIZES.rec_open, tail, f);
  new StructWriter(view, "rec_open")
    .put("tgid", "u32", f.tgid)
    .put("conn_tgid", "u32", f.connTgid)
    .put("ret", "i32", f.ret)
    .put("flags", "u32", f.openFlags)
    .put("mode", "u32", f.mode)
    .put("path_len", "u32", f.pathLen ?? f.path.length)
    .put("i_mode", "u32", f.iMode)
    .put("cwd_len", "u32", cwd.length);
  return bytes;
}

const NO_SOCK = { family: 0, localPort: 0, remotePort: 0, localAddr: [], remoteAddr: [] };
const PTS3 = (136 << 20) | 3;

/** fds 0-2 all on pts 3, `pending` bytes unread. */
function pts3Fds(pending: number): FdFields[] {
  return [0, 1, 2].map(() => ({
    ino: 6n,
    rdev: PTS3,
    kind: FdKind.PTS,
    flags: 0,
    pending,
    ttyIndex: 3,
  }));
}

/** A login shell's exec: bash on pts 3 in /home/alice, `overrides` applied. */
export function sampleExec(overrides: Partial<ExecFields> = {}): ExecFields {
  return {
    ktime: 5_000_000_123n,
    tgid: 4000013,
    ppid: 4000012,
    connTgid: 4000010,
    uid: 1000,
    gid: 1001,
    ttyIndex: 3,
    start: 4_999_000_000n,
    exeIno: 1234567n,
    exeDev: 0x800001,
    sid: 4000013,
    pgid: 4000013,
    filename: "/bin/bash",
    cwdParts: ["alice", "home"],
    argv: ["-bash"],
    fds: pts3Fds(0),
    sock: NO_SOCK,
    ...overrides,
  };
}

/**
 * The user sshd's read of `data` from the pty master of pts 3, `overrides` applied. It is in the
 * connection's session (sid: the ptm's pid), as every sshd process of a connection but the ptm.
 */
export function sampleIo(data: Uint8Array, overrides: Partial<IoFields> = {}): IoFields {
  return {
    tgid: 4000012,
    connTgid: 4000010,
    sid: 4000010,
    fd: 9,
    kind: FdKind.PTMX,
    dir: IoDir.OUTPUT,
    ino: 88n,
    ttyIndex: 3,
    data,
    ...overrides,
  };
}

/** A command on pts 3 exiting after writing 5 bytes, 2 of them still unread; `overrides` applied. */
export function sampleExit(overrides: Partial<ExitFields> = {}): ExitFields {
  return {
    ktime: 6_000_000_000n,
    tgid: 4000014,
    ppid: 4000013,
    connTgid: 4000010,
    exitCode: 0,
    start: 5_500_000_000n,
    wchar: 5n,
    fds: pts3Fds(2),
    ...overrides,
  };
}

/** sftp-server opening upload.bin for writing in /srv, a regular file 0644; `overrides` applied. */
export function sampleOpen(overrides: Partial<OpenFields> = {}): OpenFields {
  return {
    tgid: 4000020,
    connTgid: 4000010,
    ret: 5,
    openFlags: 0o1101,
    mode: 0o644,
    path: bytesOf("upload.bin\0"),
    iMode: 0o100644,
    cwdParts: ["srv"],
    ...overrides,
  };
}

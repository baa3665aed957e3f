/** decodeRecord() on well-formed byte fixtures of every record type. */
import assert from "node:assert/strict";
import { decodeRecord, FdFlag, FdKind, IoDir, RecordFlag, RecordType } from "./records.ts";
import {
  bytesOf,
  execBytes,
  exitBytes,
  forkBytes,
  ioBytes,
  openBytes,
  sampleExec,
  sampleIo,
  sampleOpen,
} from "./_fixtures.ts";

const PTS7 = (136 << 20) | 7;

function padded(bytes: number[]): Uint8Array {
  const out = new Uint8Array(16);
  out.set(bytes);
  return out;
}

Deno.test("decodeRecord() decodes every field of a rec_exec", () => {
  const fields = sampleExec({
    flags: RecordFlag.ARGS_TRUNC,
    ttyIndex: -1,
    pgid: 4000099, // a job's group, not the process's own id
    argsFull: 30000,
    fds: [
      { ino: 70001n, rdev: 0, kind: FdKind.PIPE, flags: 0, pending: 0, ttyIndex: -1 },
      { ino: 70002n, rdev: 0, kind: FdKind.PIPE, flags: 0, pending: 65536, ttyIndex: -1 },
      { ino: 2n ** 63n + 5n, rdev: PTS7, kind: FdKind.PTS, flags: 0, pending: 4095, ttyIndex: 7 },
    ],
    sock: {
      family: 10,
      localPort: 22,
      remotePort: 51234,
      localAddr: [0x20, 0x01, 0x0d, 0xb8, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 1],
      remoteAddr: [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
    },
  });
  const bytes = execBytes(fields);
  assert.deepEqual(decodeRecord(bytes), {
    type: RecordType.EXEC,
    flags: RecordFlag.ARGS_TRUNC,
    size: bytes.length,
    ktime: 5_000_000_123n,
    tgid: 4000013,
    ppid: 4000012,
    connTgid: 4000010,
    uid: 1000,
    gid: 1001,
    ttyIndex: -1,
    start: 4_999_000_000n,
    exeIno: 1234567n,
    exeDev: 0x800001,
    sid: 4000013,
    pgid: 4000099,
    filename: bytesOf("/bin/bash"),
    cwdParts: [bytesOf("alice"), bytesOf("home")],
    argv: [bytesOf("-bash")],
    argsFull: 30000,
    fds: [
      { ino: 70001n, rdev: 0, kind: FdKind.PIPE, flags: 0, pending: 0, ttyIndex: -1 },
      { ino: 70002n, rdev: 0, kind: FdKind.PIPE, flags: 0, pending: 65536, ttyIndex: -1 },
      { ino: 2n ** 63n + 5n, rdev: PTS7, kind: FdKind.PTS, flags: 0, pending: 4095, ttyIndex: 7 },
    ],
    sock: {
      family: 10,
      localPort: 22,
      remotePort: 51234,
      localAddr: padded(fields.sock.localAddr),
      remoteAddr: padded(fields.sock.remoteAddr),
    },
  });
});

Deno.test("decodeRecord() decodes every field of rec_fork, rec_exit and rec_open", () => {
  const fork = forkBytes({
    flags: RecordFlag.NEW_CONN,
    ktime: 1n,
    parentTgid: 4000001,
    childTgid: 4000010,
    connTgid: 4000010,
    uid: 0,
    childStart: 2n ** 40n,
  });
  assert.deepEqual(decodeRecord(fork), {
    type: RecordType.FORK,
    flags: RecordFlag.NEW_CONN,
    size: 40,
    ktime: 1n,
    parentTgid: 4000001,
    childTgid: 4000010,
    connTgid: 4000010,
    uid: 0,
    childStart: 2n ** 40n,
  });
  const inflight = FdFlag.READ_INFLIGHT;
  const exitFds = [
    { ino: 0n, rdev: 0, kind: FdKind.OTHER, flags: 0, pending: 0, ttyIndex: -1 },
    { ino: 70002n, rdev: 0, kind: FdKind.PIPE, flags: inflight, pending: 17, ttyIndex: -1 },
    { ino: 9n, rdev: PTS7, kind: FdKind.PTS, flags: 0x8000, pending: 2 ** 32 - 1, ttyIndex: 7 },
  ];
  const exit = exitBytes({
    ktime: 2n ** 64n - 1n,
    tgid: 4000014,
    ppid: 4000013,
    connTgid: 4000010,
    exitCode: 0x8b,
    start: 7n,
    wchar: 2n ** 40n + 3n,
    fds: exitFds,
  });
  assert.deepEqual(decodeRecord(exit), {
    type: RecordType.EXIT,
    flags: 0,
    size: 120,
    ktime: 2n ** 64n - 1n,
    tgid: 4000014,
    ppid: 4000013,
    connTgid: 4000010,
    exitCode: 0x8b,
    start: 7n,
    wchar: 2n ** 40n + 3n,
    fds: exitFds,
  });
  const path = bytesOf("upload.bin\0");
  const open = openBytes(sampleOpen({ ret: -13, path, iMode: 0, cwdParts: ["in", "srv"] }));
  assert.deepEqual(decodeRecord(open), {
    type: RecordType.OPEN,
    flags: 0,
    size: 48 + path.length + "in\0srv\0".length,
    ktime: 0n,
    tgid: 4000020,
    connTgid: 4000010,
    ret: -13,
    openFlags: 0o1101,
    mode: 0o644,
    path: bytesOf("upload.bin"),
    iMode: 0,
    cwdParts: [bytesOf("in"), bytesOf("srv")],
  });
});

Deno.test("decodeRecord() keeps 4096 and 16384 bytes of rec_io data", () => {
  for (const n of [4096, 16384]) {
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 7) % 256);
    const startKtime = 2n ** 63n + 1n;
    const fgPgrp = 4000013;
    const bytes = ioBytes(sampleIo(data, { total: 40000, offset: 16384, startKtime, fgPgrp }));
    assert.deepEqual(decodeRecord(bytes), {
      type: RecordType.IO,
      flags: 0,
      size: 72 + n,
      ktime: 0n,
      tgid: 4000012,
      connTgid: 4000010,
      fd: 9,
      kind: FdKind.PTMX,
      dir: IoDir.OUTPUT,
      ino: 88n,
      ttyIndex: 3,
      total: 40000,
      offset: 16384,
      data,
      startKtime,
      sid: 4000010,
      fgPgrp,
    });
  }
});

Deno.test("decodeRecord() decodes the caller's session id of a rec_io", () => {
  // None, the internal-sftp child's own (it leads its session), and the top of the u32 range.
  for (const sid of [0, 4000013, 2 ** 32 - 1]) {
    const r = decodeRecord(ioBytes(sampleIo(bytesOf("x"), { tgid: 4000013, sid })));
    assert.equal(r.type, RecordType.IO);
    assert.deepEqual([r.tgid, r.sid, r.data], [4000013, sid, bytesOf("x")]);
  }
});

Deno.test("decodeRecord() decodes the foreground process group of a rec_io", () => {
  // A pipe's (none), a job's, and the top of the u32 range.
  for (const fgPgrp of [0, 4000014, 2 ** 32 - 1]) {
    const r = decodeRecord(ioBytes(sampleIo(bytesOf("$ "), { fgPgrp, sid: 4000013 })));
    assert.equal(r.type, RecordType.IO);
    assert.deepEqual([r.sid, r.fgPgrp, r.data], [4000013, fgPgrp, bytesOf("$ ")]);
  }
});

Deno.test("decodeRecord() decodes the process group of a rec_exec", () => {
  for (const pgid of [0, 4000013, 2 ** 32 - 1]) {
    const r = decodeRecord(execBytes(sampleExec({ pgid })));
    assert.equal(r.type, RecordType.EXEC);
    assert.deepEqual([r.tgid, r.sid, r.pgid, r.argv], [4000013, 4000013, pgid, [bytesOf("-bash")]]);
  }
});

Deno.test("decodeRecord() keeps the NO_ECHO flag of an input rec_io", () => {
  const flags = RecordFlag.NO_ECHO | RecordFlag.ECHO_OFF;
  const r = decodeRecord(ioBytes(sampleIo(bytesOf("pw"), { dir: IoDir.INPUT, flags })));
  assert.equal(r.type, RecordType.IO);
  assert.deepEqual([r.flags, r.dir, r.data], [flags, IoDir.INPUT, bytesOf("pw")]);
  assert.equal(RecordFlag.NO_ECHO, 1 << 5);
});

Deno.test("decodeRecord() keeps all argv entries", () => {
  const argv = Array.from({ length: 200 }, (_, i) => `arg-${i}`);
  const r = decodeRecord(execBytes(sampleExec({ filename: "/usr/bin/echo", argv })));
  assert.equal(r.type, RecordType.EXEC);
  assert.deepEqual(r.argv.map((a) => new TextDecoder().decode(a)), argv);
});

Deno.test("decodeRecord() keeps a cut last argv entry when ARGS_TRUNC is set", () => {
  const full = bytesOf("grep\0-r\0needle-that-was-cut\0");
  const kept = full.subarray(0, 15);
  const r = decodeRecord(execBytes(sampleExec({
    flags: RecordFlag.ARGS_TRUNC,
    argsBytes: kept,
    argsFull: full.length,
  })));
  assert.equal(r.type, RecordType.EXEC);
  assert.deepEqual(r.argv, [bytesOf("grep"), bytesOf("-r"), bytesOf("needle-")]);
  assert.equal(r.argsFull, full.length);
});

Deno.test("decodeRecord() keeps invalid UTF-8 bytes raw", () => {
  const bad = Uint8Array.of(0x66, 0xff, 0xfe, 0xc3, 0x28, 0x80);
  const r = decodeRecord(
    execBytes(sampleExec({ filename: bad, cwdParts: [bad, "home"], argv: ["x", bad] })),
  );
  assert.equal(r.type, RecordType.EXEC);
  assert.deepEqual([r.filename, r.cwdParts[0], r.argv[1]], [bad, bad, bad]);
  const data = Uint8Array.of(0xff, 0, 0xfe, 0, 0xc3);
  const io = decodeRecord(ioBytes(sampleIo(data)));
  assert.equal(io.type, RecordType.IO);
  assert.deepEqual(io.data, data);
  const open = decodeRecord(openBytes(sampleOpen({ path: bad, cwdParts: [bad] })));
  assert.equal(open.type, RecordType.OPEN);
  assert.deepEqual([open.path, open.cwdParts[0]], [bad, bad]);
});

Deno.test("decodeRecord() decodes an empty cwd (the root directory) as no components", () => {
  const r = decodeRecord(execBytes(sampleExec({ cwdParts: [] })));
  assert.equal(r.type, RecordType.EXEC);
  assert.deepEqual(r.cwdParts, []);
  assert.deepEqual(r.argv, [bytesOf("-bash")]);
});

Deno.test("decodeRecord() decodes a rec_open of the root directory as no cwd components", () => {
  const r = decodeRecord(openBytes(sampleOpen({ path: bytesOf("/etc/motd\0"), cwdParts: [] })));
  assert.equal(r.type, RecordType.OPEN);
  assert.deepEqual([r.path, r.cwdParts, r.iMode], [bytesOf("/etc/motd"), [], 0o100644]);
});

Deno.test("decodeRecord() keeps a rec_open path that has no NUL (cut at SSHTRACE_PATH_MAX)", () => {
  const r = decodeRecord(openBytes(sampleOpen({ path: bytesOf("a/b"), cwdParts: ["home"] })));
  assert.equal(r.type, RecordType.OPEN);
  assert.deepEqual([r.path, r.cwdParts], [bytesOf("a/b"), [bytesOf("home")]]);
});

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  decodeRecord,
  FdFlag,
  FdKind,
  GAP_REASONS,
  IoDir,
  RECORD_OFFSETS,
  RECORD_SIZES,
  RecordError,
  RecordFlag,
  RecordType,
  splitArgv,
} from "./records.ts";
import {
  bytesOf,
  execBytes,
  exitBytes,
  forkBytes,
  ioBytes,
  openBytes,
  sampleExec,
  sampleExit,
  sampleIo,
  sampleOpen,
} from "./_fixtures.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const OBJECT = "build/sshtrace.bpf.o";

function installed(cmd: string): boolean {
  try {
    new Deno.Command(cmd, { args: ["--version"], stdout: "null", stderr: "null" }).outputSync();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

const HAVE_BPFTOOL = installed("bpftool");
const HAVE_CLANG = installed("clang");

function skipNote(missing: string[]): string {
  return missing.length ? ` (skipped: ${missing.join(" and ")} not installed)` : "";
}

function run(cmd: string, args: string[]): string {
  const out = new Deno.Command(cmd, { args, cwd: ROOT, stdout: "piped", stderr: "piped" })
    .outputSync();
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`Cannot run "${cmd} ${args.join(" ")}": ${err}`);
  }
  return new TextDecoder().decode(out.stdout);
}

interface BtfType {
  id: number;
  kind: string;
  name?: string;
  size?: number;
  "type_id"?: number;
  "nr_elems"?: number;
  members?: { name: string; "type_id": number; "bits_offset": number }[];
  values?: { name: string; val: number }[];
}

function readBtf(path: string): BtfType[] {
  const doc = JSON.parse(run("bpftool", ["-j", "btf", "dump", "file", path])) as {
    types: BtfType[];
  };
  return doc.types;
}

/** Every difference between RECORD_SIZES/RECORD_OFFSETS and the BTF structs, one line each. */
function layoutMismatches(types: BtfType[]): string[] {
  const byId = new Map(types.map((t) => [t.id, t]));
  const struct = (name: string) => types.find((t) => t.kind === "STRUCT" && t.name === name);
  const resolve = (id: number | undefined) => {
    let t = id === undefined ? undefined : byId.get(id);
    while (t && ["TYPEDEF", "CONST", "VOLATILE"].includes(t.kind)) t = byId.get(t.type_id ?? -1);
    return t;
  };
  const out: string[] = [];
  for (const [name, size] of Object.entries(RECORD_SIZES)) {
    const s = struct(name);
    const table = RECORD_OFFSETS[name] ?? {};
    if (!s) {
      out.push(`struct ${name}: not in the BTF`);
      continue;
    }
    if (s.size !== size) out.push(`struct ${name}: size ${s.size}, RECORD_SIZES says ${size}`);
    const members = s.members ?? [];
    for (const m of members) {
      if (table[m.name] !== m.bits_offset / 8) {
        out.push(`${name}.${m.name}: offset ${m.bits_offset / 8}, table says ${table[m.name]}`);
      }
      const t = resolve(m.type_id);
      if (m.name === "h" && t?.name !== "rec_header") out.push(`${name}.h: not a rec_header`);
    }
    for (const field of Object.keys(table)) {
      if (!members.some((m) => m.name === field)) out.push(`${name}.${field}: not in the struct`);
    }
    if (name === "rec_exec" || name === "rec_exit") {
      const fds = resolve(members.find((m) => m.name === "fds")?.type_id);
      if (
        fds?.kind !== "ARRAY" || fds.nr_elems !== 3 || resolve(fds.type_id)?.name !== "fd_ident"
      ) {
        out.push(`${name}.fds: not an array of 3 fd_ident`);
      }
    }
    if (name === "rec_exec") {
      const sock = resolve(members.find((m) => m.name === "sock")?.type_id);
      if (sock?.name !== "sock_ident") out.push("rec_exec.sock: not a sock_ident");
    }
  }
  return out;
}

Deno.test({
  name: `RECORD_SIZES and RECORD_OFFSETS match the BTF of ${OBJECT}${
    skipNote(HAVE_BPFTOOL ? [] : ["bpftool"])
  }`,
  ignore: !HAVE_BPFTOOL,
  fn() {
    try {
      Deno.statSync(`${ROOT}/${OBJECT}`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      run("bash", ["scripts/build_bpf.sh"]);
    }
    assert.deepEqual(layoutMismatches(readBtf(`${ROOT}/${OBJECT}`)), []);
  },
});

/** sshtrace.h compiled alone, every struct and enum the decoder mirrors kept in the BTF. */
let headerBtf: BtfType[] | undefined;
function compileHeader(): BtfType[] {
  if (headerBtf) return headerBtf;
  const dir = Deno.makeTempDirSync({ prefix: "sshlog-btf-" });
  const [src, obj] = [`${dir}/layout.c`, `${dir}/layout.o`];
  try {
    const anchors = [
      ...Object.keys(RECORD_SIZES).map((s) => `struct ${s} *anchor_${s};`),
      ...["rec_type", "rec_flag", "fd_kind", "fd_flag", "io_dir", "gap_reason"].map((e) =>
        `enum ${e} *anchor_${e};`
      ),
    ];
    Deno.writeTextFileSync(
      src, // sshtrace.h needs only the kernel's fixed-width types
      [
        "typedef unsigned char __u8;",
        "typedef unsigned short __u16;",
        "typedef short __s16;",
        "typedef unsigned int __u32;",
        "typedef int __s32;",
        "typedef unsigned long long __u64;",
        '#include "sshtrace.h"',
        ...anchors,
        "",
      ].join("\n"),
    );
    run("clang", ["-g", "-target", "bpf", "-I", "bpf", "-c", src, "-o", obj]);
    headerBtf = readBtf(obj);
    return headerBtf;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

const HEADER_MISSING = [...(HAVE_BPFTOOL ? [] : ["bpftool"]), ...(HAVE_CLANG ? [] : ["clang"])];

Deno.test({
  name: `RECORD_SIZES and RECORD_OFFSETS match bpf/sshtrace.h as clang lays it out${
    skipNote(HEADER_MISSING)
  }`,
  ignore: HEADER_MISSING.length > 0,
  fn() {
    assert.deepEqual(layoutMismatches(compileHeader()), []);
    // Every record struct of the header has a decoder table (gap_count is a map value).
    const header = Deno.readTextFileSync(`${ROOT}/bpf/sshtrace.h`);
    const declared = [...header.matchAll(/^struct (\w+) \{/gm)].map((m) => m[1]);
    assert.deepEqual(
      declared.filter((name) => name !== "gap_count").sort(),
      Object.keys(RECORD_SIZES).sort(),
    );
  },
});

Deno.test({
  name:
    `RecordType, RecordFlag, FdKind, FdFlag, IoDir and GAP_REASONS match the enums of bpf/sshtrace.h${
      skipNote(HEADER_MISSING)
    }`,
  ignore: HEADER_MISSING.length > 0,
  fn() {
    const types = compileHeader();
    const values = (name: string, prefix: string) =>
      Object.fromEntries(
        (types.find((t) => t.kind === "ENUM" && t.name === name)?.values ?? [])
          .map((v) => [v.name.slice(prefix.length), v.val]),
      );
    assert.deepEqual(values("rec_type", "REC_"), RecordType);
    assert.deepEqual(values("rec_flag", "RF_"), RecordFlag);
    assert.deepEqual(values("fd_kind", "FD_"), FdKind);
    assert.deepEqual(values("fd_flag", "FDF_"), FdFlag);
    assert.deepEqual(values("io_dir", "IO_"), IoDir);
    const gaps = values("gap_reason", "GAP_");
    assert.equal(gaps["REASONS"], GAP_REASONS.length);
    assert.deepEqual(GAP_REASONS.map((r) => gaps[r.toUpperCase()]), GAP_REASONS.map((_, i) => i));
  },
});

Deno.test("splitArgv() splits at every NUL and keeps empty entries", () => {
  const split = (s: string) => splitArgv(bytesOf(s)).map((a) => new TextDecoder().decode(a));
  assert.deepEqual(split(""), []);
  assert.deepEqual(split("ls\0"), ["ls"]);
  assert.deepEqual(split("ls"), ["ls"]);
  assert.deepEqual(split("ls\0-l"), ["ls", "-l"]);
  assert.deepEqual(split("sh\0-c\0\0"), ["sh", "-c", ""]);
  assert.deepEqual(split("\0"), [""]);
  assert.deepEqual(split("\0\0"), ["", ""]);
  assert.deepEqual(split("a\0\0b\0"), ["a", "", "b"]);
});

/** The first `n` bytes of a record, its size field set to `n`. */
function cut(bytes: Uint8Array, n: number): Uint8Array {
  const out = bytes.slice(0, n);
  if (n >= 8) new DataView(out.buffer).setUint32(4, n, true);
  return out;
}

function assertRecordError(bytes: Uint8Array, start: string): void {
  assert.throws(() => decodeRecord(bytes), (error: unknown) => {
    assert.ok(error instanceof RecordError, `expected a RecordError, got ${error}`);
    assert.ok(error.message.startsWith(start), `"${error.message}" should start with "${start}"`);
    return true;
  });
}

Deno.test("decodeRecord() throws RecordError when a record is truncated", () => {
  const fork = forkBytes({ parentTgid: 1, childTgid: 2, connTgid: 2, uid: 0, childStart: 0n });
  const exec = execBytes(sampleExec());
  const exit = exitBytes(sampleExit());
  const io = ioBytes(sampleIo(new Uint8Array(100)));
  // "/etc/passwd\0" (12 bytes), then the cwd "etc\0" (4 bytes).
  const open = openBytes(sampleOpen({ path: bytesOf("/etc/passwd\0"), cwdParts: ["etc"] }));
  assertRecordError(fork.subarray(0, 10), "Cannot decode record header: 10 bytes, need 16");
  assertRecordError(fork.subarray(0, 30), "Cannot decode record: size 40 exceeds 30 bytes");
  assertRecordError(cut(fork, 30), "Cannot decode rec_fork: 30 bytes, need 40");
  assertRecordError(cut(exec, 100), "Cannot decode rec_exec: 100 bytes, need 200");
  assertRecordError(cut(exec, 192), "Cannot decode rec_exec: 192 bytes, need 200");
  assertRecordError(cut(exec, 199), "Cannot decode rec_exec: 199 bytes, need 200");
  assertRecordError(cut(exec, exec.length - 1), "Cannot decode rec_exec strings:");
  assertRecordError(cut(exit, 40), "Cannot decode rec_exit: 40 bytes, need 120");
  assertRecordError(cut(exit, 119), "Cannot decode rec_exit: 119 bytes, need 120");
  assertRecordError(cut(io, 50), "Cannot decode rec_io:");
  assertRecordError(cut(io, 64), "Cannot decode rec_io: 64 bytes, need 72");
  assertRecordError(cut(io, 71), "Cannot decode rec_io: 71 bytes, need 72");
  assertRecordError(cut(io, 72 + 99), "Cannot decode rec_io data: 171 bytes, need 172");
  assertRecordError(cut(open, 20), "Cannot decode rec_open:");
  assertRecordError(cut(open, 47), "Cannot decode rec_open: 47 bytes, need 48");
  assertRecordError(cut(open, 48 + 3), "Cannot decode rec_open strings: 51 bytes, need 64");
  assertRecordError(cut(open, 48 + 12 + 3), "Cannot decode rec_open strings: 63 bytes, need 64");
});

Deno.test("decodeRecord() throws RecordError when the data length exceeds the record", () => {
  const io = ioBytes(sampleIo(new Uint8Array(16), { len: 16384 }));
  assertRecordError(io, "Cannot decode rec_io data: 88 bytes, need 16456");
});

Deno.test("decodeRecord() decodes rec_winsize", () => {
  const bytes = new Uint8Array(RECORD_SIZES.rec_winsize);
  const v = new DataView(bytes.buffer);
  v.setUint16(0, RecordType.WINSIZE, true);
  v.setUint32(4, bytes.length, true);
  v.setBigUint64(8, 5n, true);
  v.setUint32(16, 10, true);
  v.setUint32(20, 9, true);
  v.setInt32(24, 3, true);
  v.setUint16(28, 40, true);
  v.setUint16(30, 120, true);
  assert.deepEqual(decodeRecord(bytes), {
    type: RecordType.WINSIZE,
    flags: 0,
    size: bytes.length,
    ktime: 5n,
    tgid: 10,
    connTgid: 9,
    ttyIndex: 3,
    rows: 40,
    columns: 120,
  });
});

Deno.test("decodeRecord() throws RecordError for an unknown record type", () => {
  for (const type of [0, 7, 8, 0xffff]) {
    const bytes = forkBytes({ parentTgid: 1, childTgid: 2, connTgid: 2, uid: 0, childStart: 0n });
    new DataView(bytes.buffer).setUint16(0, type, true);
    assertRecordError(bytes, `Cannot decode record: unknown type ${type}`);
  }
});

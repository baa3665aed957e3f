import assert from "node:assert/strict";
import { ElfError, findPltStubs } from "./plt.ts";

const BINARIES = ["/usr/sbin/sshd", "/usr/lib/openssh/sftp-server", "/usr/bin/scp"];
const NAMES = ["read", "write", "open"];

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function objdumpInstalled(): boolean {
  try {
    new Deno.Command("objdump", { args: ["--version"], stdout: "null" }).outputSync();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** File offsets of the `<name@plt>` symbols objdump disassembles (-F prints file offsets). */
function objdumpStubs(path: string): Record<string, number> {
  const out = new Deno.Command("objdump", { args: ["-d", "-F", path], stdout: "piped" })
    .outputSync();
  assert.ok(out.success, `objdump -d -F ${path} failed`);
  const found: Record<string, number> = {};
  const text = new TextDecoder().decode(out.stdout);
  for (const m of text.matchAll(/^[0-9a-f]+ <(\w+)@plt> \(File Offset: 0x([0-9a-f]+)\):$/gm)) {
    const [, name = "", offset = ""] = m;
    if (NAMES.includes(name)) found[name] = parseInt(offset, 16);
  }
  return found;
}

const HAVE_OBJDUMP = objdumpInstalled();

for (const path of BINARIES) {
  const missing = [
    ...(exists(path) ? [] : [path]),
    ...(HAVE_OBJDUMP ? [] : ["objdump"]),
  ];
  Deno.test({
    name: `findPltStubs() finds read, write and open at the offsets objdump shows in ${path}${
      missing.length ? ` (skipped: ${missing.join(" and ")} missing)` : ""
    }`,
    ignore: missing.length > 0,
    fn() {
      const stubs = findPltStubs(Deno.readFileSync(path), NAMES);
      const expected = objdumpStubs(path);
      assert.deepEqual(Object.keys(expected).sort(), [...NAMES].sort());
      assert.deepEqual(stubs, expected);
    },
  });
}

Deno.test({
  name: "findPltStubs() leaves out functions the binary does not import",
  ignore: !exists("/usr/bin/scp"),
  fn() {
    const stubs = findPltStubs(Deno.readFileSync("/usr/bin/scp"), ["read", "no_such_fn"]);
    assert.deepEqual(Object.keys(stubs), ["read"]);
  },
});

function assertElfError(bytes: Uint8Array, start: string): void {
  assert.throws(() => findPltStubs(bytes, NAMES), (error: unknown) => {
    assert.ok(error instanceof ElfError, `expected an ElfError, got ${error}`);
    assert.ok(error.message.startsWith(start), `"${error.message}" should start with "${start}"`);
    return true;
  });
}

Deno.test("findPltStubs() throws ElfError for a file that is not ELF", () => {
  assertElfError(new TextEncoder().encode("#!/bin/sh\necho hi\n".repeat(8)), "Cannot parse ELF");
  assertElfError(new Uint8Array(0), "Cannot parse ELF: bad magic");
  assertElfError(Uint8Array.of(0x7f, 0x45, 0x4c, 0x46), "Cannot parse ELF: bad magic");
});

Deno.test("findPltStubs() throws ElfError for an ELF that is not little-endian ELF64 x86-64", () => {
  const header = new Uint8Array(64);
  header.set([0x7f, 0x45, 0x4c, 0x46, 1, 1]); // ELFCLASS32
  new DataView(header.buffer).setUint16(18, 3, true); // EM_386
  assertElfError(header, "Cannot parse ELF: not a little-endian ELF64 x86-64 file");
  header.set([2, 1], 4);
  new DataView(header.buffer).setUint16(18, 183, true); // EM_AARCH64
  assertElfError(header, "Cannot parse ELF: not a little-endian ELF64 x86-64 file");
});

Deno.test("findPltStubs() throws ElfError for an ELF64 x86-64 header without sections", () => {
  const header = new Uint8Array(64);
  header.set([0x7f, 0x45, 0x4c, 0x46, 2, 1]);
  new DataView(header.buffer).setUint16(18, 62, true);
  assertElfError(header, "Cannot read ELF sections: no valid section table");
});

Deno.test({
  name: "findPltStubs() throws ElfError for a truncated executable",
  ignore: !exists("/usr/bin/scp"),
  fn() {
    // The section table sits at the end of the file: half the file has none.
    const bytes = Deno.readFileSync("/usr/bin/scp");
    assertElfError(bytes.subarray(0, bytes.length >> 1), "Cannot read ELF sections");
  },
});

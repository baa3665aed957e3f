import assert from "node:assert/strict";
import { Command, commandFields, decodeWaitStatus, STDOUT_KEPT } from "./command.ts";

Deno.test("decodeWaitStatus() gives the exit code of a normal exit", () => {
  assert.deepEqual(decodeWaitStatus(0), { exitCode: 0, signal: null });
  assert.deepEqual(decodeWaitStatus(1 << 8), { exitCode: 1, signal: null });
  assert.deepEqual(decodeWaitStatus(768), { exitCode: 3, signal: null });
  assert.deepEqual(decodeWaitStatus(127 << 8), { exitCode: 127, signal: null });
  assert.deepEqual(decodeWaitStatus(255 << 8), { exitCode: 255, signal: null });
});

Deno.test("decodeWaitStatus() gives -1 and the signal name when a signal killed the process", () => {
  assert.deepEqual(decodeWaitStatus(9), { exitCode: -1, signal: "SIGKILL" });
  assert.deepEqual(decodeWaitStatus(1), { exitCode: -1, signal: "SIGHUP" });
  assert.deepEqual(decodeWaitStatus(2), { exitCode: -1, signal: "SIGINT" });
  assert.deepEqual(decodeWaitStatus(13), { exitCode: -1, signal: "SIGPIPE" });
  assert.deepEqual(decodeWaitStatus(15), { exitCode: -1, signal: "SIGTERM" });
  assert.deepEqual(decodeWaitStatus(31), { exitCode: -1, signal: "SIGSYS" });
});

Deno.test("decodeWaitStatus() ignores the core-dump flag 0x80", () => {
  assert.deepEqual(decodeWaitStatus(0x80 | 11), { exitCode: -1, signal: "SIGSEGV" });
  assert.deepEqual(decodeWaitStatus(0x80 | 6), { exitCode: -1, signal: "SIGABRT" });
  assert.deepEqual(decodeWaitStatus(0x80 | 3), { exitCode: -1, signal: "SIGQUIT" });
});

Deno.test("decodeWaitStatus() names a real-time signal by its number", () => {
  assert.deepEqual(decodeWaitStatus(34), { exitCode: -1, signal: "SIG34" });
  assert.deepEqual(decodeWaitStatus(64), { exitCode: -1, signal: "SIG64" });
});

function lsCommand(): Command {
  const proc = { tgid: 4000014, ppid: 4000013, exe: "/usr/bin/ls", argv: ["ls", "-la"] };
  return new Command(commandFields(proc, { ms: 1000, cwd: "/home/alice" }), false);
}

Deno.test("Command.stdout() keeps the first 4096 bytes and stdoutSize counts all", () => {
  const cmd = lsCommand();
  const a = new Uint8Array(3000).fill(0x61);
  const b = new Uint8Array(3000).fill(0x62);
  cmd.addOutput(a);
  a.fill(0x7a); // the caller may reuse its buffer
  cmd.addOutput(b);
  cmd.addOutput(new Uint8Array(10_000).fill(0x63));
  cmd.addOutput(new Uint8Array(0));
  assert.equal(STDOUT_KEPT, 4096);
  assert.equal(cmd.stdout(), "a".repeat(3000) + "b".repeat(1096));
  assert.equal(cmd.stdoutSize, 16_000);
});

Deno.test("Command.stdout() decodes a character split across two reads", () => {
  const cmd = lsCommand();
  const euro = new TextEncoder().encode("€"); // e2 82 ac
  cmd.addOutput(euro.subarray(0, 1));
  cmd.addOutput(euro.subarray(1));
  assert.equal(cmd.stdout(), "€");
  assert.equal(cmd.stdoutSize, 3);
});

Deno.test("Command.stdout() replaces invalid UTF-8 and a character cut at 4096 bytes", () => {
  const cmd = lsCommand();
  cmd.addOutput(Uint8Array.of(0x66, 0xff, 0x6f));
  cmd.addOutput(new Uint8Array(4092).fill(0x2e));
  cmd.addOutput(new TextEncoder().encode("€"));
  assert.equal(cmd.stdout(), "f\ufffdo" + ".".repeat(4092) + "\ufffd");
  assert.equal(cmd.stdoutSize, 4098);
});

Deno.test("commandFields() joins the exec path and argv[1..] into args", () => {
  assert.deepEqual(lsCommand().fields, {
    pid: 4000014,
    "parent_pid": 4000013,
    filename: "ls",
    args: "/usr/bin/ls -la",
    argv: ["ls", "-la"],
    cwd: "/home/alice",
    "exec_path": "/usr/bin/ls",
    "command_start_time": 1000,
  });
});

Deno.test("commandFields() marks cut argv and names a command without argv by its path", () => {
  const cut = commandFields(
    { tgid: 1, ppid: 0, exe: "/usr/bin/grep", argv: ["grep", "-r", "need"] },
    { ms: 5, cwd: "/", truncated: true },
  );
  assert.equal(cut.args, "/usr/bin/grep -r need …");
  const bare = commandFields({ tgid: 1, ppid: 0, exe: "/usr/bin/true", argv: [] }, {
    ms: 5,
    cwd: "/",
  });
  assert.equal(bare.filename, "true");
  assert.equal(bare.args, "/usr/bin/true");
});

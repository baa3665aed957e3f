import assert from "node:assert/strict";
import { FdKind } from "../tracer/records.ts";
import { Command, commandFields } from "./command.ts";
import { OutputStreams, readSourceKey, writeSourceKey } from "./output_ranges.ts";
import { CLOSED_FD, pipeFd, ptsFd } from "./_fixtures.ts";

const text = new TextEncoder();

/** sshd's read of `advance` bytes of `key` in one call that began at `startKtime`. */
function read(
  streams: OutputStreams,
  key: string,
  data: Uint8Array,
  advance: number,
  owners: Command[],
  startKtime = 0n,
): void {
  streams.read(key, { data, advance, call: { startKtime, total: advance, first: true } }, owners);
}

/** A command whose output range of source `key` is [start, end); made in exec order. */
function command(name: string, key: string, start: number, end = Infinity): Command {
  const proc = { tgid: 4000020, ppid: 4000013, exe: `/usr/bin/${name}`, argv: [name] };
  const cmd = new Command(commandFields(proc, { ms: 0, cwd: "/" }), false);
  cmd.ranges.set(key, { start, end, stdout: true });
  return cmd;
}

Deno.test("OutputStreams.read() credits each byte to the command that wrote it", () => {
  const streams = new OutputStreams();
  const bash = command("bash", "t0", 0);
  const ls = command("ls", "t0", 6, 11);
  read(streams, "t0", text.encode("hello\n/tmp\n$ "), 13, [bash, ls]);
  assert.deepEqual([bash.stdout(), ls.stdout()], ["hello\n$ ", "/tmp\n"]);
  assert.deepEqual([bash.stdoutSize, ls.stdoutSize], [8, 5]);
  assert.equal(streams.consumed("t0"), 13);
});

Deno.test("OutputStreams.read() credits a byte to the command exec'd last when ranges overlap", () => {
  const streams = new OutputStreams();
  const bash = command("bash", "t0", 0);
  const make = command("make", "t0", 2);
  const cc = command("cc", "t0", 4, 8);
  // The owners' order does not matter: exec order (seq) does.
  read(streams, "t0", text.encode("$ mkccccmk"), 10, [cc, bash, make]);
  assert.deepEqual([bash.stdout(), make.stdout(), cc.stdout()], ["$ ", "mkmk", "cccc"]);
});

Deno.test("OutputStreams.read() places a later chunk after the bytes already read", () => {
  const streams = new OutputStreams();
  const bash = command("bash", "t0", 0);
  const ls = command("ls", "t0", 4, 9);
  read(streams, "t0", text.encode("ls\r\n"), 4, [bash, ls]);
  read(streams, "t0", text.encode("a.log"), 5, [bash, ls]);
  read(streams, "t0", text.encode("$ "), 2, [bash, ls]);
  assert.deepEqual([bash.stdout(), ls.stdout()], ["ls\r\n$ ", "a.log"]);
});

Deno.test("OutputStreams.read() keeps sources apart and credits nobody outside all ranges", () => {
  const streams = new OutputStreams();
  const ls = command("ls", "p7002", 3, 7);
  ls.ranges.set("p7003", { start: 0, end: 4, stdout: true });
  read(streams, "p7002", text.encode("motdwww\n"), 8, [ls]);
  read(streams, "p7003", text.encode("err!"), 4, [ls]);
  assert.equal(ls.stdout(), "dwwwerr!");
  assert.deepEqual([streams.consumed("p7002"), streams.consumed("p7003")], [8, 4]);
  assert.equal(streams.consumed("t0"), 0);
});

Deno.test("OutputStreams.read() advances by the whole chunk when a fault left its data short", () => {
  const streams = new OutputStreams();
  const bash = command("bash", "t0", 0);
  read(streams, "t0", new Uint8Array(), 100, [bash]);
  assert.equal(streams.consumed("t0"), 100);
  read(streams, "t0", text.encode("$ "), 2, [bash]);
  assert.deepEqual([bash.stdout(), streams.consumed("t0")], ["$ ", 102]);
});

Deno.test("OutputStreams.position() adds the fd's unread bytes to what sshd has read", () => {
  const streams = new OutputStreams();
  read(streams, "t0", text.encode("abc"), 3, []);
  assert.equal(streams.position("t0", ptsFd(0, 0)), 3);
  assert.equal(streams.position("t0", ptsFd(0, 40)), 43);
  assert.equal(streams.position("p7002", pipeFd(7002n, 5)), 5);
});

Deno.test("OutputStreams.drained() is true once sshd has read to the end of every range", () => {
  const streams = new OutputStreams();
  const ls = command("ls", "t0", 2, 6);
  ls.ranges.set("p7003", { start: 0, end: 1, stdout: true });
  assert.equal(streams.drained(ls), false);
  read(streams, "t0", text.encode("$ a.l"), 5, [ls]);
  assert.equal(streams.drained(ls), false);
  read(streams, "t0", text.encode("og"), 2, [ls]);
  assert.equal(streams.drained(ls), false, "p7003 is not read yet");
  read(streams, "p7003", text.encode("!"), 1, [ls]);
  assert.equal(streams.drained(ls), true);
  assert.equal(streams.drained(command("bash", "t0", 0)), false, "an open range never drains");
  assert.equal(streams.drained(command("true", "t0", 7, 7)), true, "an empty range is drained");
});

Deno.test("readSourceKey() names the terminal by pts number and a pipe by inode", () => {
  assert.equal(readSourceKey(FdKind.PTMX, 3, 88n), "t3");
  assert.equal(readSourceKey(FdKind.PIPE, -1, 7002n), "p7002");
  assert.equal(readSourceKey(FdKind.PTS, 3, 1003n), undefined);
  assert.equal(readSourceKey(FdKind.OTHER, -1, 5n), undefined);
});

Deno.test("writeSourceKey() matches only the session's own pts and pipes", () => {
  const pty = { ttyId: 0, pipes: [] };
  const piped = { ttyId: -1, pipes: [7001n, 7002n, 7003n] };
  assert.equal(writeSourceKey(ptsFd(0, 9), pty), "t0");
  assert.equal(writeSourceKey(ptsFd(1), pty), undefined, "another session's terminal");
  assert.equal(writeSourceKey(pipeFd(7002n), piped), "p7002");
  assert.equal(writeSourceKey(pipeFd(8001n), piped), undefined, "a pipe to the next command");
  assert.equal(writeSourceKey(pipeFd(8001n), pty), undefined);
  const ptmx = { ...CLOSED_FD, ino: 88n, rdev: (5 << 20) | 2, kind: FdKind.PTMX };
  assert.equal(writeSourceKey(ptmx, pty), undefined);
  assert.equal(writeSourceKey({ ...CLOSED_FD, ino: 4242n }, piped), undefined, "a file");
  assert.equal(writeSourceKey(undefined, pty), undefined);
});

Deno.test("OutputStreams.read() extends a range by a read that was in flight at the exit", () => {
  const streams = new OutputStreams();
  const bash = command("bash", "t0", 0);
  const ls = command("ls", "t0", 0, 0);
  ls.ranges.get("t0")!.inflightAt = 100n; // sshd had taken ls's bytes, its record still to come
  assert.equal(streams.drained(ls), false, "the read in flight is not settled");
  read(streams, "t0", text.encode("/tmp\n"), 5, [bash, ls], 90n);
  read(streams, "t0", text.encode("$ "), 2, [bash, ls], 120n);
  assert.deepEqual([ls.stdout(), bash.stdout()], ["/tmp\n", "$ "]);
  assert.equal(streams.drained(ls), true);
});

Deno.test("OutputStreams.read() leaves a range as it was when the next read began after the exit", () => {
  const streams = new OutputStreams();
  const bash = command("bash", "t0", 0);
  const ls = command("ls", "t0", 0, 0);
  ls.ranges.get("t0")!.inflightAt = 100n; // the read in flight took nothing: it returned empty
  read(streams, "t0", text.encode("$ "), 2, [bash, ls], 110n);
  assert.deepEqual([ls.stdout(), bash.stdout()], ["", "$ "]);
  assert.deepEqual(ls.ranges.get("t0"), { start: 0, end: 0, stdout: true });
  assert.equal(streams.drained(ls), true);
});

/** A read of `data` (one whole call) while `fgPgrp` was the terminal's foreground group. */
function readFg(streams: OutputStreams, data: string, fgPgrp: number, owners: Command[]): void {
  const bytes = text.encode(data);
  const call = { startKtime: 0n, total: bytes.length, first: true, fgPgrp };
  streams.read("t0", { data: bytes, advance: bytes.length, call }, owners);
}

Deno.test("OutputStreams.read() gives the prompt to the foreground shell, not to a background job", () => {
  const streams = new OutputStreams();
  const bash = command("bash", "t0", 0);
  bash.pgid = 4000013;
  // `sleep 600 &`: exec'd after bash, in its own process group, its range still open.
  const sleep = command("sleep", "t0", 2);
  sleep.pgid = 4000020;
  readFg(streams, "$ sleep 600 &\r\n[1] 4000020\r\n$ ", bash.pgid, [bash, sleep]);
  assert.deepEqual([bash.stdout(), sleep.stdout()], ["$ sleep 600 &\r\n[1] 4000020\r\n$ ", ""]);
  // `fg`: the job is the foreground group now and owns what is read.
  readFg(streams, "zz", sleep.pgid, [bash, sleep]);
  assert.deepEqual([bash.stdout().endsWith("$ "), sleep.stdout()], [true, "zz"]);
});

Deno.test("OutputStreams.read() ranks the foreground group above stdout over stderr", () => {
  const streams = new OutputStreams();
  const bash = command("bash", "t0", 0);
  bash.pgid = 4000013;
  bash.ranges.set("t0", { start: 0, end: Infinity, stdout: false }); // stderr alone on the pty
  const job = command("job", "t0", 0);
  job.pgid = 4000020;
  readFg(streams, "$ ", bash.pgid, [bash, job]);
  assert.deepEqual([bash.stdout(), job.stdout()], ["$ ", ""]);
});

Deno.test("OutputStreams.read() with fgPgrp 0 (pipes) prefers stdout, then the latest exec", () => {
  const streams = new OutputStreams();
  const bash = command("bash", "t0", 0);
  bash.pgid = 4000013;
  const sleep = command("sleep", "t0", 0);
  sleep.pgid = 4000020;
  const cat = command("cat", "t0", 0);
  cat.pgid = 4000013;
  cat.ranges.set("t0", { start: 0, end: Infinity, stdout: false }); // writes only stderr here
  readFg(streams, "ab", 0, [bash, sleep, cat]);
  assert.deepEqual([bash.stdout(), sleep.stdout(), cat.stdout()], ["", "ab", ""]);
  // No ReadCall.fgPgrp at all: the same.
  read(streams, "t0", text.encode("cd"), 2, [bash, sleep, cat]);
  assert.deepEqual([bash.stdout(), sleep.stdout(), cat.stdout()], ["", "abcd", ""]);
  // A foreground group none of them is in (a process that exited): the same ranking.
  readFg(streams, "ef", 4000099, [bash, sleep, cat]);
  assert.equal(sleep.stdout(), "abcdef");
});

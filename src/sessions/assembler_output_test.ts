/** SessionAssembler crediting output to commands by stream position, and waiting for it. */
import assert from "node:assert/strict";
import { FdFlag } from "../tracer/records.ts";
import {
  CLOSED_FD,
  epoch,
  exec,
  exit,
  fork,
  io,
  login92,
  NOBODY,
  pick,
  PID,
  pipeFd,
  ptsFd,
  Recorder,
  runCommand,
  startShell,
} from "./_fixtures.ts";
import { out } from "./_fixtures_io.ts";

const { conn, user, shell } = PID;
const FINISH_KEYS = ["pid", "stdout", "stdout_size"];

/** The pid, stdout and stdout_size of every command_finish so far. */
function finishes(rec: Recorder): Record<string, unknown>[] {
  return rec.events.filter((e) => e.event_type === "command_finish").map((e) =>
    pick(e, FINISH_KEYS)
  );
}

/** A pty login (bash on pts 0) whose session is running. */
function ptyLogin(): Recorder {
  const rec = new Recorder();
  rec.feed(...login92(1000), ...startShell(2010, { argv: ["-bash"], tty: 0 }));
  return rec;
}

/** The shell and its sshd end; waits for connection_close. */
async function logout(rec: Recorder, ms: number): Promise<void> {
  rec.feed(
    exit(ms, { pid: shell, ppid: user, conn, tty: 0 }),
    exit(ms + 1, { pid: user, ppid: conn, conn }),
  );
  await rec.waitFor("connection_close");
  await rec.settle();
}

Deno.test("SessionAssembler.handle() credits one chunk read after a command exited to the shell and the command", async () => {
  const rec = ptyLogin();
  // bash printed "hello\n", still unread, when ls started: ls's output begins 6 bytes on.
  const ls = { pid: 4000020, filename: "/usr/bin/ls", argv: ["ls", "-d", "/tmp"] };
  rec.feed(...runCommand(3000, { ...ls, pending: [0, 6, 6] }));
  rec.feed(exit(3010, { pid: ls.pid, ppid: shell, conn, tty: 0, pending: [0, 11, 11] }));
  assert.deepEqual(finishes(rec), [], "ls waits for sshd to read its output");
  rec.feed(out(3020, "hello\n/tmp\n"));
  assert.deepEqual(rec.types().slice(-2), ["terminal_update", "command_finish"]);
  await logout(rec, 4000);
  assert.deepEqual(finishes(rec), [
    { pid: ls.pid, stdout: "/tmp\n", "stdout_size": 5 },
    { pid: shell, stdout: "hello\n", "stdout_size": 6 },
  ]);
});

Deno.test("SessionAssembler.handle() credits a read in flight at exit to the command that exited", async () => {
  const rec = ptyLogin();
  const ls = { pid: 4000020, filename: "/usr/bin/ls", argv: ["ls", "-d", "/tmp"] };
  rec.feed(...runCommand(3000, ls));
  // sshd's read, begun at 3005, had taken "/tmp\n" out of the pty when ls exited at 3010.
  const inflight = ptsFd(0, 0, FdFlag.READ_INFLIGHT);
  rec.feed(exit(3010, { pid: ls.pid, ppid: shell, conn, fds: [inflight, inflight, inflight] }));
  assert.deepEqual(finishes(rec), [], "ls waits for the read in flight");
  rec.feed(io(3011, { pid: user, conn, dir: "output", data: "/tmp\n", tty: 0, startMs: 3005 }));
  rec.feed(out(3020, "$ "));
  await logout(rec, 4000);
  assert.deepEqual(finishes(rec), [
    { pid: ls.pid, stdout: "/tmp\n", "stdout_size": 5 },
    { pid: shell, stdout: "$ ", "stdout_size": 2 },
  ]);
});

Deno.test("SessionAssembler.handle() credits the output of a command that closed its stdout before it exited", async () => {
  const rec = ptyLogin();
  rec.feed(out(2900, "$ "));
  rec.feed(...runCommand(3000, { pid: 4000020, filename: "/usr/bin/cat", argv: ["cat", "n"] }));
  // cat closed fds 0-2 before exit; the kernel fills 1 and 2 from where they pointed at exec.
  const fds = [CLOSED_FD, ptsFd(0, 6), ptsFd(0, 6)];
  rec.feed(exit(3010, { pid: 4000020, ppid: shell, conn, fds, wchar: 6 }));
  rec.feed(out(3020, "note\r\n$ "));
  await logout(rec, 4000);
  assert.deepEqual(finishes(rec), [
    { pid: 4000020, stdout: "note\r\n", "stdout_size": 6 },
    { pid: shell, stdout: "$ $ ", "stdout_size": 4 },
  ]);
});

Deno.test("SessionAssembler.handle() counts the writes of a command whose stdout is a pipe to the next one", async () => {
  const rec = ptyLogin();
  // `head -c 120 /dev/zero | tr '\0' A`: head writes into a private pipe, tr to the terminal.
  const head = { pid: 4000020, filename: "/usr/bin/head", argv: ["head", "-c", "120"] };
  const tr = { pid: 4000021, filename: "/usr/bin/tr", argv: ["tr", "\\0", "A"] };
  rec.feed(...runCommand(3000, { ...head, fds: [ptsFd(0), pipeFd(8001n), ptsFd(0)] }));
  rec.feed(...runCommand(3001, { ...tr, fds: [pipeFd(8001n), ptsFd(0), ptsFd(0)] }));
  rec.feed(out(3010, "A".repeat(80)));
  rec.feed(exit(3020, { pid: head.pid, ppid: shell, conn, wchar: 120, tty: 0 }));
  rec.feed(out(3021, "A".repeat(40) + "\r\n"));
  rec.feed(exit(3030, { pid: tr.pid, ppid: shell, conn, wchar: 120, tty: 0 }));
  await logout(rec, 4000);
  assert.deepEqual(finishes(rec), [
    { pid: head.pid, stdout: "", "stdout_size": 120 },
    { pid: tr.pid, stdout: "A".repeat(120) + "\r\n", "stdout_size": 122 },
    { pid: shell, stdout: "", "stdout_size": 0 },
  ]);
});

Deno.test("SessionAssembler.handle() credits a pipeline's output to the command writing it even when the other one exec'd later", async () => {
  const rec = ptyLogin();
  // `(cd /etc; cat passwd) | grep root`: the subshell execs cat after grep started; cat's
  // stderr is the terminal, its stdout the pipe.
  const grep = { pid: 4000021, filename: "/usr/bin/grep", argv: ["grep", "root"] };
  const cat = { pid: 4000022, filename: "/usr/bin/cat", argv: ["cat", "passwd"] };
  rec.feed(fork(2999, { parent: shell, child: 4000020, conn, uid: NOBODY })); // the subshell
  rec.feed(...runCommand(3000, { ...grep, fds: [pipeFd(8001n), ptsFd(0), ptsFd(0)] }));
  rec.feed(
    ...runCommand(3001, { ...cat, parent: 4000020, fds: [ptsFd(0), pipeFd(8001n), ptsFd(0)] }),
  );
  rec.feed(out(3010, "root:x:0:0:root:/root:/bin/bash\r\n"));
  rec.feed(exit(3020, { pid: cat.pid, ppid: 4000020, conn, wchar: 2000, tty: 0 }));
  rec.feed(exit(3030, { pid: grep.pid, ppid: shell, conn, wchar: 33, tty: 0 }));
  await logout(rec, 4000);
  assert.deepEqual(finishes(rec).slice(0, 2), [
    { pid: cat.pid, stdout: "", "stdout_size": 2000 },
    { pid: grep.pid, stdout: "root:x:0:0:root:/root:/bin/bash\r\n", "stdout_size": 33 },
  ]);
});

Deno.test("SessionAssembler.handle() reports command_finish outputWaitMs after exit when sshd never reads the rest", async () => {
  const rec = ptyLogin();
  rec.feed(...runCommand(3000, { pid: 4000020, filename: "/usr/bin/yes", argv: ["yes"] }));
  rec.feed(out(3010, "y\r\ny\r\n"));
  // Killed with 4 KiB still unread, and the client stopped reading.
  rec.feed(
    exit(3020, { pid: 4000020, ppid: shell, conn, status: 2, tty: 0, pending: [0, 4096, 4096] }),
  );
  assert.deepEqual(finishes(rec), []);
  await rec.waitFor("command_finish");
  assert.deepEqual(finishes(rec), [{ pid: 4000020, stdout: "y\r\ny\r\n", "stdout_size": 6 }]);
  await logout(rec, 4000);
});

Deno.test("SessionAssembler.handle() sends connection_close only after sshd read the last output", async () => {
  const rec = new Recorder();
  const pipes = [7001n, 7002n, 7003n];
  rec.feed(...login92(1000), ...startShell(2010, { argv: ["bash", "-c", "cat n"], pipes }));
  const cat = { pid: shell, ppid: user, conn, sid: shell, uid: NOBODY, startMs: 2010 };
  rec.feed(exec(2020, { ...cat, filename: "/usr/bin/cat", argv: ["cat", "n"], pipes }));
  rec.feed(exit(2030, { pid: shell, ppid: user, conn, pipes, pending: [0, 5, 0] }));
  // Longer than the close check's interval: the session must still wait.
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(rec.types().slice(-1), ["command_finish"], "bash -c finished, cat waits");
  rec.feed(io(2100, { pid: user, conn, dir: "output", data: "web1\n", pipe: 7002n }));
  await rec.waitFor("connection_close");
  await rec.settle();
  assert.deepEqual(rec.types().slice(3), [
    "command_finish",
    "terminal_update",
    "command_finish",
    "connection_close",
  ]);
  assert.deepEqual(finishes(rec)[1], { pid: shell, stdout: "web1\n", "stdout_size": 5 });
});

Deno.test("SessionAssembler.handle() closes a session closeDelayMs after its root when sshd never reads", async () => {
  const rec = new Recorder();
  const pipes = [7001n, 7002n, 7003n];
  rec.feed(...login92(1000), ...startShell(2010, { argv: ["bash", "-c", "cat big"], pipes }));
  rec.feed(io(2021, { pid: user, conn, dir: "output", data: "abc", pipe: 7002n }));
  rec.feed(exit(2030, { pid: shell, ppid: user, conn, pipes, pending: [0, 65536, 0] }));
  await rec.waitFor("connection_close");
  await rec.settle();
  assert.deepEqual(rec.types().slice(-2), ["command_finish", "connection_close"]);
  assert.deepEqual(finishes(rec), [{ pid: shell, stdout: "abc", "stdout_size": 3 }]);
  assert.equal(rec.events.at(-1)?.end_time, epoch(2030), "the root's exit ends the session");
});

Deno.test("SessionAssembler.handle() credits the prompt to the shell while a background job runs", async () => {
  const rec = ptyLogin();
  // `sleep 600 &`: its own process group, fds 1 and 2 on the pty, still running at each read.
  const sleep = { pid: 4000020, filename: "/usr/bin/sleep", argv: ["sleep", "600"] };
  rec.feed(...runCommand(3000, { ...sleep, pgid: sleep.pid }));
  // The shell's group is the terminal's foreground group: without it the job, exec'd last,
  // would own these bytes.
  rec.feed(out(3010, "[1] 4000020\r\n$ ", 0, shell), out(3020, "$ ", 0, shell));
  rec.feed(exit(3040, { pid: sleep.pid, ppid: shell, conn, tty: 0 }));
  rec.feed(
    exit(4000, { pid: shell, ppid: user, conn, tty: 0, wchar: 17 }),
    exit(4001, { pid: user, ppid: conn, conn }),
  );
  await rec.waitFor("connection_close");
  await rec.settle();
  assert.deepEqual(finishes(rec), [
    { pid: sleep.pid, stdout: "", "stdout_size": 0 },
    { pid: shell, stdout: "[1] 4000020\r\n$ $ ", "stdout_size": 17 },
  ]);
});

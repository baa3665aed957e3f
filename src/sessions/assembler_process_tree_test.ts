/** SessionAssembler on harder process trees: PAM helpers, ControlMaster, re-exec, killed sshd. */
import assert from "node:assert/strict";
import {
  epoch,
  exec,
  exit,
  fork,
  io,
  login92,
  NOBODY,
  pick,
  PID,
  Recorder,
  runCommand,
  SESSION_ID,
  SSHD_DEV,
  SSHD_INO,
  startShell,
} from "./_fixtures.ts";
import { input, out } from "./_fixtures_io.ts";

const { listener, conn, preauth, user, shell } = PID;

Deno.test("SessionAssembler.handle() starts no session for a PAM helper the monitor runs", async () => {
  const rec = new Recorder();
  const [connFork, connExec, preauthFork, ...rest] = login92(1000);
  rec.feed(connFork!, connExec!, preauthFork!);
  // pam_unix checks the password through unix_chkpwd; pam_motd runs the update-motd.d scripts.
  // Both are children of the monitor, in the monitor's session (sid = ptm_pid).
  rec.feed(
    fork(1500, { parent: conn, child: 4000030, conn }),
    exec(1501, {
      pid: 4000030,
      ppid: conn,
      conn,
      sid: conn,
      filename: "/sbin/unix_chkpwd",
      argv: ["/sbin/unix_chkpwd", "nobody", "nullok"],
    }),
    exit(1502, { pid: 4000030, ppid: conn, conn }),
    fork(1600, { parent: conn, child: 4000031, conn }),
    exec(1601, {
      pid: 4000031,
      ppid: conn,
      conn,
      sid: conn,
      filename: "/bin/sh",
      argv: ["sh", "-c", "run-parts --lsbsysinit /etc/update-motd.d > /run/motd.dynamic.new"],
    }),
    fork(1602, { parent: 4000031, child: 4000032, conn }),
    exec(1603, {
      pid: 4000032,
      ppid: 4000031,
      conn,
      sid: conn,
      filename: "/usr/bin/run-parts",
      argv: ["run-parts", "--lsbsysinit", "/etc/update-motd.d"],
    }),
    exit(1604, { pid: 4000032, ppid: 4000031, conn }),
    exit(1605, { pid: 4000031, ppid: conn, conn }),
  );
  assert.deepEqual(rec.events, []);
  assert.deepEqual(rec.assembler.sessions.list(), []);
  rec.feed(...rest, ...startShell(2010, { argv: ["-bash"], tty: 0 }));
  assert.deepEqual(rec.types(), ["connection_established", "command_start"]);
  assert.equal(rec.assembler.sessions.list().length, 1);
  rec.feed(
    exit(3000, { pid: shell, ppid: user, conn }),
    exit(3001, { pid: user, ppid: conn, conn }),
  );
  await rec.settle();
});

Deno.test("SessionAssembler.handle() keeps two sessions of one connection apart (ControlMaster)", async () => {
  const rec = new Recorder();
  const second = 4000040;
  rec.feed(...login92(1000), ...startShell(2010, { argv: ["-bash"], tty: 0 }));
  rec.feed(...startShell(5000, { pid: second, argv: ["-bash"], tty: 1 }));
  rec.feed(out(5100, "one\r\n", 0), out(5101, "two\r\n", 1), input(5102, "x", 1));
  const [first, other] = rec.assembler.sessions.list();
  assert.equal(first?.session_id, SESSION_ID);
  assert.equal(other?.session_id, `20240501T160005Z-${conn}-${second}`);
  assert.deepEqual([other?.tty_id, other?.shell_pid, other?.pts_pid], [1, second, user]);

  rec.feed(exit(6000, { pid: shell, ppid: user, conn }));
  await rec.waitFor("connection_close");
  assert.deepEqual(rec.assembler.sessions.list().map((s) => s.session_id), [other?.session_id]);
  rec.feed(out(6500, "still here\r\n", 1));
  rec.feed(
    exit(7000, { pid: second, ppid: user, conn }),
    exit(7001, { pid: user, ppid: conn, conn }),
  );
  await rec.waitFor("connection_close", 2);
  await rec.settle();

  const summary = rec.events.map((e) => {
    const data = (e as { terminal_data?: string }).terminal_data;
    return `${e.event_type} ${(e as { shell_pid?: number }).shell_pid}${data ? ` ${data}` : ""}`;
  });
  assert.deepEqual(summary, [
    `connection_established ${shell}`,
    `command_start ${shell}`,
    `connection_established ${second}`,
    `command_start ${second}`,
    // One batch: a session's output waits for its own next event or the batch's end.
    `terminal_update ${second} two\r\n`,
    `terminal_input ${second} x`,
    `terminal_update ${shell} one\r\n`,
    `command_finish ${shell}`,
    `connection_close ${shell}`,
    `terminal_update ${second} still here\r\n`,
    `command_finish ${second}`,
    `connection_close ${second}`,
  ]);
  const closes = rec.events.filter((e) => e.event_type === "connection_close");
  assert.deepEqual(closes.map((e) => e.end_time), [epoch(6000), epoch(7001)]);
  assert.deepEqual(rec.assembler.sessions.list(), []);
});

Deno.test("SessionAssembler.handle() reports two commands when a process execs again (same pid)", async () => {
  const rec = new Recorder();
  const pipes = [7001n, 7002n, 7003n];
  // `ssh host ls /srv`: bash -c execs its single command in place.
  rec.feed(...login92(1000), ...startShell(2010, { argv: ["bash", "-c", "ls /srv"], pipes }));
  rec.feed(
    exec(2050, {
      pid: shell,
      ppid: user,
      conn,
      sid: shell,
      filename: "/usr/bin/ls",
      argv: ["ls", "/srv"],
      uid: NOBODY,
      pipes,
      startMs: 2010,
    }),
    io(2060, { pid: user, conn, dir: "output", data: "www\n", pipe: 7002n }),
    exit(2070, { pid: shell, ppid: user, conn }),
    exit(2071, { pid: user, ppid: conn, conn }),
  );
  await rec.settle();

  assert.deepEqual(rec.types(), [
    "connection_established",
    "command_start",
    "command_start",
    "terminal_update",
    "command_finish",
    "command_finish",
    "connection_close",
  ]);
  const keys = ["pid", "exec_path", "exit_code", "stdout", "stdout_size", "end_time"];
  assert.deepEqual(rec.events.slice(4, 6).map((e) => pick(e, keys)), [
    {
      pid: shell,
      "exec_path": "/bin/bash",
      "exit_code": 0,
      stdout: "",
      "stdout_size": 0,
      "end_time": epoch(2070),
    },
    {
      pid: shell,
      "exec_path": "/usr/bin/ls",
      "exit_code": 0,
      stdout: "www\n",
      "stdout_size": 4,
      "end_time": epoch(2070),
    },
  ]);
});

Deno.test("SessionAssembler.handle() reports the commands that a killed sshd ends before connection_close", async () => {
  const rec = new Recorder();
  rec.feed(...login92(1000), ...startShell(2010, { argv: ["-bash"], tty: 0 }));
  rec.feed(...runCommand(3000, { pid: 4000020, filename: "/usr/bin/top", argv: ["top"] }));
  rec.feed(out(3100, "top - 16:00:03 up 1 min\r\n"));
  // kill -9 of the user's sshd: its exit record comes first (the tracepoint fires before its
  // files close); closing the pty master then hangs up the terminal, and SIGHUP ends top and bash.
  rec.feed(
    exit(4000, { pid: user, ppid: conn, conn, status: 9 }),
    exit(4001, { pid: conn, ppid: listener, conn }),
    exit(4002, { pid: 4000020, ppid: shell, conn, status: 1 }),
    exit(4003, { pid: shell, ppid: user, conn, status: 1 }),
  );
  await rec.settle();
  const finishes = rec.events.filter((e) => e.event_type === "command_finish");
  assert.deepEqual(finishes.map((e) => pick(e, ["pid", "exit_code", "signal"])), [
    { pid: 4000020, "exit_code": -1, signal: "SIGHUP" },
    { pid: shell, "exit_code": -1, signal: "SIGHUP" },
  ]);
  assert.equal(rec.types().at(-1), "connection_close", `events: ${rec.types()}`);
});
Deno.test("SessionAssembler.handle() reports the listener and ignores records of other connections", async () => {
  const rec = new Recorder();
  rec.feed(
    exec(10, {
      pid: listener,
      ppid: 1,
      conn: 0,
      sid: listener,
      filename: "/usr/sbin/sshd",
      argv: ["/usr/sbin/sshd", "-D"],
      flags: 2, // RF_LISTENER
    }),
  );
  assert.deepEqual(rec.hookCalls, [
    `listener ${listener}`,
    `image ${listener} /usr/sbin/sshd ${SSHD_DEV}:${SSHD_INO}`,
  ]);
  // I/O and exits of a connection the assembler never saw are dropped without events.
  rec.feed(out(20, "stray"), exit(30, { pid: preauth, ppid: conn, conn }));
  assert.deepEqual(rec.events, []);
  await rec.settle();
});

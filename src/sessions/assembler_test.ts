/** SessionAssembler on whole OpenSSH 9.2 sessions: pty, pipes, root, early output, echo off. */
import assert from "node:assert/strict";
import { rawBytes } from "../events/raw.ts";
import {
  epoch,
  exec,
  exit,
  field,
  fork,
  io,
  login92,
  pick,
  PID,
  Recorder,
  runCommand,
  sessionFields,
  SSHD_DEV,
  SSHD_INO,
  startShell,
} from "./_fixtures.ts";
import { input, out } from "./_fixtures_io.ts";

const { listener, conn, user, shell } = PID;

Deno.test("SessionAssembler.handle() reports a pty login session of OpenSSH 9.2 event by event", async () => {
  const rec = new Recorder();
  rec.feed(...login92(1000), ...startShell(2010, { argv: ["-bash"], tty: 0 }));
  rec.feed(input(3000, "ls\r"), out(3001, "ls\r\n"));
  rec.feed(
    ...runCommand(3010, {
      pid: 4000020,
      filename: "/usr/bin/ls",
      argv: ["ls", "--color=auto"],
      cwd: "/srv/www/logs",
    }),
  );
  rec.feed(out(3020, "a.log  b.log\r\n"));
  rec.feed(exit(3030, { pid: 4000020, ppid: shell, conn, tty: 0 }));
  await rec.waitFor("command_finish");
  rec.feed(out(3040, "$ "));
  rec.feed(
    ...runCommand(4000, { pid: 4000021, filename: "/usr/bin/sh", argv: ["sh", "-c", "exit 3"] }),
  );
  rec.feed(exit(4005, { pid: 4000021, ppid: shell, conn, status: 768, tty: 0 }));
  await rec.waitFor("command_finish", 2);
  rec.feed(
    ...runCommand(5000, { pid: 4000022, filename: "/usr/bin/sleep", argv: ["sleep", "100"] }),
  );
  rec.feed(exit(5500, { pid: 4000022, ppid: shell, conn, status: 9, tty: 0 }));
  await rec.waitFor("command_finish", 3);
  assert.equal(rec.assembler.sessions.list().length, 1);
  rec.feed(
    exit(6000, { pid: shell, ppid: user, conn, tty: 0 }),
    exit(6001, { pid: user, ppid: conn, conn }),
    exit(6002, { pid: conn, ppid: listener, conn }),
  );
  await rec.settle();

  assert.deepEqual(rec.types(), [
    "connection_established",
    "command_start",
    "terminal_input",
    "terminal_update",
    "command_start",
    "terminal_update",
    "command_finish",
    "terminal_update",
    "command_start",
    "command_finish",
    "command_start",
    "command_finish",
    "command_finish",
    "connection_close",
  ]);
  const e = rec.events;
  assert.deepEqual(e[0], sessionFields("connection_established", 2012));
  const bash = {
    pid: shell,
    "parent_pid": user,
    filename: "-bash",
    args: "/bin/bash",
    argv: ["-bash"],
    cwd: "/",
    "exec_path": "/bin/bash",
    "command_start_time": epoch(2012),
  };
  assert.deepEqual(e[1], { ...sessionFields("command_start", 2012), ...bash });
  assert.deepEqual(e[2], {
    ...sessionFields("terminal_input", 3000),
    "terminal_data": "ls\r",
    "data_len": 3,
  });
  assert.deepEqual(e[3], {
    ...sessionFields("terminal_update", 3001),
    "terminal_data": "ls\r\n",
    "data_len": 4,
  });
  assert.deepEqual(rawBytes(e[3]!), new TextEncoder().encode("ls\r\n"));
  const ls = {
    pid: 4000020,
    "parent_pid": shell,
    filename: "ls",
    args: "/usr/bin/ls --color=auto",
    argv: ["ls", "--color=auto"],
    cwd: "/srv/www/logs",
    "exec_path": "/usr/bin/ls",
    "command_start_time": epoch(3011),
  };
  assert.deepEqual(e[4], { ...sessionFields("command_start", 3011), ...ls });
  assert.deepEqual(e[6], {
    ...sessionFields("command_finish", 3030),
    ...ls,
    "end_time": epoch(3030),
    "exit_code": 0,
    signal: null,
    stdout: "a.log  b.log\r\n",
    "stdout_size": 14,
    "duration_ms": 19,
  });
  assert.deepEqual(e[8], {
    ...sessionFields("command_start", 4001),
    pid: 4000021,
    "parent_pid": shell,
    filename: "sh",
    args: "/usr/bin/sh -c exit 3",
    argv: ["sh", "-c", "exit 3"],
    cwd: "/",
    "exec_path": "/usr/bin/sh",
    "command_start_time": epoch(4001),
  });
  assert.deepEqual(
    pick(e[9]!, ["pid", "end_time", "exit_code", "signal", "stdout", "stdout_size"]),
    {
      pid: 4000021,
      "end_time": epoch(4005),
      "exit_code": 3,
      signal: null,
      stdout: "",
      "stdout_size": 0,
    },
  );
  assert.deepEqual(
    pick(e[11]!, ["pid", "filename", "end_time", "exit_code", "signal", "duration_ms"]),
    {
      pid: 4000022,
      filename: "sleep",
      "end_time": epoch(5500),
      "exit_code": -1,
      signal: "SIGKILL",
      "duration_ms": 499,
    },
  );
  assert.deepEqual(e[12], {
    ...sessionFields("command_finish", 6000),
    ...bash,
    "end_time": epoch(6000),
    "exit_code": 0,
    signal: null,
    stdout: "ls\r\n$ ",
    "stdout_size": 6,
    "duration_ms": 3988,
  });
  assert.deepEqual(e[13], {
    ...sessionFields("connection_close", 6001, { "end_time": epoch(6001) }),
    "duration_ms": 3989,
  });
  assert.deepEqual(rec.assembler.sessions.list(), []);
  assert.deepEqual(rec.hookCalls, [`image ${conn} /usr/sbin/sshd ${SSHD_DEV}:${SSHD_INO}`]);
});

Deno.test("SessionAssembler.handle() reports a session without a pty on its pipes and closes it after the shell", async () => {
  const rec = new Recorder();
  const pipes = [7001n, 7002n, 7003n];
  const pipe = (ms: number, dir: "output" | "input", ino: bigint, data: string) =>
    io(ms, { pid: user, conn, dir, data, pipe: ino });
  rec.feed(
    ...login92(1000),
    ...startShell(2010, { argv: ["bash", "-c", "ls /srv; exit 3"], pipes, cwd: "/home/nobody" }),
  );
  rec.feed(
    ...runCommand(2100, {
      pid: 4000020,
      filename: "/usr/bin/ls",
      argv: ["ls", "/srv"],
      cwd: "/home/nobody",
      tty: -1,
      pipes,
    }),
  );
  rec.feed(
    pipe(2110, "output", 7002n, "www\n"),
    pipe(2111, "output", 7003n, "ls: cannot open 'x'\n"),
    pipe(2112, "input", 7001n, "y\n"),
    pipe(2113, "output", 9999n, "not this session's pipe\n"),
    exit(2120, { pid: 4000020, ppid: shell, conn, pipes }),
  );
  await rec.waitFor("command_finish");
  rec.feed(exit(2200, { pid: shell, ppid: user, conn, status: 768, pipes }));
  await rec.waitFor("connection_close");
  await rec.settle();

  assert.deepEqual(rec.types(), [
    "connection_established",
    "command_start",
    "command_start",
    "terminal_update",
    "terminal_input",
    "command_finish",
    "command_finish",
    "connection_close",
  ]);
  const e = rec.events;
  const fields = { "tty_id": -1 };
  assert.deepEqual(e[0], sessionFields("connection_established", 2012, fields));
  assert.deepEqual(pick(e[1]!, ["pid", "filename", "args", "argv", "cwd"]), {
    pid: shell,
    filename: "bash",
    args: "/bin/bash -c ls /srv; exit 3",
    argv: ["bash", "-c", "ls /srv; exit 3"],
    cwd: "/home/nobody",
  });
  // stdout and stderr read in one batch: one terminal_update, stamped with the first read.
  assert.deepEqual(e[3], {
    ...sessionFields("terminal_update", 2110, fields),
    "terminal_data": "www\nls: cannot open 'x'\n",
    "data_len": 24,
  });
  assert.equal(field(e[4], "terminal_data"), "y\n");
  assert.deepEqual(pick(e[5]!, ["pid", "exit_code", "stdout", "stdout_size"]), {
    pid: 4000020,
    "exit_code": 0,
    stdout: "www\nls: cannot open 'x'\n",
    "stdout_size": 24,
  });
  assert.deepEqual(pick(e[6]!, ["pid", "end_time", "exit_code", "signal", "stdout"]), {
    pid: shell,
    "end_time": epoch(2200),
    "exit_code": 3,
    signal: null,
    stdout: "",
  });
  assert.deepEqual(e[7], {
    ...sessionFields("connection_close", 2200, { ...fields, "end_time": epoch(2200) }),
    "duration_ms": 2200 - 2012,
  });
});

Deno.test("SessionAssembler.handle() serves a root login from the monitor itself (no user child)", async () => {
  const rec = new Recorder();
  // OpenSSH 9.2 skips the unprivileged user child for root: the monitor forks the session.
  const [connFork, connExec, preauthFork, preauthExit] = login92(1000);
  rec.feed(connFork!, connExec!, preauthFork!, preauthExit!);
  rec.feed(
    fork(2010, { parent: conn, child: shell, conn }),
    exec(2012, {
      pid: shell,
      ppid: conn,
      conn,
      sid: shell,
      filename: "/bin/bash",
      argv: ["-bash"],
      tty: 2,
      cwd: "/root",
      startMs: 2010,
    }),
    io(2100, { pid: conn, conn, dir: "output", data: "# ", tty: 2 }),
    exit(3000, { pid: shell, ppid: conn, conn }),
    exit(3001, { pid: conn, ppid: listener, conn }),
  );
  await rec.settle();
  assert.deepEqual(rec.types(), [
    "connection_established",
    "command_start",
    "terminal_update",
    "command_finish",
    "connection_close",
  ]);
  assert.deepEqual(rec.events[0], {
    ...sessionFields("connection_established", 2012),
    "pts_pid": conn,
    "user_id": 0,
    username: "root",
    "tty_id": 2,
  });
  assert.equal(field(rec.events[1], "cwd"), "/root");
  assert.equal(field(rec.events[3], "stdout"), "# ");
  assert.equal(field(rec.events[4], "end_time"), epoch(3001));
});

Deno.test("SessionAssembler.handle() delivers output that arrived before the session's exec", async () => {
  const rec = new Recorder();
  rec.feed(...login92(1000));
  // The session child prints "Last login" and the motd on the pty before it execs the shell.
  const [shellFork, shellExec] = startShell(2010, { argv: ["-bash"], tty: 0 });
  rec.feed(shellFork!, out(2011, "Last login: Wed May  1 15:00:00 2024\r\n"));
  assert.deepEqual(rec.events, []);
  rec.feed(shellExec!, out(2100, "$ "));
  rec.feed(
    exit(3000, { pid: shell, ppid: user, conn }),
    exit(3001, { pid: user, ppid: conn, conn }),
  );
  await rec.settle();

  assert.deepEqual(rec.types(), [
    "connection_established",
    "terminal_update",
    "command_start",
    "terminal_update",
    "command_finish",
    "connection_close",
  ]);
  assert.deepEqual(rec.events[1], {
    ...sessionFields("terminal_update", 2011),
    "terminal_data": "Last login: Wed May  1 15:00:00 2024\r\n",
    "data_len": 38,
  });
  // sshd printed it, not the shell: only the prompt is the shell's output.
  assert.equal(field(rec.events[4], "stdout"), "$ ");
});

Deno.test("SessionAssembler.handle() reports no terminal_input while echo is off", async () => {
  const rec = new Recorder();
  rec.feed(...login92(1000), ...startShell(2010, { argv: ["-bash"], tty: 0 }));
  // Three batches: the prompt, the password typed later (and its newline), the next command.
  rec.feed(out(3000, "[sudo] password for nobody: "));
  rec.feed(
    io(3001, { pid: user, conn, dir: "input", data: "", tty: 0, echoOff: true }),
    out(3002, "\r\n"),
  );
  rec.feed(input(3003, "id\r"));
  rec.feed(
    exit(4000, { pid: shell, ppid: user, conn }),
    exit(4001, { pid: user, ppid: conn, conn }),
  );
  await rec.settle();
  assert.deepEqual(rec.types(), [
    "connection_established",
    "command_start",
    "terminal_update",
    "terminal_update",
    "terminal_input",
    "command_finish",
    "connection_close",
  ]);
  assert.equal(field(rec.events[4], "terminal_data"), "id\r");
});

/**
 * SessionAssembler on internal-sftp: a session child of sshd that never execs, known by its first
 * read as a session leader of its own (rec_io's sid). sshd's other processes never qualify.
 */
import assert from "node:assert/strict";
import type { ForkRecord } from "../tracer/records.ts";
import {
  CLIENT_TCP,
  epoch,
  exec,
  exit,
  field,
  fork,
  io,
  login92,
  NOBODY,
  open,
  pick,
  PID,
  Recorder,
  SESSION_ID,
  sessionFields,
  startShell,
} from "./_fixtures.ts";
import { out } from "./_fixtures_io.ts";

const { listener, conn, user, shell } = PID;
const S_IFREG = 0o100000;
const S_IFCHR = 0o020000;

/** The quietPipes() calls so far. */
function quietCalls(rec: Recorder): string[] {
  return rec.hookCalls.filter((c) => c.startsWith("quiet"));
}

/** The user's sshd forks `pid` for the channel, which calls setsid() and keeps sshd's image. */
function sftpChild(ms: number, pid: number = shell): ForkRecord {
  return fork(ms, { parent: user, child: pid, conn, uid: NOBODY });
}

Deno.test("SessionAssembler.handle() starts a transfer session at the first read of an internal-sftp child", async () => {
  const rec = new Recorder();
  rec.feed(...login92(1000), sftpChild(2010));
  assert.deepEqual(rec.events, [], "a fork alone starts nothing");
  // The child reads SSH_FXP_INIT from its stdin pipe: sshd's image, leader of its own session.
  const init = "\x00\x00\x00\x05\x01\x00\x00\x00\x03";
  rec.feed(io(2020, { pid: shell, conn, sid: shell, dir: "output", data: init, pipe: 7001n }));
  assert.deepEqual(rec.events, [
    sessionFields("connection_established", 2020, { "tty_id": -1, "start_time": epoch(2020) }),
  ]);
  assert.deepEqual(rec.assembler.sessions.list().map((s) => s.session_id), [SESSION_ID]);
  const file = (ms: number, path: string, write: boolean, iMode: number) =>
    open(ms, { pid: shell, conn, path, cwd: "/home/nobody", write, iMode });
  rec.feed(
    io(2030, {
      pid: shell,
      conn,
      sid: shell,
      dir: "output",
      data: "\x00\x00\x00\x10",
      pipe: 7001n,
    }),
    file(2040, "up.txt", true, S_IFREG | 0o640),
    file(2041, "/dev/null", true, S_IFCHR | 0o666),
    file(2042, "gone.txt", false, 0),
    file(2043, "/etc/motd", false, S_IFREG | 0o644),
    exit(2100, { pid: shell, ppid: user, conn, pipes: [7001n, 7002n, 7003n] }),
  );
  await rec.waitFor("connection_close");
  rec.feed(exit(2101, { pid: user, ppid: conn, conn }));
  await rec.settle();

  // Protocol bytes are no screen: no terminal_update, no terminal_input, and no command.
  assert.deepEqual(rec.types(), [
    "connection_established",
    "file_upload",
    "file_download",
    "connection_close",
  ]);
  const piped = { "tty_id": -1, "start_time": epoch(2020) };
  assert.deepEqual(rec.events.slice(1, 3), [
    {
      ...sessionFields("file_upload", 2040, piped),
      "target_path": "/home/nobody/up.txt",
      "file_mode": "640",
    },
    {
      ...sessionFields("file_download", 2043, piped),
      "target_path": "/etc/motd",
      "file_mode": "644",
    },
  ]);
  assert.deepEqual(pick(rec.events[3]!, ["shell_pid", "pts_pid", "end_time", "duration_ms"]), {
    "shell_pid": shell,
    "pts_pid": user,
    "end_time": epoch(2100),
    "duration_ms": 80,
  });
  assert.deepEqual(quietCalls(rec), ["quiet 7001 true", "quiet 7001 false"]);
  assert.deepEqual(rec.assembler.sessions.list(), []);
});

Deno.test("SessionAssembler.handle() quiets every pipe of an internal-sftp child as /proc lists them", async () => {
  // A live process with pipes on fds 0-2 plays the child, so that /proc/<pid>/fd is real.
  const child = new Deno.Command("cat", { stdin: "piped", stdout: "piped", stderr: "piped" })
    .spawn();
  try {
    const inode = (fd: number) =>
      BigInt(/^pipe:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/${child.pid}/fd/${fd}`))![1]!);
    const [stdin, stdout, stderr] = [inode(0), inode(1), inode(2)];
    const rec = new Recorder();
    rec.feed(...login92(1000), sftpChild(2010, child.pid));
    rec.feed(
      io(2020, { pid: child.pid, conn, sid: child.pid, dir: "output", data: "init", pipe: stdin }),
      // The user's sshd reads the reply from the child's stdout pipe: part of the transfer.
      io(2030, { pid: user, conn, dir: "output", data: "version", pipe: stdout }),
    );
    assert.deepEqual(rec.types(), ["connection_established"]);
    assert.equal(field(rec.events[0], "shell_pid"), child.pid);
    assert.deepEqual(quietCalls(rec), [`quiet ${stdin},${stdout},${stderr} true`]);
    rec.feed(exit(2100, { pid: child.pid, ppid: user, conn }));
    await rec.waitFor("connection_close");
    await rec.settle();
    assert.deepEqual(rec.types(), ["connection_established", "connection_close"]);
    assert.deepEqual(quietCalls(rec).slice(1), [`quiet ${stdin},${stdout},${stderr} false`]);
  } finally {
    await child.stdin.close();
    await child.output();
  }
});

Deno.test("SessionAssembler.handle() starts no session for pipe reads of sshd processes that lead no session", async () => {
  const rec = new Recorder();
  rec.feed(...login92(1000));
  // `ssh host cmd` before the command's exec: the user's sshd, in the session the ptm leads,
  // already reads the pipes. So may a child of it that did not call setsid().
  const helper = 4000030;
  rec.feed(
    io(2005, { pid: user, conn, dir: "output", data: "early\n", pipe: 7002n }),
    fork(2006, { parent: user, child: helper, conn, uid: NOBODY }),
    io(2007, { pid: helper, conn, dir: "output", data: "helper\n", pipe: 7002n }),
  );
  await rec.settle();
  assert.deepEqual(rec.events, []);
  assert.deepEqual(rec.assembler.sessions.list(), []);
  assert.deepEqual(quietCalls(rec), []);
  // The bytes were kept for the session that owns the pipe: they are terminal data, not sftp.
  rec.feed(...startShell(2010, { argv: ["bash", "-c", "cmd"], pipes: [7001n, 7002n, 7003n] }));
  assert.deepEqual(rec.types(), ["connection_established", "terminal_update", "command_start"]);
  assert.equal(field(rec.events[1], "terminal_data"), "early\nhelper\n");
  assert.equal(field(rec.events[0], "shell_pid"), shell);
  rec.feed(
    exit(2100, { pid: shell, ppid: user, conn }),
    exit(2101, { pid: helper, ppid: user, conn }),
    exit(2102, { pid: user, ppid: conn, conn }),
  );
  await rec.waitFor("connection_close");
  await rec.settle();
});

Deno.test("SessionAssembler.handle() starts no internal-sftp session for a pty child that opens files and execs", async () => {
  const rec = new Recorder();
  rec.feed(...login92(1000));
  // The session child of a pty login opens its terminal and reads the motd, then execs the
  // shell; it reads no pipe and no pty master. Its parent prints what it wrote to the pts.
  const [shellFork, shellExec] = startShell(2010, { argv: ["-bash"], tty: 0 });
  const opened = (path: string, write: boolean, iMode: number) =>
    open(2011, { pid: shell, conn, path, cwd: "/", write, iMode });
  rec.feed(
    shellFork!,
    opened("/dev/tty", true, S_IFCHR | 0o666),
    opened("/etc/motd", false, S_IFREG | 0o644),
    out(2011, "Welcome\r\n"),
  );
  assert.deepEqual(rec.events, []);
  rec.feed(shellExec!, out(2100, "$ "));
  rec.feed(
    exit(3000, { pid: shell, ppid: user, conn, tty: 0 }),
    exit(3001, { pid: user, ppid: conn, conn }),
  );
  await rec.waitFor("connection_close");
  await rec.settle();
  assert.deepEqual(rec.types(), [
    "connection_established",
    "terminal_update",
    "command_start",
    "terminal_update",
    "command_finish",
    "connection_close",
  ]);
  assert.deepEqual(pick(rec.events[0]!, ["session_id", "tty_id", "start_time"]), {
    "session_id": SESSION_ID,
    "tty_id": 0,
    "start_time": epoch(2012),
  });
  assert.deepEqual(quietCalls(rec), []);
});

Deno.test("SessionAssembler.handle() never starts an internal-sftp session from the ptm's own I/O", async () => {
  // The ptm leads the connection's session. Its parent is a daemon process too when the listener
  // runs inside another SSH session and the /proc scan adopted it there.
  for (const nested of [false, true]) {
    const rec = new Recorder();
    if (nested) {
      const argv = ["/usr/sbin/sshd", "-D", "-p", "2222"];
      const adopted = { tgid: listener, ppid: 4000090, conn: 4000080, uid: 0, argv };
      rec.assembler.adoptProcess({ ...adopted, exe: "/usr/sbin/sshd" });
    }
    // A root login: the monitor (the ptm) does the session's I/O itself, here before the exec.
    const [connFork, connExec, preauthFork, preauthExit] = login92(1000);
    rec.feed(
      connFork!,
      connExec!,
      preauthFork!,
      preauthExit!,
      fork(2010, { parent: conn, child: shell, conn }),
    );
    const ptm = { pid: conn, conn, sid: conn, dir: "output" } as const; // it leads its session
    rec.feed(
      io(2011, { ...ptm, data: "pipe\n", pipe: 7002n }),
      io(2012, { ...ptm, data: "tty\r\n", tty: 2 }),
    );
    assert.deepEqual(rec.events, [], `nested ${nested}`);
    assert.deepEqual(rec.assembler.sessions.list(), [], `nested ${nested}`);
    rec.feed(
      exec(2020, {
        pid: shell,
        ppid: conn,
        conn,
        sid: shell,
        filename: "/bin/bash",
        argv: ["-bash"],
        tty: 2,
        startMs: 2010,
      }),
      exit(3000, { pid: shell, ppid: conn, conn }),
      exit(3001, { pid: conn, ppid: listener, conn }),
    );
    await rec.waitFor("connection_close");
    await rec.settle();
    assert.deepEqual(rec.types(), [
      "connection_established",
      "terminal_update",
      "command_start",
      "command_finish",
      "connection_close",
    ], `nested ${nested}`);
    assert.deepEqual(pick(rec.events[1]!, ["terminal_data", "tty_id", "pts_pid"]), {
      "terminal_data": "tty\r\n",
      "tty_id": 2,
      "pts_pid": conn,
    });
    assert.deepEqual(field(rec.events[0], "tcp_info"), CLIENT_TCP);
    assert.deepEqual(quietCalls(rec), [], `nested ${nested}`);
  }
});

Deno.test("SessionAssembler.handle() keeps the id of an internal-sftp server that ran before the daemon", () => {
  // The daemon (re)started while the transfer ran: the /proc scan found the server; it started
  // 2.01 s after boot, as the fork record of a daemon running then said (see the first test).
  const rec = new Recorder();
  const sshd = { uid: 0, exe: "/usr/sbin/sshd", argv: ["sshd: nobody"] };
  rec.assembler.adoptProcess({ ...sshd, tgid: conn, ppid: listener, conn });
  rec.assembler.adoptProcess({ ...sshd, tgid: user, ppid: conn, conn, uid: NOBODY });
  rec.assembler.adoptProcess({
    ...sshd,
    tgid: shell,
    ppid: user,
    conn,
    uid: NOBODY,
    startTicks: 201,
  });
  rec.feed(io(9000, { pid: shell, conn, sid: shell, dir: "output", data: "more", pipe: 7001n }));
  assert.deepEqual(
    pick(rec.events[0]!, ["event_type", "session_id", "existing", "start_time"]),
    {
      "event_type": "connection_established",
      "session_id": SESSION_ID,
      existing: true,
      "start_time": epoch(2010),
    },
  );
});

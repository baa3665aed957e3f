import assert from "node:assert/strict";
import type { OpenRecord } from "../tracer/records.ts";
import { absolutePath, transferEvent } from "./transfer.ts";
import {
  exec,
  exit,
  field,
  io,
  login92,
  NOBODY,
  open,
  pick,
  PID,
  Recorder,
  sessionFields,
  startShell,
} from "./_fixtures.ts";

const { conn, user, shell } = PID;
const S_IFREG = 0o100000;
const S_IFCHR = 0o020000;
const S_IFDIR = 0o040000;

/** An open() by sftp-server (the session's first process) at `ms`. */
function openOf(
  f: { path: string; cwd: string; write: boolean; iMode: number },
  ms = 3000,
): OpenRecord {
  return open(ms, { pid: shell, conn, ...f });
}

const base = sessionFields("file_upload", 3000, { "tty_id": -1 });

Deno.test("transferEvent() joins a relative upload path onto the cwd the kernel recorded", () => {
  const r = openOf({
    path: "in/report.pdf",
    cwd: "/srv/data",
    write: true,
    iMode: S_IFREG | 0o640,
  });
  assert.deepEqual(transferEvent(r, base), {
    ...base,
    "event_type": "file_upload",
    "target_path": "/srv/data/in/report.pdf",
    "file_mode": "640",
  });
});

Deno.test("transferEvent() reports a read-only open as a download and keeps an absolute path", () => {
  const r = openOf({
    path: "/etc/hosts",
    cwd: "/home/nobody",
    write: false,
    iMode: S_IFREG | 0o644,
  });
  assert.deepEqual(pick(transferEvent(r, base)!, ["event_type", "target_path", "file_mode"]), {
    "event_type": "file_download",
    "target_path": "/etc/hosts",
    "file_mode": "644",
  });
});

Deno.test("transferEvent() keeps setuid and sticky bits and joins a path at the root", () => {
  const r = openOf({ path: "tool", cwd: "/", write: true, iMode: S_IFREG | 0o4755 });
  assert.deepEqual(pick(transferEvent(r, base)!, ["target_path", "file_mode"]), {
    "target_path": "/tool",
    "file_mode": "4755",
  });
});

Deno.test("transferEvent() returns undefined for /dev/null and a directory: no regular file", () => {
  const devNull = openOf({ path: "/dev/null", cwd: "/", write: true, iMode: S_IFCHR | 0o666 });
  assert.equal(transferEvent(devNull, base), undefined);
  const dir = openOf({ path: "in", cwd: "/srv", write: false, iMode: S_IFDIR | 0o755 });
  assert.equal(transferEvent(dir, base), undefined);
});

Deno.test("transferEvent() returns undefined when the open failed", () => {
  const r = openOf({ path: "secret", cwd: "/root", write: false, iMode: 0 });
  assert.equal(r.ret, -2);
  assert.equal(transferEvent(r, base), undefined);
  // Even should a failed open carry a mode, the error decides.
  assert.equal(transferEvent({ ...r, iMode: S_IFREG | 0o600 }, base), undefined);
});

Deno.test("absolutePath() keeps an absolute path and joins a relative one once", () => {
  assert.equal(absolutePath("/etc/hosts", "/home/nobody"), "/etc/hosts");
  assert.equal(absolutePath("a.txt", "/home/nobody"), "/home/nobody/a.txt");
  assert.equal(absolutePath("a.txt", "/home/nobody/"), "/home/nobody/a.txt");
  assert.equal(absolutePath("a.txt", "/"), "/a.txt");
});

Deno.test("SessionAssembler.handle() reports the files sftp-server opens, and no terminal data", async () => {
  const rec = new Recorder();
  const pipes = [7001n, 7002n, 7003n];
  const sftp = "/usr/lib/openssh/sftp-server";
  rec.feed(...login92(1000));
  rec.feed(...startShell(2010, { argv: ["bash", "-c", sftp], pipes, cwd: "/home/nobody" }));
  rec.feed(
    exec(2020, {
      pid: shell,
      ppid: user,
      conn,
      sid: shell,
      filename: sftp,
      argv: [sftp],
      uid: NOBODY,
      pipes,
      cwd: "/home/nobody",
      startMs: 2010,
    }),
    // Copied before the daemon quieted the session's pipes: protocol bytes, not terminal data.
    io(2100, { pid: user, conn, dir: "input", data: "\x00\x00\x00\x05\x01", pipe: 7001n }),
    openOf({ path: "up.bin", cwd: "/home/nobody", write: true, iMode: S_IFREG | 0o600 }, 2200),
    openOf({ path: "/dev/null", cwd: "/", write: true, iMode: S_IFCHR | 0o666 }, 2201),
    openOf({ path: "gone", cwd: "/home/nobody", write: false, iMode: 0 }, 2202),
    openOf({ path: "/etc/motd", cwd: "/", write: false, iMode: S_IFREG | 0o644 }, 2203),
    io(2300, { pid: user, conn, dir: "output", data: "\x00\x00\x00\x05\x02", pipe: 7002n }),
    exit(2400, { pid: shell, ppid: user, conn, pipes }),
    exit(2401, { pid: user, ppid: conn, conn }),
  );
  await rec.waitFor("connection_close");
  await rec.settle();
  assert.deepEqual(rec.types(), [
    "connection_established",
    "command_start",
    "command_start",
    "file_upload",
    "file_download",
    "command_finish",
    "command_finish",
    "connection_close",
  ]);
  const piped = { "tty_id": -1 };
  assert.deepEqual(rec.events.slice(3, 5), [
    {
      ...sessionFields("file_upload", 2200, piped),
      "target_path": "/home/nobody/up.bin",
      "file_mode": "600",
    },
    {
      ...sessionFields("file_download", 2203, piped),
      "target_path": "/etc/motd",
      "file_mode": "644",
    },
  ]);
  assert.deepEqual(rec.events.slice(5, 7).map((e) => field(e, "exec_path")), ["/bin/bash", sftp]);
  assert.deepEqual(rec.hookCalls.slice(1), [
    "quiet 7001,7002,7003 true",
    "quiet 7001,7002,7003 false",
  ]);
});

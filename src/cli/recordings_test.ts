import assert from "node:assert/strict";
import type { RecordingInfo } from "../recorder/mod.ts";
import { runSshlog } from "./_fixture_daemon.ts";
import { formatDuration, formatRecordingsTable, formatSize } from "./recordings.ts";

const HEADER = (user: string, start: number) =>
  JSON.stringify({
    version: 2,
    width: 80,
    height: 24,
    timestamp: start,
    title: `${user}@web1 from 10.1.1.1`,
  });

async function sampleDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-cli-rec-" });
  await Deno.writeTextFile(
    `${dir}/s-1.cast`,
    `${HEADER("alice", 1714580000)}\n[0.5, "o", "hi\\r\\n"]\n[65, "o", "$ "]\n`,
  );
  await Deno.writeTextFile(`${dir}/s-1.log`, "[[ sshlog: session s-1 ... ]]\nhi\n");
  await Deno.writeTextFile(
    `${dir}/s-2.cast`,
    `${HEADER("bob", 1714590000)}\n[1, "o", "secret\\r\\n"]\n`,
  );
  await Deno.writeTextFile(
    `${dir}/s-2.log`,
    "[[ sshlog: session s-2 ... ]]\nsecret\n[[ sshlog: session s-2 ended 2024-05-01 19:00:01 ]]\n",
  );
  return dir;
}

Deno.test("formatRecordingsTable() sizes columns to their content and escapes user text", () => {
  const info: RecordingInfo = {
    "session_id": "s-1",
    user: "bi\x1bly",
    host: "web1",
    client: "::1",
    "start_time": new Date(2024, 4, 1, 16, 0, 0).getTime(),
    "duration_ms": 3_723_000,
    "size_bytes": 1536,
    recording: false,
    "cast_path": "/x/s-1.cast",
    "log_path": "/x/s-1.log",
  };
  assert.equal(
    formatRecordingsTable([info]),
    "Session  User      Host  Client  Start                Duration  Size     State\n" +
      "s-1      bi\\x1bly  web1  ::1     2024-05-01 16:00:00  1h02m03s  1.5 KiB  ended\n",
  );
  assert.equal(formatDuration(125_000), "2m05s");
  assert.equal(formatDuration(4_000), "4s");
  assert.equal(formatSize(512), "512 B");
  assert.equal(formatSize(12 * 1024 * 1024), "12.0 MiB");
});

Deno.test("sshlog recordings --json lists, filters by user and searches transcripts", async () => {
  const dir = await sampleDir();
  const all = await runSshlog(["recordings", "--json", "--dir", dir]);
  assert.equal(all.code, 0, all.stderr);
  const parsed = JSON.parse(all.stdout);
  assert.deepEqual(
    parsed.recordings.map((r: RecordingInfo) => [r.session_id, r.user, r.duration_ms, r.recording]),
    [
      ["s-1", "alice", 65000, true],
      ["s-2", "bob", 1000, false],
    ],
  );
  const grep = await runSshlog(["recordings", "--json", "--grep", "secret"], {
    SSHLOG_SESSIONS_DIR: dir,
  });
  assert.deepEqual(JSON.parse(grep.stdout).recordings.map((r: RecordingInfo) => r.session_id), [
    "s-2",
  ]);
  const user = await runSshlog(["recordings", "--dir", dir, "--user", "alice"]);
  assert.equal(user.code, 0);
  assert.match(
    user.stdout,
    /^Session +User +Host +Client +Start +Duration +Size +State\ns-1 +alice +web1 +10\.1\.1\.1 .* 1m05s .* recording\n$/,
  );
});

Deno.test("sshlog recordings exits 2 on a bad --since and 1 on a missing directory", async () => {
  const bad = await runSshlog(["recordings", "--since", "yesterday"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^sshlog recordings: Invalid time "yesterday"/);
  const missing = await runSshlog(["recordings", "--dir", "/nonexistent/sshlog"]);
  assert.deepEqual(missing, {
    code: 1,
    stdout: "",
    stderr: 'Cannot list recordings in "/nonexistent/sshlog": no such directory\n',
  });
});

import assert from "node:assert/strict";
import { runSshlog } from "./_fixture_daemon.ts";

Deno.test("sshlog replay plays a recording's output by file or session id", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-cli-replay-" });
  const header = JSON.stringify({ version: 2, width: 80, height: 24, timestamp: 1714580000 });
  await Deno.writeTextFile(
    `${dir}/s-1.cast`,
    `${header}\n[0.01, "o", "\\u001b[1mhi\\u001b[0m\\r\\n"]\n[0.02, "m", "ls"]\n[50, "o", "\u65e5\\r\\n"]\n`,
  );
  await Deno.writeTextFile(
    `${dir}/s-1.log`,
    "x\n[[ sshlog: session s-1 ended 2024-05-01 16:00:00 ]]\n",
  );
  const expected = { code: 0, stdout: "\x1b[1mhi\x1b[0m\r\n\u65e5\r\n", stderr: "" };
  assert.deepEqual(
    await runSshlog(["replay", `${dir}/s-1.cast`, "--idle-limit", "0.01"]),
    expected,
  );
  assert.deepEqual(
    await runSshlog(["replay", "s-1", "--speed", "1000"], { SSHLOG_SESSIONS_DIR: dir }),
    expected,
  );
});

Deno.test("sshlog replay exits 1 for a missing recording and 2 for a bad flag", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-cli-replay-" });
  const missing = await runSshlog(["replay", "s-404", "--dir", dir]);
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stderr,
    `Cannot find recording "s-404": no such file, nor session in "${dir}"\n`,
  );
  const bad = await runSshlog(["replay", "s-404", "--speed", "0"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^sshlog replay: Invalid value "0" for --speed: use a number > 0\n/);
  await Deno.writeTextFile(`${dir}/bad.cast`, '{"version":2,"width":80,"height":24}\n[1, "o"]\n');
  const broken = await runSshlog(["replay", `${dir}/bad.cast`]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /^Cannot replay ".*bad\.cast": Line 2: Cannot parse asciicast event/);
});

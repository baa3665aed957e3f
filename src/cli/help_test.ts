import assert from "node:assert/strict";
import { runSshlog, startDaemonFixture } from "./_fixture_daemon.ts";

Deno.test("sshlog --version prints the version", async () => {
  const result = await runSshlog(["--version"]);
  assert.deepEqual(result, { code: 0, stdout: "sshlog 0.1.0\n", stderr: "" });
});

Deno.test("sshlog version adds the daemon's version when it answers", async () => {
  await using daemon = await startDaemonFixture();
  const result = await runSshlog(["version", "--socket", daemon.path]);
  assert.deepEqual(result, { code: 0, stdout: "sshlog 0.1.0\ndaemon 0.1.0\n", stderr: "" });
  const alone = await runSshlog(["version", "--socket", `${daemon.dir}/none.sock`]);
  assert.deepEqual(alone, { code: 0, stdout: "sshlog 0.1.0\n", stderr: "" });
});

Deno.test("sshlog help lists the commands", async () => {
  const result = await runSshlog(["help"]);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /\nCommands:\n(.*\n)* {2}sessions +list the live SSH sessions\n/);
  assert.deepEqual(await runSshlog(["--help"]), result);
});

Deno.test("sshlog help CMD prints the same as sshlog CMD --help", async () => {
  const viaHelp = await runSshlog(["help", "watch"]);
  const viaFlag = await runSshlog(["watch", "--help"]);
  assert.equal(viaHelp.code, 0);
  assert.deepEqual(viaHelp, viaFlag);
  assert.match(viaHelp.stdout, /^Print the daemon's events live/);
  assert.match(viaHelp.stdout, /\nExamples:\n/);
});

Deno.test("sshlog exits 2 with the overview for an unknown or missing command", async () => {
  const unknown = await runSshlog(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stdout, "");
  assert.match(unknown.stderr, /^sshlog: Unknown command "frobnicate"\n\nsshlog records/);
  const none = await runSshlog([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /\nUsage: sshlog COMMAND \[FLAGS\]\n/);
  const unknownTopic = await runSshlog(["help", "frobnicate"]);
  assert.equal(unknownTopic.code, 2);
});

Deno.test("flags may come before the command name", async () => {
  await using daemon = await startDaemonFixture();
  const before = await runSshlog(["--socket", daemon.path, "version"]);
  assert.deepEqual(before, { code: 0, stdout: "sshlog 0.1.0\ndaemon 0.1.0\n", stderr: "" });
  const unknown = await runSshlog(["--socket", daemon.path]);
  assert.equal(unknown.code, 2);
});

Deno.test("a flag's value before the command is not taken for the command", async () => {
  const result = await runSshlog(["--grep", "kill", "recordings", "--dir", "/nonexistent/x"]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^Cannot list recordings in "\/nonexistent\/x": no such directory/);
});

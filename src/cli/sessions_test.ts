import assert from "node:assert/strict";
import { liveSession, runSshlog, startDaemonFixture } from "./_fixture_daemon.ts";

Deno.test("sshlog sessions prints the live sessions as a table", async () => {
  await using daemon = await startDaemonFixture([
    liveSession("alice", 33),
    { ...liveSession("bob", -1), "last_command": "printf '\x1b[2J'" },
  ]);
  const result = await runSshlog(["sessions", "--socket", daemon.path]);
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.equal(
    result.stdout,
    [
      "User   Last Activity  Last Command      Session Start        Client IP        TTY",
      "alice  just now       /usr/bin/top      2024-05-01 16:16:45  15.12.5.8:59120  33",
      "bob    just now       printf '\\x1b[2J'  2024-05-01 16:16:45  15.12.5.8:59120  -",
      "",
    ].join("\n"),
  );
});

Deno.test("sshlog sessions --json prints the sessions document", async () => {
  await using daemon = await startDaemonFixture();
  const result = await runSshlog(["sessions", "--json", "--socket", daemon.path]);
  assert.equal(result.code, 0);
  const document = JSON.parse(result.stdout);
  assert.equal(document.sessions[0].username, "alice");
  assert.equal(document.sessions[0].tcp_info.client_port, 59120);
  assert.equal(typeof document.sessions[0].last_activity_time, "number");
});

Deno.test("sshlog sessions reads SSHLOG_SOCKET and lets --socket win over it", async () => {
  await using daemon = await startDaemonFixture();
  const fromEnv = await runSshlog(["sessions", "--json"], { SSHLOG_SOCKET: daemon.path });
  assert.equal(fromEnv.code, 0);
  const flagWins = await runSshlog(["sessions", "--json", "--socket", daemon.path], {
    SSHLOG_SOCKET: `${daemon.dir}/wrong.sock`,
  });
  assert.equal(flagWins.code, 0);
});

Deno.test("sshlog sessions exits 1 with one sentence when the daemon is unreachable", async () => {
  const dir = await Deno.makeTempDir();
  const result = await runSshlog(["sessions", "--socket", `${dir}/none.sock`]);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    `Cannot connect to the sshlog daemon at "${dir}/none.sock": is it running? (sshlog daemon)\n`,
  );
  await Deno.remove(dir);
});

Deno.test("sshlog sessions exits 2 with a usage line on an unknown flag", async () => {
  const result = await runSshlog(["sessions", "--bogus"]);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  const lines = result.stderr.split("\n");
  assert.equal(lines[0], 'sshlog sessions: Unknown option "--bogus"');
  assert.equal(lines[1], "Usage: sshlog sessions [--json] [--socket PATH]");
});

Deno.test("sshlog sessions exits 2 on a stray argument or a missing flag value", async () => {
  const stray = await runSshlog(["sessions", "extra"]);
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /^sshlog sessions: Unexpected argument "extra"\n/);
  const missing = await runSshlog(["sessions", "--socket"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^sshlog sessions: Option "--socket <value>" argument missing\n/);
});

Deno.test("sshlog sessions --help shows flags with their variable and examples", async () => {
  const result = await runSshlog(["sessions", "--help"]);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /^List the live SSH sessions the daemon tracks\.\n/);
  assert.match(result.stdout, /--socket PATH +daemon socket \(env SSHLOG_SOCKET;/);
  assert.match(result.stdout, /\nExamples:\n {2}sshlog sessions\n/);
});

/**
 * End-to-end: who may use the daemon socket (SPEC §8). Root and members of group sshlog; anyone
 * else gets one clear sentence and exit 1. Needs root (it creates the test users).
 */
import assert from "node:assert/strict";
import { REPO_ROOT, runSshlog, startDaemon } from "./_harness/daemon.ts";

async function sh(user: string, command: string): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command("su", {
    args: [user, "-s", "/bin/bash", "-c", `cd ${REPO_ROOT} && ${command}`],
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

async function ensureUser(name: string, groups: string[]): Promise<void> {
  const exists = await new Deno.Command("id", { args: [name], stdout: "null", stderr: "null" })
    .output();
  if (exists.code === 0) return;
  const args = ["-M", "-s", "/bin/bash", ...(groups.length ? ["-G", groups.join(",")] : []), name];
  const made = await new Deno.Command("useradd", { args }).output();
  assert.equal(made.code, 0);
}

Deno.test({
  name: "the socket serves root and group sshlog and refuses anyone else clearly",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await ensureUser("sshloggrp", ["sshlog"]);
    await ensureUser("sshlogother", []);
    await using daemon = await startDaemon({ collect: false });
    const socket = await Deno.stat(daemon.socket);
    assert.equal(socket.mode! & 0o777, 0o660);
    // The socket's folder must let the test users reach it.
    await Deno.chmod(daemon.socket.replace(/\/[^/]+$/, ""), 0o755);

    const member = await sh("sshloggrp", `./sshlog sessions --socket ${daemon.socket}`);
    assert.equal(member.code, 0, member.stderr);
    const other = await sh("sshlogother", `./sshlog sessions --socket ${daemon.socket}`);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /^Permission denied on ".*": run as root or join group sshlog/);
    const kill = await sh("sshlogother", `./sshlog kill 1 --socket ${daemon.socket}`);
    assert.equal(kill.code, 1);
    assert.match(kill.stderr, /Permission denied/);
  },
});

Deno.test({
  name: "a second daemon on a socket that a daemon serves exits 1 at once, the first goes on",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using daemon = await startDaemon({ collect: false });
    const second = await runSshlog([
      "daemon",
      "--socket",
      daemon.socket,
      "--config-dir",
      daemon.configDir,
    ]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /Cannot serve the socket ".*": .*another sshlog daemon answers/);
    assert.equal((await daemon.cli(["version"])).code, 0, "the first daemon still answers");
  },
});

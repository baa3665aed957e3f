/**
 * End-to-end: failed logins. A wrong password (sshd records it in btmp), an unknown user, and a
 * public key the user does not accept (btmp stays silent: the daemon sees sshd read the user's
 * authorized_keys and the pre-authentication child fail). A successful login that runs no session
 * (`ssh -N`) is no failure. Needs root.
 */
import assert from "node:assert/strict";
import { startSshd } from "./_harness/sshd.ts";
import { isType, startDaemon } from "./_harness/daemon.ts";

const USER = "sshlogtest";
const NO_KEY_USER = "sshlognokey";

async function run(cmd: string, args: string[]): Promise<void> {
  await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output();
}

Deno.test({
  name: "capture: failed logins are connection_auth_failed, once each, with user and address",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using sshd = await startSshd();
    await sshd.ensureUser(USER);
    await sshd.setPassword(USER, "right-password-1");
    await run("useradd", ["-m", "-s", "/bin/bash", NO_KEY_USER]);
    await using daemon = await startDaemon();
    const failures = () =>
      daemon.events.filter(isType("connection_auth_failed")).filter((e) =>
        e.tcp_info.server_port === sshd.port || e.tcp_info.server_port === 0
      );

    await t.step("a wrong password", async () => {
      const result = await sshd.ssh(USER, ["true"], { password: "wrong-password" });
      assert.notEqual(result.code, 0);
      const event = await daemon.events.waitForType(
        "connection_auth_failed",
        (e) => e.username === USER,
      );
      assert.equal(event.tcp_info.client_ip, "127.0.0.1");
      assert.equal(event.tcp_info.server_port, sshd.port);
      assert.ok(event.user_id >= 1000);
    });

    await t.step("an unknown user", async () => {
      const result = await sshd.ssh("nosuchuser-e2e", ["true"]);
      assert.notEqual(result.code, 0);
      const event = await daemon.events.waitForType(
        "connection_auth_failed",
        (e) => e.username === "nosuchuser-e2e",
      );
      assert.equal(event.user_id, -1);
    });

    await t.step("a public key the user does not accept", async () => {
      const result = await sshd.ssh(NO_KEY_USER, ["true"]);
      assert.notEqual(result.code, 0);
      const event = await daemon.events.waitForType(
        "connection_auth_failed",
        (e) => e.username === NO_KEY_USER,
      );
      assert.equal(event.auth_method, "publickey");
      assert.equal(event.tcp_info.server_port, sshd.port);
    });

    await t.step("a login without a session is no failure", async () => {
      const session = await sshd.spawnSsh(USER, [], { flags: ["-N"] });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await session.kill();
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const forUser = failures().filter((e) => e.username === USER);
      assert.equal(forUser.length, 1, JSON.stringify(forUser)); // the wrong password only
      assert.equal(failures().filter((e) => e.username === "nosuchuser-e2e").length, 1);
    });
    await run("userdel", ["-r", NO_KEY_USER]);
  },
});

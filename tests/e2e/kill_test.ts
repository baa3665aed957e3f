/**
 * End-to-end: `sshlog kill` ends a tracked session (connection_close follows) and refuses a key
 * that names no tracked session. Needs root.
 */
import assert from "node:assert/strict";
import { startSshd } from "./_harness/sshd.ts";
import { startDaemon } from "./_harness/daemon.ts";

const USER = "sshlogtest";

Deno.test({
  name: "sshlog kill ends a tracked session and refuses an unknown one",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using sshd = await startSshd();
    await sshd.ensureUser(USER);
    await using daemon = await startDaemon();
    const session = await sshd.spawnSsh(USER, ["echo kill-marker; sleep 60"], { tty: true });
    try {
      const start = await daemon.events.waitForType(
        "command_start",
        (e) => e.args.includes("kill-marker"),
      );
      const unknown = await daemon.cli(["kill", "no-such-session"]);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /No live session matches "no-such-session"/);

      const killed = await daemon.cli(["kill", start.session_id]);
      assert.equal(killed.code, 0, killed.stderr);
      assert.match(killed.stdout, new RegExp(`^Killed session ${start.session_id} of ${USER}`));
      const close = await daemon.events.waitForType(
        "connection_close",
        (e) => e.session_id === start.session_id,
      );
      assert.ok(close.end_time >= start.timestamp);
      const status = await session.wait();
      assert.notEqual(status.code, 0, "the client was disconnected");
    } finally {
      session.kill();
    }
  },
});

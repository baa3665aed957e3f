/**
 * End-to-end: a session still open when the daemon restarts goes on in the same recording files,
 * and its events after the restart are marked `existing`. Needs root.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startSshd, waitFor } from "./_harness/sshd.ts";
import { startDaemon } from "./_harness/daemon.ts";
import { parseCast } from "../../src/recorder/format.ts";

const USER = "sshlogtest";

function config(dir: string): string {
  return `events:
  - event: record
    triggers: [connection_established, connection_close, command_start, terminal_update,
               terminal_resize]
    actions:
      - action: sessions
        plugin: sessionlog_action
        log_directory: ${dir}
`;
}

Deno.test({
  name: "recording: a session open across a daemon restart continues in its files",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const recordings = join(dir, "sessions");
    await using sshd = await startSshd();
    await sshd.ensureUser(USER);
    const session = await sshd.spawnSsh(USER, [], { tty: true });
    try {
      const first = await startDaemon({ config: { "10-rec.yaml": config(recordings) } });
      await session.write("/bin/echo before-restart-marker\r");
      const start = await first.events.waitForType(
        "command_start",
        (e) => e.args.includes("before-restart-marker") && e.tcp_info.server_port === sshd.port,
      );
      const cast = join(recordings, `${start.session_id}.cast`);
      await waitFor("the first output in the cast", async () => {
        const text = await Deno.readTextFile(cast).catch(() => "");
        return text.includes("before-restart-marker") ? text : undefined;
      });
      await first.stop();

      await using second = await startDaemon({ config: { "10-rec.yaml": config(recordings) } });
      await session.write("/bin/echo after-restart-marker\r");
      const again = await second.events.waitForType(
        "command_start",
        (e) => e.args.includes("after-restart-marker"),
      );
      assert.equal(again.session_id, start.session_id, "the same session id after the restart");
      assert.equal(again.existing, true);
      await session.write("exit\r");
      await second.events.waitForType("connection_close", (e) => e.session_id === start.session_id);
      const text = await waitFor("the second output in the cast", async () => {
        const t = await Deno.readTextFile(cast);
        return t.includes("after-restart-marker") ? t : undefined;
      });
      const parsed = parseCast(text); // still one valid asciicast file
      const output = parsed.events.filter((e) => e[1] === "o").map((e) => e[2]).join("");
      assert.ok(output.indexOf("before-restart-marker") < output.indexOf("after-restart-marker"));
      const log = await Deno.readTextFile(join(recordings, `${start.session_id}.log`));
      assert.match(log, /resumed/);
    } finally {
      session.kill();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

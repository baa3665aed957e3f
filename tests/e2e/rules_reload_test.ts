/**
 * End-to-end: the daemon's configuration. An invalid configuration stops the daemon at start
 * (exit 2, FILE:LINE:COL on stderr); SIGHUP reloads a valid one and keeps the running rules when
 * the new files are invalid; a rule's event log receives the session's events. Needs root.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startSshd, waitFor } from "./_harness/sshd.ts";
import { runSshlog, startDaemon } from "./_harness/daemon.ts";

const USER = "sshlogtest";

function eventLog(path: string, json: boolean): string {
  return `events:
  - event: log_commands
    triggers: [command_start]
    actions:
      - action: log_events
        plugin: eventlogfile_action
        log_file_path: ${path}
        output_json: ${json}
`;
}

Deno.test({
  name: "daemon: an invalid configuration is refused at start with FILE:LINE:COL and exit 2",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.mkdir(join(dir, "conf.d"));
      await Deno.writeTextFile(
        join(dir, "conf.d", "bad.yaml"),
        "events:\n  - event: x\n    triggers: [nope]\n",
      );
      const result = await runSshlog([
        "daemon",
        "--config-dir",
        dir,
        "--socket",
        join(dir, "s.sock"),
      ]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /bad\.yaml:3:16: Unknown trigger "nope"/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "daemon: SIGHUP reloads the rules and keeps them when the new files are invalid",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const logs = await Deno.makeTempDir();
    const log = join(logs, "event.log");
    await using sshd = await startSshd();
    await sshd.ensureUser(USER);
    await using daemon = await startDaemon({ config: { "10-log.yaml": eventLog(log, false) } });
    const confd = join(daemon.configDir, "conf.d");
    const logged = (marker: string) =>
      waitFor(`"${marker}" in the event log`, async () => {
        const text = await Deno.readTextFile(log).catch(() => "");
        return text.includes(marker) ? text : undefined;
      });
    try {
      await sshd.ssh(USER, ["/bin/echo reload-marker-1"]);
      const text = await logged("reload-marker-1");
      assert.ok(!text.trimStart().startsWith("{"), "text lines first");

      await Deno.writeTextFile(join(confd, "20-bad.yaml"), "events: [\n");
      Deno.kill(daemon.pid, "SIGHUP");
      await sshd.ssh(USER, ["/bin/echo reload-marker-2"]);
      await logged("reload-marker-2"); // the running rules kept working
      assert.ok(daemon.alive, daemon.describe());

      await Deno.remove(join(confd, "20-bad.yaml"));
      await Deno.writeTextFile(join(confd, "10-log.yaml"), eventLog(log, true));
      Deno.kill(daemon.pid, "SIGHUP");
      await waitFor("the JSON rule", async () => {
        await sshd.ssh(USER, ["/bin/echo reload-marker-3"]);
        const lines = (await Deno.readTextFile(log)).trim().split("\n");
        const last = lines.findLast((l) => l.includes("reload-marker-3"));
        return last?.startsWith("{") ? last : undefined;
      }, { timeoutMs: 15_000, intervalMs: 300 });
    } finally {
      await Deno.remove(logs, { recursive: true });
    }
  },
});

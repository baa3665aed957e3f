/**
 * End-to-end adversarial input (issue #9, SPEC §8): names and command lines crafted to attack
 * log formats, terminals and shells reach the event logs and `sshlog watch` inertly; secrets in
 * the configuration never reach the daemon's own log. Needs root.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startSshd, waitFor } from "./_harness/sshd.ts";
import { ssh } from "./_harness/client.ts";
import { freePort } from "../../src/actions/_test_receivers.ts";
import type { FileTransferEvent } from "../../src/events/types.ts";
import { REPO_ROOT, runSshlog, SSHLOG, startDaemon } from "./_harness/daemon.ts";

const USER = "sshlogtest";

function logConfig(dir: string): string {
  return `events:
  - event: logs
    triggers: [connection_established, connection_close, command_start, command_finish,
               file_upload]
    actions:
      - action: text_log
        plugin: eventlogfile_action
        log_file_path: ${dir}/event.log
      - action: json_log
        plugin: eventlogfile_action
        log_file_path: ${dir}/event.json
        output_json: true
      - action: run_on_upload
        plugin: run_command_action
        command: /bin/echo
        args: ["{{target_path}}", "{{username}}"]
`;
}

/** Control characters other than newline: what a terminal or a log reader would interpret. */
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f]/;

Deno.test({
  name: "security: crafted file names and command lines are logged and watched inertly",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sshlog-sec-" });
    const tag = `pwn${crypto.randomUUID().slice(0, 8)}`;
    const evilName = `$(touch ${tag})\`touch ${tag}b\`<img src=x onerror=alert(1)>\x1b[2J.txt`;
    const evilCommand = `/bin/echo '\x1b[31mred\x1b[0m {{username}} \x1b]0;title\x07 ${tag}cmd'`;
    let watch: Deno.ChildProcess | undefined;
    try {
      await using sshd = await startSshd();
      const user = await sshd.ensureUser(USER);
      const home = user.home;
      await using daemon = await startDaemon({ config: { "10-logs.yaml": logConfig(dir) } });
      watch = new Deno.Command(SSHLOG, {
        args: ["watch", "--socket", daemon.socket],
        env: { NO_COLOR: "1" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      let shown = "";
      const watchOutput = (async () => {
        for await (const text of watch.stdout.pipeThrough(new TextDecoderStream())) shown += text;
      })();
      // Subscribed once it prints a probe command (sessions run until it has).
      await waitFor("the watch client to print a probe command", async () => {
        await sshd.ssh(USER, ["/bin/true watch-probe"]);
        return shown.includes("watch-probe") ? true : undefined;
      }, { timeoutMs: 30_000, intervalMs: 500 });

      const local = join(dir, "plain.txt");
      await Deno.writeTextFile(local, "payload\n");
      const put = await sshd.sftp(USER, [`put ${local} "${evilName}"`]);
      assert.equal(put.code, 0, put.stderr);
      const upload = await daemon.events.waitForEvent(
        (e): e is FileTransferEvent =>
          e.event_type === "file_upload" && (e as FileTransferEvent).target_path.includes(tag),
        { what: "the file_upload of the crafted name" },
      );
      assert.equal(upload.target_path, `${home}/${evilName}`, "the exact name, unaltered");

      const cmd = await sshd.ssh(USER, [evilCommand]);
      assert.equal(cmd.code, 0, cmd.stderr);
      const start = await daemon.events.waitForType(
        "command_start",
        (e) => e.filename === "/bin/echo" && e.args.includes(`${tag}cmd`),
      );
      assert.ok(start.args.includes("\x1b[31mred"), "the raw escape is in the event");
      assert.ok(start.args.includes("{{username}}"), "the template text is not expanded");
      await daemon.events.waitForType("connection_close", (e) => e.session_id === start.session_id);

      // The JSON log: every line parses and round-trips the exact name and command line.
      // (The shell's own command_start holds the tag too: wait for echo's, parsed.)
      type Logged = { "event_type": string; "target_path"?: string; args?: string };
      await waitFor("both events in the JSON log", async () => {
        const t = await Deno.readTextFile(join(dir, "event.json")).catch(() => "");
        const lines = t.split("\n").slice(0, -1); // whole lines only
        const parsed = lines.map((line) => JSON.parse(line) as Logged);
        const found = parsed.some((e) =>
          e.event_type === "file_upload" && e.target_path === upload.target_path
        ) && parsed.some((e) =>
          e.event_type === "command_start" && e.args === start.args
        );
        return found ? true : undefined;
      });

      // The text log: no raw control character, the templates left as typed.
      const text = await waitFor("both events in the text log", async () => {
        const t = await Deno.readTextFile(join(dir, "event.log")).catch(() => "");
        return t.includes(`${tag}cmd`) && t.includes("uploaded file") ? t : undefined;
      });
      assert.doesNotMatch(text, CONTROL, "no raw control character in the text log");
      assert.ok(text.includes("\\x1b[2J"), "the ESC of the file name is shown escaped");
      assert.ok(text.includes("{{username}}"));

      // `sshlog watch`: no raw control characters.
      await waitFor("watch to print the command and the upload", () => {
        return shown.includes(`${tag}cmd`) && shown.includes(`touch ${tag}`) ? true : undefined;
      });
      watch.kill("SIGTERM");
      await watchOutput;
      await watch.status;
      watch = undefined;
      assert.ok(shown.includes(`${tag}cmd`), `watch printed the command:\n${shown}`);
      assert.ok(shown.includes(`touch ${tag}`), "watch printed the upload");
      assert.doesNotMatch(shown, CONTROL, "no raw control character in watch's output");

      // Nothing ran the name: no file named after the tag anywhere a shell could have made it.
      for (const where of [home, dir, "/", "/tmp", REPO_ROOT, daemon.dir]) {
        for await (const entry of Deno.readDir(where)) {
          assert.ok(!entry.name.startsWith(tag), `${where}/${entry.name} was created`);
        }
      }
      assert.ok(daemon.alive);
    } finally {
      try {
        watch?.kill("SIGKILL");
      } catch { /* gone */ }
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "security: secrets in the configuration never appear in the daemon's --debug log",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const token = `tok${crypto.randomUUID().replaceAll("-", "")}`;
    const password = `pw${crypto.randomUUID().replaceAll("-", "")}`;
    const hmac = `hm${crypto.randomUUID().replaceAll("-", "")}`;
    // Port 9 on loopback refuses: every delivery fails and is retried, then logged as failed.
    const config = `events:
  - event: notify
    triggers: [connection_established]
    actions:
      - action: hook
        plugin: webhook_action
        webhook_url: http://user:${password}@127.0.0.1:9/hooks/${token}?token=${token}
        secret: ${hmac}
      - action: mail
        plugin: email_action
        sender: sshlog@example.org
        recipient: root@example.org
        subject: login
        smtp_server: 127.0.0.1
        smtp_port: 9
        username: mailer
        password: ${password}
`;
    await using sshd = await startSshd();
    await sshd.ensureUser(USER);
    const daemon = await startDaemon({ config: { "10-secret.yaml": config }, args: ["--debug"] });
    try {
      const r = await sshd.ssh(USER, ["/bin/true"]);
      assert.equal(r.code, 0, r.stderr);
      await daemon.events.waitForType(
        "connection_close",
        (e) => e.tcp_info.server_port === sshd.port,
      );
      // The webhook is tried 4 times (1 s, 2 s, 4 s apart) before it is logged as failed.
      await waitFor("both deliveries logged as failed", () => {
        const log = daemon.stderr;
        return /"hook"[^\n]*fail/.test(log) && /"mail"[^\n]*fail/.test(log) ? true : undefined;
      }, { timeoutMs: 30_000 });
      const reload = await runSshlog(["config", "check", "--config-dir", daemon.configDir]);
      for (const text of [reload.stdout, reload.stderr]) {
        assert.ok(!text.includes(token) && !text.includes(password) && !text.includes(hmac));
      }
    } finally {
      const { stderr } = await daemon.stop();
      assert.ok(stderr.includes("DBG") || stderr.includes("debug"), "the daemon ran with --debug");
      for (
        const [what, secret] of [["URL token", token], ["password", password], ["HMAC key", hmac]]
      ) {
        assert.ok(!stderr.includes(secret!), `the ${what} appears in the daemon log:\n${stderr}`);
      }
    }
  },
});

Deno.test({
  name: "security: an sshd started by an ordinary user is not taken for a listener",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using sshd = await startSshd();
    await sshd.ensureUser(USER);
    await using daemon = await startDaemon();
    const dir = await Deno.makeTempDir({ prefix: "sshlog-fake-sshd-" });
    const port = freePort();
    let fake: Deno.ChildProcess | undefined;
    try {
      await Deno.writeTextFile(
        join(dir, "sshd_config"),
        [
          `Port ${port}`,
          "ListenAddress 127.0.0.1",
          `HostKey ${dir}/host_key`,
          "PidFile none",
          "UsePAM no",
          "StrictModes no",
          "",
        ].join("\n"),
      );
      const keygen = await new Deno.Command("ssh-keygen", {
        args: ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "host_key")],
      }).output();
      assert.ok(keygen.success);
      await new Deno.Command("chown", { args: ["-R", USER, dir] }).output();
      // The same OpenSSH binary, run by the user: it can log that user in, but is not root's.
      fake = new Deno.Command("runuser", {
        args: ["-u", USER, "--", "/usr/sbin/sshd", "-D", "-e", "-f", join(dir, "sshd_config")],
        stdout: "null",
        stderr: "null",
      }).spawn();
      await waitFor("the user's sshd to listen", async () => {
        try {
          (await Deno.connect({ hostname: "127.0.0.1", port })).close();
          return true;
        } catch {
          return undefined;
        }
      });
      const mine = await ssh({ port }, USER, ["/bin/echo fake-listener-marker"]);
      assert.equal(mine.code, 0, mine.stderr);
      assert.match(mine.stdout, /fake-listener-marker/, "the user's sshd served the login");

      // A session on the real sshd afterwards: once it is seen, the earlier one would have been.
      await sshd.ssh(USER, ["/bin/echo after-fake-listener"]);
      await daemon.events.waitForSession(
        (e) => e.event_type === "command_start" && e.argv[1] === "after-fake-listener",
      );
      const all = daemon.events.events;
      assert.ok(all.some((e) => JSON.stringify(e).includes("after-fake-listener")));
      const leaked = all.filter((e) =>
        JSON.stringify(e).includes("fake-listener-marker") ||
        ("tcp_info" in e && e.tcp_info?.server_port === port)
      );
      assert.deepEqual(leaked, [], "nothing of the user's own sshd is reported");
    } finally {
      try {
        fake?.kill("SIGTERM");
        await fake?.status;
      } catch { /* already gone */ }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

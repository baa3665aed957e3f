/**
 * End-to-end fault injection (issue #9): the daemon killed with SIGKILL mid-session, sshd
 * restarted under a running daemon, the log directory full and the ring buffer overflowing.
 * Needs root.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { freePort } from "../../src/actions/_test_receivers.ts";
import { startSshd, waitFor } from "./_harness/sshd.ts";
import { isType, type SshlogEvent, startDaemon, terminalBytes } from "./_harness/daemon.ts";

const USER = "sshlogtest";

Deno.test({
  name: "faults: a daemon killed with SIGKILL finds the live session again after a restart",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using sshd = await startSshd();
    await sshd.ensureUser(USER);
    const session = await sshd.spawnSsh(USER, [], { tty: true });
    try {
      const first = await startDaemon();
      await session.write("/bin/echo before-sigkill-marker\r");
      const start = await first.events.waitForType(
        "command_start",
        (e) => e.args.includes("before-sigkill-marker") && e.tcp_info.server_port === sshd.port,
      );
      Deno.kill(first.pid, "SIGKILL");
      const { status } = await first.stop();
      assert.equal(status.signal, "SIGKILL", "the first daemon died of SIGKILL");

      await using second = await startDaemon();
      const listed = await waitFor("the session in `sshlog sessions --json`", async () => {
        const result = await second.cli(["sessions", "--json"]);
        assert.equal(result.code, 0, result.stderr);
        const { sessions } = JSON.parse(result.stdout) as {
          sessions: { session_id: string; username: string }[];
        };
        return sessions.find((s) => s.session_id === start.session_id);
      });
      assert.equal(listed.username, USER);

      await session.write("/bin/echo after-sigkill-marker\r");
      const again = await second.events.waitForType(
        "command_start",
        (e) => e.args.includes("after-sigkill-marker"),
      );
      assert.equal(again.session_id, start.session_id, "the same session id after SIGKILL");
      assert.equal(again.existing, true);
      const finish = await second.events.waitForType(
        "command_finish",
        (e) => e.session_id === start.session_id && e.args.includes("after-sigkill-marker"),
      );
      assert.equal(finish.existing, true);
      assert.equal(finish.exit_code, 0);
      await session.write("exit\r");
      const close = await second.events.waitForType(
        "connection_close",
        (e) => e.session_id === start.session_id,
      );
      assert.equal(close.existing, true);
    } finally {
      session.kill();
    }
  },
});

Deno.test({
  name: "faults: an internal-sftp transfer open across a daemon restart keeps its session id",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using sshd = await startSshd({ internalSftp: true });
    await sshd.ensureUser(USER);
    const dir = await Deno.makeTempDir({ prefix: "sshlog-faults-sftp-" });
    try {
      const local = join(dir, "payload.txt");
      await Deno.writeTextFile(local, "payload\n");
      const go = join(dir, "go");
      const tag = crypto.randomUUID().slice(0, 8);
      const upload = (first: { events: { events: SshlogEvent[] } }, name: string) =>
        waitFor(
          `the upload of ${name}`,
          () =>
            first.events.events.find((e) =>
              e.event_type === "file_upload" && e.target_path.endsWith(`/${name}`)
            ),
          { timeoutMs: 30_000 },
        );
      const first = await startDaemon();
      // The sftp client waits in a local command (its session stays open) until `go` exists.
      const transfer = sshd.sftp(USER, [
        `put ${local} before-${tag}.txt`,
        `!while [ ! -e ${go} ]; do sleep 0.1; done`,
        `put ${local} after-${tag}.txt`,
      ], { timeoutMs: 60_000 });
      const before = await upload(first, `before-${tag}.txt`);
      Deno.kill(first.pid, "SIGKILL");
      await first.stop();

      await using second = await startDaemon();
      await Deno.writeTextFile(go, "");
      const after = await upload(second, `after-${tag}.txt`);
      assert.equal(after.session_id, before.session_id, "the same session id after the restart");
      assert.equal(after.existing, true);
      const result = await transfer;
      assert.equal(result.code, 0, result.stderr);
      const close = await second.events.waitForType(
        "connection_close",
        (e) => e.session_id === before.session_id,
      );
      assert.equal(close.existing, true);
    } finally {
      await Deno.writeTextFile(join(dir, "go"), "").catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "faults: logins to an sshd restarted while the daemon runs are recorded",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using daemon = await startDaemon();
    const before = await startSshd();
    try {
      await before.ensureUser(USER);
      const r = await before.ssh(USER, ["/bin/echo before-sshd-restart"]);
      assert.equal(r.code, 0, r.stderr);
      await daemon.events.waitForSession(
        (e) => e.event_type === "command_start" && e.args.includes("before-sshd-restart"),
      );
    } finally {
      await before[Symbol.asyncDispose]();
    }

    await using after = await startSshd();
    assert.notEqual(after.pid, before.pid, "a new sshd listener");
    for (const marker of ["after-sshd-restart-1", "after-sshd-restart-2"]) {
      const r = await after.ssh(USER, [`/bin/echo ${marker}`]);
      assert.equal(r.code, 0, r.stderr);
      const events = await daemon.events.waitForSession(
        (e) => e.event_type === "command_start" && e.args.includes(marker),
      );
      const types = events.map((e) => e.event_type);
      assert.ok(types.includes("connection_established"), types.join(","));
      assert.ok(types.includes("command_finish"), types.join(","));
      assert.equal(types.at(-1), "connection_close");
      const established = events.find((e) => e.event_type === "connection_established")!;
      assert.equal(established.tcp_info.server_port, after.port);
    }
    assert.ok(daemon.alive);
  },
});

function recordingConfig(dir: string): string {
  return `events:
  - event: record
    triggers: [connection_established, connection_close, command_start, command_finish,
               terminal_update]
    actions:
      - action: sessions
        plugin: sessionlog_action
        log_directory: ${dir}/sessions
      - action: eventlog
        plugin: eventlogfile_action
        log_file_path: ${dir}/event.log
        output_json: true
`;
}

/** Writes `path` until the file system is full (ENOSPC). */
async function fill(path: string): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const chunk = new Uint8Array(4096).fill(0x78);
  try {
    for (;;) await file.write(chunk);
  } catch (error) {
    if (!(error instanceof Error && /space/i.test(error.message))) throw error;
  } finally {
    file.close();
  }
}

async function run(argv: string[]): Promise<void> {
  const out = await new Deno.Command(argv[0]!, { args: argv.slice(1), stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${argv.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

Deno.test({
  name: "faults: a full log directory costs records, not the daemon, and recovers",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sshlog-full-" });
    await run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", dir]);
    try {
      await using sshd = await startSshd();
      await sshd.ensureUser(USER);
      await using daemon = await startDaemon({ config: { "10-full.yaml": recordingConfig(dir) } });
      const filler = join(dir, "filler");
      await fill(filler);

      // A session with plenty of output while the disk is full.
      const full = await sshd.ssh(USER, ["/bin/echo disk-full-marker; /usr/bin/seq 1 20000"]);
      assert.equal(full.code, 0, full.stderr);
      const events = await daemon.events.waitForSession(
        (e) => e.event_type === "command_start" && e.args.includes("disk-full-marker"),
      );
      assert.ok(events.some((e) => e.event_type === "command_finish"));
      await waitFor("an error about the full disk in the daemon log", () => {
        return /error|ERR/i.test(daemon.stderr) && /space|ENOSPC|Cannot write/i.test(daemon.stderr)
          ? true
          : undefined;
      });
      assert.ok(daemon.alive, daemon.describe());

      // Space again, more than the first session's backlog can take (what is still queued for it
      // may be written now): a later session is written.
      await Deno.remove(filler);
      await run(["mount", "-o", "remount,size=16m", dir]);
      const ok = await sshd.ssh(USER, ["/bin/echo disk-free-marker"]);
      assert.equal(ok.code, 0, ok.stderr);
      const later = await daemon.events.waitForSession(
        (e) => e.event_type === "command_start" && e.args.includes("disk-free-marker"),
      );
      assert.ok(daemon.alive, daemon.describe());
      const id = later[0]!.session_id!;
      await waitFor("the later session in event.log", async () => {
        const text = await Deno.readTextFile(join(dir, "event.log")).catch(() => "");
        return text.split("\n").some((line) =>
            line.includes(id) && line.includes("connection_close")
          )
          ? true
          : undefined;
      }, { timeoutMs: 15_000 });
      await waitFor("the later session's recording", async () => {
        const text = await Deno.readTextFile(join(dir, "sessions", `${id}.cast`)).catch(() => "");
        return text.includes("disk-free-marker") ? true : undefined;
      }, { timeoutMs: 15_000 });
    } finally {
      await run(["umount", "-l", dir]).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

/** More output than the 16 MiB ring buffer holds while the daemon does not drain it. */
const OVERFLOW_BYTES = 40_000_000;

Deno.test({
  name: "faults: a ring buffer overflow is a capture_gap counting exactly the bytes lost",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using sshd = await startSshd();
    await sshd.ensureUser(USER);
    await using daemon = await startDaemon();
    await sshd.ssh(USER, ["/bin/echo overflow-ready"]);
    await daemon.events.waitForType("command_start", (e) => e.argv[1] === "overflow-ready");

    // A stopped daemon drains nothing: the flood fills the ring buffer and the rest is counted.
    Deno.kill(daemon.pid, "SIGSTOP");
    let result;
    try {
      result = await sshd.ssh(USER, [
        `head -c ${OVERFLOW_BYTES} /dev/zero | tr '\\0' y; : overflow-marker`,
      ], { timeoutMs: 120_000 });
    } finally {
      Deno.kill(daemon.pid, "SIGCONT");
    }
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdoutBytes.length, OVERFLOW_BYTES);

    // Exit records may be among the lost ones: the daemon's sweep still closes the session.
    const events = await daemon.events.waitForSession(
      (e) => e.event_type === "command_start" && e.args.includes("overflow-marker"),
      { timeoutMs: 60_000 },
    );
    const gaps = await waitFor("a ringbuf_full capture_gap", () => {
      const found = daemon.events.filter(isType("capture_gap"))
        .filter((gap) => gap.reason === "ringbuf_full");
      return found.length > 0 ? found : undefined;
    });
    const lostBytes = gaps.reduce((n, gap) => n + gap.lost_bytes, 0);
    const captured = terminalBytes(events);
    assert.ok(lostBytes > 0 && captured > 0, `captured ${captured}, lost ${lostBytes}`);
    assert.equal(captured + lostBytes, OVERFLOW_BYTES, "every byte either captured or counted");
    assert.ok(daemon.alive, daemon.describe());
    await sshd.ssh(USER, ["/bin/echo after-overflow"]);
    await daemon.events.waitForType("command_start", (e) => e.argv[1] === "after-overflow");
  },
});

Deno.test({
  name: "faults: with every network receiver down, capture and the event log go on",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sshlog-down-" });
    // A port nothing listens on (fetch refuses port 9 by itself): every receiver is down.
    const down = freePort();
    const config = `events:
  - event: everything
    triggers: [connection_established, connection_close, command_start, command_finish]
    actions:
      - action: slack
        plugin: slack_action
        slack_webhook_url: http://127.0.0.1:${down}/services/T0/B0/x
      - action: hook
        plugin: webhook_action
        webhook_url: http://127.0.0.1:${down}/hook
      - action: mail
        plugin: email_action
        sender: sshlog@example.org
        recipient: root@example.org
        subject: "{{event_type}}"
        smtp_server: 127.0.0.1
        smtp_port: ${down}
      - action: syslog_tcp
        plugin: syslog_action
        server_address: 127.0.0.1
        port: ${down}
        protocol: tcp
      - action: syslog_tls
        plugin: syslog_action
        server_address: 127.0.0.1
        port: ${down}
        protocol: tls
      - action: statsd
        plugin: statsd_action
        server_address: 127.0.0.1
        port: ${down}
      - action: log
        plugin: eventlogfile_action
        log_file_path: ${dir}/event.json
        output_json: true
`;
    try {
      await using sshd = await startSshd();
      await sshd.ensureUser(USER);
      await using daemon = await startDaemon({ config: { "10-down.yaml": config } });
      const markers = Array.from({ length: 10 }, (_, i) => `receivers-down-${i}`);
      for (const marker of markers) {
        const r = await sshd.ssh(USER, [`/bin/echo ${marker}`]);
        assert.equal(r.code, 0, r.stderr);
      }
      const loggedTypes = new Set([
        "connection_established",
        "connection_close",
        "command_start",
        "command_finish",
      ]);
      const published: SshlogEvent[] = [];
      for (const marker of markers) {
        const events = await daemon.events.waitForSession(
          (e) => e.event_type === "command_start" && e.argv[1] === marker,
        );
        assert.equal(events.filter(isType("command_finish")).length, 2, marker);
        published.push(...events.filter((e) => loggedTypes.has(e.event_type)));
      }
      // Every event reaches the log although each network action fails for every one of them.
      const key = (e: SshlogEvent) => `${e.session_id} ${e.event_type} ${e.timestamp}`;
      const wanted = new Set(published.map(key));
      await waitFor("every event of the sessions in the event log", async () => {
        const lines = (await Deno.readTextFile(`${dir}/event.json`).catch(() => "")).trim()
          .split("\n").filter((line) => line.length > 0);
        const found = new Set(lines.map((line) => key(JSON.parse(line) as SshlogEvent)));
        return [...wanted].every((k) => found.has(k)) ? true : undefined;
      }, { timeoutMs: 30_000 });
      // Each receiver that can refuse says so in the daemon's log, by the rule's action name.
      await waitFor("every down receiver logged as failed", () => {
        const log = daemon.stderr;
        const failed = ["slack", "hook", "mail"].every((name) =>
          log.includes(`Action "${name}" failed`)
        );
        const refused = ["syslog_tcp", "syslog_tls"].every((name) =>
          new RegExp(`${name}: Cannot connect to syslog server`).test(log)
        );
        return failed && refused ? true : undefined;
      }, { timeoutMs: 30_000 }).catch((error) => {
        throw new Error(`${error.message}\n${daemon.stderr}`);
      });
      assert.ok(daemon.alive, daemon.describe());
      const listed = await daemon.cli(["sessions", "--json"]);
      assert.equal(listed.code, 0, listed.stderr);
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

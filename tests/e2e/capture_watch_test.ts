/**
 * End-to-end: the `watch` stream of the real daemon: a watcher that stops reading is dropped
 * while another gets every byte, and the shipped `sshlog watch` filters by type and user and
 * prints SPEC §2 lines. Needs root.
 */
import assert from "node:assert/strict";
import { startSshd } from "./_harness/sshd.ts";
import {
  type DaemonHandle,
  isType,
  SSHLOG,
  type SshlogEvent,
  startDaemon,
  terminalBytes,
  waitFor,
} from "./_harness/daemon.ts";

const USER = "sshlogtest";
const FLOOD_BYTES = 8_000_000;

/** A running `sshlog watch …` whose stdout lines the test reads. */
class CliWatch implements AsyncDisposable {
  readonly process: Deno.ChildProcess;
  #stdout = "";
  #stderr = "";
  #pumps: Promise<void>;

  constructor(daemon: DaemonHandle, args: string[]) {
    this.process = new Deno.Command(SSHLOG, {
      args: ["watch", ...args, "--socket", daemon.socket],
      env: { NO_COLOR: "1", TZ: "UTC" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const out = new TextDecoder();
    const err = new TextDecoder();
    this.#pumps = Promise.all([
      this.process.stdout.pipeTo(
        new WritableStream({
          write: (c) => void (this.#stdout += out.decode(c, { stream: true })),
        }),
      ),
      this.process.stderr.pipeTo(
        new WritableStream({
          write: (c) => void (this.#stderr += err.decode(c, { stream: true })),
        }),
      ),
    ]).then(() => {});
  }

  /** Complete lines printed so far. */
  get lines(): string[] {
    const lines = this.#stdout.split("\n");
    lines.pop();
    return lines;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Sends SIGINT (Ctrl-C) and returns the exit code. */
  async interrupt(): Promise<number> {
    try {
      this.process.kill("SIGINT");
    } catch { /* gone */ }
    const status = await this.process.status;
    await this.#pumps;
    return status.code;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.process.kill("SIGKILL");
    } catch { /* gone */ }
    await this.process.status;
    await this.#pumps.catch(() => {});
  }
}

/** Reads and discards until the end of the stream; false when `timeoutMs` passes first. */
async function readsToEnd(conn: Deno.UnixConn, timeoutMs: number): Promise<boolean> {
  const buffer = new Uint8Array(1 << 16);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), Math.max(1, deadline - Date.now()));
    });
    const read = await Promise.race([conn.read(buffer).catch(() => null), timeout]);
    clearTimeout(timer);
    if (read === "timeout") return false;
    if (read === null) return true;
  }
  return false;
}

Deno.test({
  name: "capture: a watcher that stops reading is dropped while another gets everything",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using sshd = await startSshd();
    await sshd.ensureUser(USER);
    await using daemon = await startDaemon();
    const stalled = await Deno.connect({ transport: "unix", path: daemon.socket });
    try {
      await stalled.write(new TextEncoder().encode('{"op":"watch"}\n'));
      // The daemon answers the watch before streaming: wait for that answer's bytes, then stop.
      const first = new Uint8Array(64);
      assert.ok((await stalled.read(first)) !== null, "the daemon accepts the watch");

      const result = await sshd.ssh(USER, [
        `head -c ${FLOOD_BYTES} /dev/zero | tr '\\0' y; : flood-marker`,
      ], { timeoutMs: 60_000 });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdoutBytes.length, FLOOD_BYTES);
      const events = await daemon.events.waitForSession(
        (event) => event.event_type === "command_start" && event.args.includes("flood-marker"),
        { timeoutMs: 30_000 },
      );
      assert.equal(terminalBytes(events), FLOOD_BYTES, "the reading watcher got every byte");
      assert.deepEqual(daemon.events.filter(isType("capture_gap")), []);
      const tr = events.filter(isType("command_finish")).find((event) => event.argv[0] === "tr");
      assert.equal(tr?.stdout_size, FLOOD_BYTES);

      // It keeps not reading for longer than the daemon tolerates (1 s with a backlog).
      await new Promise((resolve) => setTimeout(resolve, 2000));
      assert.ok(await readsToEnd(stalled, 15_000), "the stalled watcher was disconnected");
      assert.ok(daemon.alive, daemon.describe());
      const listed = await daemon.cli(["sessions", "--json"]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.ok(Array.isArray(JSON.parse(listed.stdout).sessions));
      // The daemon still captures after dropping the client.
      await sshd.ssh(USER, ["/bin/echo after-drop"]);
      await daemon.events.waitForType("command_start", (event) => event.argv[1] === "after-drop");
    } finally {
      try {
        stalled.close();
      } catch { /* closed */ }
    }
  },
});

Deno.test({
  name: "capture: sshlog watch filters by type and user and prints SPEC lines",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using sshd = await startSshd();
    await sshd.ensureUser(USER);
    await sshd.ensureUser("root");
    await using daemon = await startDaemon();
    await using filtered = new CliWatch(daemon, [
      "--json",
      "--type",
      "command_start",
      "--user",
      USER,
    ]);
    await using text = new CliWatch(daemon, []);

    // The CLI gives no sign that it watches: run commands until both print one.
    let attempt = 0;
    await waitFor("both sshlog watch processes to print", async () => {
      attempt++;
      await sshd.ssh(USER, [`/bin/echo watch-ready-${attempt}`]);
      const seen = () =>
        filtered.lines.some((line) => line.includes("watch-ready-")) &&
        text.lines.some((line) => line.includes("watch-ready-"));
      return await waitFor("a ready line", () => seen() ? true : undefined, { timeoutMs: 1_000 })
        .catch(() => undefined);
    }, { timeoutMs: 30_000 });

    const root = await sshd.ssh("root", ["/bin/echo from-root-user"]);
    assert.equal(root.code, 0, root.stderr);
    const mine = await sshd.ssh(USER, ["/bin/echo from-watched-user"]);
    assert.equal(mine.code, 0, mine.stderr);
    const start = await daemon.events.waitForType(
      "command_start",
      (event) => event.argv[1] === "from-watched-user",
    );
    await waitFor(
      "both watchers to print the last command",
      () =>
        filtered.lines.some((line) => JSON.stringify(JSON.parse(line)) === JSON.stringify(start)) &&
          text.lines.some((line) => line.endsWith("executed /bin/echo from-watched-user"))
          ? true
          : undefined,
    );

    const events = filtered.lines.map((line) => JSON.parse(line) as SshlogEvent);
    assert.ok(events.length >= 2, filtered.lines.join("\n"));
    for (const event of events) {
      assert.equal(event.event_type, "command_start", JSON.stringify(event));
      assert.equal(event.username, USER, JSON.stringify(event));
    }
    assert.ok(!filtered.lines.some((line) => line.includes("from-root-user")));
    assert.ok(
      events.some((event) => JSON.stringify(event) === JSON.stringify(start)),
      "the JSON line is the event the daemon published",
    );

    const spec = /^\d\d:\d\d:\d\d \S+\s+\(\d+\) \S+ /;
    for (const line of text.lines) {
      assert.match(line, spec);
      assert.equal(line[32], "(", `event type padded to 22: ${JSON.stringify(line)}`);
      assert.ok(!line.slice(9).startsWith("terminal_update"), "no terminal_update by default");
    }
    const typeOf = (line: string) => line.slice(9, 31).trim();
    assert.ok(text.lines.some((line) => typeOf(line) === "connection_established"));
    assert.ok(text.lines.some((line) => typeOf(line) === "connection_close"));
    assert.ok(text.lines.some((line) => line.includes("from-root-user")), "unfiltered: root too");
    assert.ok(
      text.lines.includes(
        `${text.lines.find((line) => line.includes("from-watched-user"))?.slice(0, 8)} ` +
          `${
            "command_start".padEnd(22)
          } (${start.ptm_pid}) ${USER} executed /bin/echo from-watched-user`,
      ),
      text.lines.join("\n"),
    );

    assert.equal(await filtered.interrupt(), 0, filtered.stderr);
    assert.equal(await text.interrupt(), 0, text.stderr);
  },
});

/**
 * End-to-end load (issue #9): many concurrent SSH sessions, each of which must be captured
 * completely (exact event counts, no capture_gap). Prints the counts, the daemon's CPU seconds
 * and its VmRSS. Needs root.
 */
import assert from "node:assert/strict";
import { startSshd } from "./_harness/sshd.ts";
import { isType, startDaemon } from "./_harness/daemon.ts";

const USER = "sshlogtest";
/** Sessions in all; measured to fit well under a minute on a 2-core VM. */
const SESSIONS = 200;
/** Sessions started at once. */
const BATCH = 50;

/** utime+stime of a process in seconds, and its VmRSS line. */
async function usage(pid: number): Promise<{ cpuSeconds: number; rss: string }> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const rss = /^VmRSS:\s*(.*)$/m.exec(status)?.[1] ?? "?";
  return { cpuSeconds: ticks / 100, rss }; // USER_HZ is 100 on Linux
}

Deno.test({
  name: `load: ${SESSIONS} concurrent SSH sessions are each captured completely`,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using sshd = await startSshd({ extraConfig: ["MaxStartups 300", "MaxSessions 300"] });
    await sshd.ensureUser(USER);
    await using daemon = await startDaemon();
    const before = await usage(daemon.pid);
    const started = performance.now();
    for (let first = 0; first < SESSIONS; first += BATCH) {
      const results = await Promise.all(
        Array.from(
          { length: Math.min(BATCH, SESSIONS - first) },
          (_, k) => sshd.ssh(USER, [`/bin/echo load-${first + k}-end; /bin/true`]),
        ),
      );
      for (const r of results) assert.equal(r.code, 0, r.stderr);
    }
    const sshSeconds = (performance.now() - started) / 1000;
    const mine = (e: { tcp_info?: { server_port: number } }) =>
      e.tcp_info?.server_port === sshd.port;
    await daemon.events.waitForEvents(
      (e) => e.event_type === "connection_close" && mine(e),
      SESSIONS,
      { timeoutMs: 30_000, what: `${SESSIONS} connection_close events` },
    );
    // Let late events (a duplicate would come now) arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = await usage(daemon.pid);
    const events = daemon.events.events.filter(mine);
    const count = (type: string) => events.filter((e) => e.event_type === type).length;
    const counts = {
      "connection_established": count("connection_established"),
      "connection_close": count("connection_close"),
      "command_start_marker": events.filter(isType("command_start")).filter((e) =>
        /load-\d+-end/.test(e.args)
      ).length,
      "command_finish_marker":
        events.filter(isType("command_finish")).filter((e) => /load-\d+-end/.test(e.args)).length,
      "capture_gap": daemon.events.events.filter((e) => e.event_type === "capture_gap").length,
    };
    // deno-lint-ignore no-console
    console.log(
      `load: ${SESSIONS} sessions (batches of ${BATCH}) in ${sshSeconds.toFixed(1)} s; ` +
        `counts ${JSON.stringify(counts)}; daemon CPU ` +
        `${(after.cpuSeconds - before.cpuSeconds).toFixed(2)} s during the run ` +
        `(${after.cpuSeconds.toFixed(2)} s total), VmRSS ${before.rss} before, ${after.rss} after`,
    );
    assert.equal(counts.connection_established, SESSIONS);
    assert.equal(counts.connection_close, SESSIONS);
    assert.equal(counts.capture_gap, 0);
    for (let i = 0; i < SESSIONS; i++) {
      const marker = `load-${i}-end`;
      const starts = events.filter(isType("command_start")).filter((e) => e.args.includes(marker));
      const finishes = events.filter(isType("command_finish")).filter((e) =>
        e.args.includes(marker)
      );
      // `bash -c "/bin/echo load-i-end; /bin/true"` execs bash and echo (true may be exec'd by
      // bash as its last command, replacing it): at least the shell and the echo carry the marker.
      assert.ok(starts.length >= 1, `no command_start for ${marker}`);
      assert.equal(finishes.length, starts.length, `command_finish count for ${marker}`);
      const echo = starts.find((e) => e.filename === "/bin/echo" || e.args.startsWith("/bin/echo"));
      assert.ok(echo !== undefined, `no /bin/echo command_start for ${marker}`);
      const sessionIds = new Set(starts.map((e) => e.session_id));
      assert.equal(sessionIds.size, 1, `${marker} in one session`);
    }
    assert.ok(daemon.alive, daemon.describe());
  },
});

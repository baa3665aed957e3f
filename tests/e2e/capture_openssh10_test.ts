/**
 * End-to-end: the same exact events from OpenSSH 10 (sshd-session, sshd-auth), chrooted in a
 * Debian 13 root, for a user that exists only in that root's /etc/passwd. Needs root.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { findUser, startTrixieSshd } from "./_harness/sshd.ts";
import {
  commonSessionFields,
  type DaemonHandle,
  isType,
  parseSshConnection,
  type SshlogEvent,
  startDaemon,
  terminalText,
} from "./_harness/daemon.ts";

/** A user created in the trixie root only: the host has no such name. */
const CHROOT_USER = "sshlogchrootonly";

function commandPair(events: readonly SshlogEvent[], argv0: string) {
  const starts = events.filter(isType("command_start")).filter((e) => e.argv[0] === argv0);
  assert.equal(starts.length, 1, `one command_start of ${argv0}: ${JSON.stringify(starts)}`);
  const start = starts[0]!;
  const finishes = events.filter(isType("command_finish")).filter((event) =>
    event.pid === start.pid && JSON.stringify(event.argv) === JSON.stringify(start.argv)
  );
  assert.equal(finishes.length, 1, `one command_finish of ${argv0}: ${JSON.stringify(finishes)}`);
  return { start, finish: finishes[0]! };
}

function sessionOf(daemon: DaemonHandle, marker: string): Promise<SshlogEvent[]> {
  return daemon.events.waitForSession(
    (event) => event.event_type === "command_start" && event.args.includes(marker),
    { what: `a command_start whose args hold "${marker}"` },
  );
}

Deno.test({
  name: "capture: OpenSSH 10 sessions of a chroot-only user are reported exactly",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using sshd = await startTrixieSshd();
    assert.match(sshd.version, /^OpenSSH_10\./);
    const user = await sshd.ensureUser(CHROOT_USER);
    assert.equal(await findUser(CHROOT_USER), undefined, "the user exists only in the chroot");
    await using daemon = await startDaemon();
    const expected = { username: CHROOT_USER, "user_id": user.uid };

    await t.step(
      "capture: OpenSSH 10 non-pty command reports commands, cwd, output, exit",
      async () => {
        const script =
          ": ossh10-plain; echo $SSH_CONNECTION; cd /tmp; echo hello; ls -d /tmp; exit 3";
        const result = await sshd.ssh(CHROOT_USER, [script]);
        assert.equal(result.code, 3, result.stderr);
        const tcp = parseSshConnection(result.stdout);
        assert.equal(tcp.server_port, sshd.port);
        const events = await sessionOf(daemon, ": ossh10-plain;");
        const session = commonSessionFields(events, { ...expected, tty_id: -1, tcp_info: tcp });
        assert.equal(events[0]?.event_type, "connection_established");
        assert.equal(events.at(-1)?.event_type, "connection_close");
        const bash = commandPair(events, "bash");
        assert.deepEqual(bash.start.argv, ["bash", "-c", script]);
        assert.equal(bash.start.cwd, user.home);
        assert.equal(bash.start.pid, session.shell_pid);
        assert.equal(bash.finish.exit_code, 3);
        const ls = commandPair(events, "ls");
        assert.deepEqual(ls.start.argv, ["ls", "-d", "/tmp"]);
        assert.equal(ls.start.cwd, "/tmp");
        assert.equal(ls.finish.exit_code, 0);
        assert.equal(ls.finish.stdout, "/tmp\n");
        assert.equal(ls.finish.stdout_size, 5);
        assert.equal(terminalText(events), result.stdout);
        const close = events.filter(isType("connection_close"));
        assert.equal(close.length, 1);
        assert.ok(close[0]!.end_time > 0 && close[0]!.duration_ms >= 0, JSON.stringify(close[0]));
      },
    );

    await t.step("capture: OpenSSH 10 pty session reports the tty_id that tty prints", async () => {
      const result = await sshd.ssh(CHROOT_USER, ["echo $SSH_CONNECTION; tty; : ossh10-pty"], {
        tty: true,
      });
      assert.equal(result.code, 0, result.stderr);
      const tty = /^\/dev\/pts\/(\d+)\r$/m.exec(result.stdout);
      assert.ok(tty, result.stdout);
      const events = await sessionOf(daemon, "ossh10-pty");
      commonSessionFields(events, {
        ...expected,
        tty_id: Number(tty[1]),
        tcp_info: parseSshConnection(result.stdout),
      });
      const text = terminalText(events);
      assert.ok(text.includes(result.stdout), `${JSON.stringify(text)} holds the client output`);
    });

    await t.step(
      "capture: OpenSSH 10 sftp put and get are file_upload and file_download",
      async () => {
        const work = await Deno.makeTempDir({ prefix: "sshlog-capture-ossh10-" });
        const up = `${user.home}/ossh10-up.bin`;
        const down = `${user.home}/ossh10-down.bin`;
        try {
          const local = join(work, "payload.bin");
          await Deno.writeFile(local, new Uint8Array(30_000).map((_, i) => i % 249));
          await Deno.chmod(local, 0o640);
          await Deno.copyFile(local, join(sshd.root, down));
          await Deno.chown(join(sshd.root, down), user.uid, user.gid);
          await Deno.chmod(join(sshd.root, down), 0o640);
          const result = await sshd.sftp(CHROOT_USER, [
            `put ${local} ossh10-up.bin`,
            `get ${down} ${join(work, "back.bin")}`,
          ]);
          assert.equal(result.code, 0, result.stderr);
          for (const [type, path] of [["file_upload", up], ["file_download", down]] as const) {
            const file = await daemon.events.waitForType(
              type,
              (event) => event.target_path === path,
              { what: `${type} of ${path}` },
            );
            assert.equal(file.file_mode, "640", JSON.stringify(file));
            assert.equal(file.username, CHROOT_USER);
            assert.equal(file.user_id, user.uid);
            assert.equal(file.tcp_info.server_port, sshd.port);
            const events = await daemon.events.waitForSession((event) =>
              event.session_id === file.session_id
            );
            const same = events.filter((event) =>
              (event.event_type === "file_upload" || event.event_type === "file_download") &&
              event.target_path === path
            );
            assert.deepEqual(same.map((event) => event.event_type), [type], JSON.stringify(same));
          }
        } finally {
          for (const path of [up, down]) await Deno.remove(join(sshd.root, path)).catch(() => {});
          await Deno.remove(work, { recursive: true });
        }
      },
    );
  },
});

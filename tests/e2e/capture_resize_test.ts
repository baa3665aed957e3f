/**
 * End-to-end: the terminal size of a pty session, at its start and after the client's window
 * changed, as terminal_resize events. A real ssh client runs in tmux, which changes its window.
 * Needs root and tmux.
 */
import assert from "node:assert/strict";
import { CLIENT_KEY_PATH, startSshd } from "./_harness/sshd.ts";
import { startDaemon } from "./_harness/daemon.ts";

const USER = "sshlogtest";

async function tmux(...args: string[]): Promise<void> {
  const out = await new Deno.Command("tmux", { args, stdout: "null", stderr: "piped" }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

Deno.test({
  name: "capture: terminal_resize reports the initial size and each window change",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using sshd = await startSshd();
    await sshd.ensureUser(USER);
    await using daemon = await startDaemon();
    const socket = `/tmp/sshlog-resize-${crypto.randomUUID()}`;
    const ssh = [
      "ssh -tt -i",
      CLIENT_KEY_PATH,
      "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR",
      `-p ${sshd.port} ${USER}@127.0.0.1 'echo resize-marker; sleep 3'`,
    ].join(" ");
    await tmux("-S", socket, "new-session", "-d", "-x", "100", "-y", "30", ssh);
    try {
      const start = await daemon.events.waitForType(
        "command_start",
        (e) => e.args.includes("resize-marker"),
      );
      const first = await daemon.events.waitForType(
        "terminal_resize",
        (e) => e.session_id === start.session_id,
      );
      assert.deepEqual([first.columns, first.rows], [100, 30]);
      await tmux("-S", socket, "resize-window", "-x", "120", "-y", "40");
      const second = await daemon.events.waitForType(
        "terminal_resize",
        (e) => e.session_id === start.session_id && e.columns === 120,
      );
      assert.equal(second.rows, 40);
      assert.equal(second.tty_id, start.tty_id);
    } finally {
      await new Deno.Command("tmux", { args: ["-S", socket, "kill-server"] }).output();
      await Deno.remove(socket).catch(() => {});
    }
  },
});

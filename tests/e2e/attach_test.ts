/**
 * End-to-end: `sshlog attach` in real terminals. An `ssh -tt` login runs in one tmux window and
 * `sshlog attach` in another: the attach window shows what the session shows; with session
 * injection a command typed there runs in the session; read-only injects nothing; Ctrl-Q
 * detaches; attach and detach are events naming the administrator. Needs root and tmux.
 */
import assert from "node:assert/strict";
import { CLIENT_KEY_PATH, startSshd, waitFor } from "./_harness/sshd.ts";
import { type DaemonHandle, REPO_ROOT, startDaemon } from "./_harness/daemon.ts";
import type { SessionAttachEvent } from "../../src/events/mod.ts";

const USER = "sshlogtest";

/** The first session_attach or session_detach of session `id`. */
async function attachEvent(
  daemon: DaemonHandle,
  type: "session_attach" | "session_detach",
  id: string,
): Promise<SessionAttachEvent> {
  const event = await daemon.events.waitForEvent((e) =>
    e.event_type === type && e.session_id === id
  );
  return event as SessionAttachEvent;
}

/** A private tmux server with a session window and helpers to drive it. */
class Tmux implements AsyncDisposable {
  readonly socket = `/tmp/sshlog-attach-${crypto.randomUUID()}`;

  async run(...args: string[]): Promise<string> {
    const out = await new Deno.Command("tmux", { args: ["-S", this.socket, ...args] }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout);
  }

  /** The visible text of a window. */
  screen(window: string): Promise<string> {
    return this.run("capture-pane", "-p", "-t", window);
  }

  /** Waits until a window shows `text`. */
  shows(window: string, text: string): Promise<string> {
    return waitFor(`"${text}" on tmux window ${window}`, async () => {
      const screen = await this.screen(window);
      return screen.includes(text) ? screen : undefined;
    }, { timeoutMs: 15_000, intervalMs: 100 });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await new Deno.Command("tmux", { args: ["-S", this.socket, "kill-server"] }).output();
    await Deno.remove(this.socket).catch(() => {});
  }
}

async function login(tmux: Tmux, port: number, daemon: DaemonHandle): Promise<string> {
  const ssh = `ssh -tt -i ${CLIENT_KEY_PATH} -o StrictHostKeyChecking=no ` +
    `-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p ${port} ${USER}@127.0.0.1`;
  await tmux.run("new-session", "-d", "-s", "t", "-x", "100", "-y", "30", ssh);
  await tmux.run("send-keys", "-t", "t:0", "/bin/echo before-attach-marker", "Enter");
  const start = await daemon.events.waitForType(
    "command_start",
    (e) => e.args.includes("before-attach-marker") && e.tcp_info.server_port === port,
  );
  await tmux.shows("t:0", "before-attach-marker");
  return start.session_id;
}

function attachWindow(tmux: Tmux, daemon: DaemonHandle, args: string): Promise<string> {
  return tmux.run(
    "new-window",
    "-t",
    "t",
    "-n",
    "att",
    `cd ${REPO_ROOT} && ./sshlog attach ${args} --socket ${daemon.socket}; sleep 30`,
  );
}

Deno.test({
  name: "sshlog attach shows the session and types into it with injection enabled",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using sshd = await startSshd();
    await sshd.ensureUser(USER);
    await using daemon = await startDaemon({ args: ["--enable-session-injection"] });
    await using tmux = new Tmux();
    const id = await login(tmux, sshd.port, daemon);
    await attachWindow(tmux, daemon, id);
    await tmux.shows("t:att", "before-attach-marker"); // the current screen at once
    const attach = await attachEvent(daemon, "session_attach", id);
    assert.equal(attach.mode, "interactive");
    assert.equal(attach.admin_uid, 0);
    assert.equal(attach.admin_user, "root");

    await tmux.run("send-keys", "-t", "t:att", "echo injected-$((6*7))", "Enter");
    await tmux.shows("t:0", "injected-42"); // it ran in the session
    await tmux.shows("t:att", "injected-42"); // and its output reached the attach window
    const typed = await daemon.events.waitForType(
      "terminal_input",
      (e) => e.session_id === id && e.injected === true,
    );
    assert.equal(typed.admin_user, "root");

    await tmux.run("send-keys", "-t", "t:att", "C-q");
    await attachEvent(daemon, "session_detach", id);
  },
});

Deno.test({
  name: "sshlog attach stays read-only without injection and refuses an unknown session",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using sshd = await startSshd();
    await sshd.ensureUser(USER);
    await using daemon = await startDaemon();
    await using tmux = new Tmux();
    const id = await login(tmux, sshd.port, daemon);
    await attachWindow(tmux, daemon, id);
    await tmux.shows("t:att", "injection is disabled");
    const attach = await attachEvent(daemon, "session_attach", id);
    assert.equal(attach.mode, "readonly");
    await tmux.run("send-keys", "-t", "t:att", "echo read-only-typed", "Enter");
    await tmux.run("send-keys", "-t", "t:0", "echo from-the-user", "Enter");
    await tmux.shows("t:att", "from-the-user"); // live output still arrives
    assert.ok(!(await tmux.screen("t:0")).includes("read-only-typed"), "nothing was injected");

    // A member of group sshlog is named by the uid the kernel gave its proof file, not by the
    // SUDO_USER it claims.
    const member = "sshlogaudit";
    if ((await new Deno.Command("id", { args: [member], stdout: "null" }).output()).code !== 0) {
      const made = await new Deno.Command("useradd", { args: ["-M", "-G", "sshlog", member] })
        .output();
      assert.equal(made.code, 0);
    }
    await Deno.chmod(daemon.socket.replace(/\/[^/]+$/, ""), 0o755);
    await tmux.run(
      "new-window",
      "-t",
      "t",
      "-n",
      "member",
      `cd ${REPO_ROOT} && su ${member} -s /bin/bash -c ` +
        `'SUDO_USER=root ./sshlog attach -r ${id} --socket ${daemon.socket}'; sleep 30`,
    );
    const uid = Number(new TextDecoder().decode(
      (await new Deno.Command("id", { args: ["-u", member] }).output()).stdout,
    ));
    const byMember = await daemon.events.waitForEvent((e) =>
      e.event_type === "session_attach" && e.session_id === id &&
      (e as SessionAttachEvent).admin_uid === uid
    ) as SessionAttachEvent;
    assert.equal(byMember.admin_user, member);
    await tmux.run("send-keys", "-t", "t:member", "C-q");

    const unknown = await daemon.cli(["attach", "no-such-session"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No live session matches "no-such-session"/);

    // An administrator logged in over SSH cannot attach to the session they type in.
    await sshd.ensureUser("root");
    const self = await sshd.ssh("root", [
      `cd ${REPO_ROOT} && ./sshlog attach -r $(tty | sed s,/dev/pts/,,) --socket ${daemon.socket}`,
    ], { tty: true });
    assert.notEqual(self.code, 0);
    assert.match(self.stdout + self.stderr, /Cannot attach to your own session/);
  },
});

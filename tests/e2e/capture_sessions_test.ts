/**
 * End-to-end: session life cycles the daemon must follow exactly: an sshd killed with SIGKILL,
 * several sessions over one ControlMaster connection, sessions already open when the daemon
 * starts, and a daemon started from inside an SSH session. Needs root.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startSshd, waitFor } from "./_harness/sshd.ts";
import {
  commonSessionFields,
  EventCollector,
  isType,
  parseSshConnection,
  REPO_ROOT,
  type SshlogEvent,
  startDaemon,
  terminalText,
} from "./_harness/daemon.ts";

const USER = "sshlogtest";

/** Reads /proc/PID/cmdline as argv; undefined when the process is gone. */
async function cmdline(pid: number): Promise<string[] | undefined> {
  try {
    const text = await Deno.readTextFile(`/proc/${pid}/cmdline`);
    return text.split("\0").filter((arg, i, all) => arg !== "" || i < all.length - 1);
  } catch {
    return undefined;
  }
}

/** Parent pid of every live process. */
async function parents(): Promise<Map<number, number>> {
  const map = new Map<number, number>();
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`);
      map.set(Number(entry.name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch { /* gone */ }
  }
  return map;
}

/** `pid` and all its live descendants. */
async function processTree(pid: number): Promise<Set<number>> {
  const ppids = await parents();
  const tree = new Set([pid]);
  for (let grown = true; grown;) {
    grown = false;
    for (const [child, parent] of ppids) {
      if (tree.has(parent) && !tree.has(child)) {
        tree.add(child);
        grown = true;
      }
    }
  }
  return tree;
}

function killQuietly(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(pid, signal);
  } catch { /* already gone */ }
}

function starts(events: readonly SshlogEvent[]) {
  return events.filter(isType("command_start"));
}

Deno.test({
  name: "capture: session life cycles are followed to their end",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using sshd = await startSshd();
    const uid = (await sshd.ensureUser(USER)).uid;
    await sshd.ensureUser("root");
    const work = await Deno.makeTempDir({ prefix: "sshlog-capture-sessions-" });
    try {
      await using daemon = await startDaemon();

      for (const victim of ["pts_pid", "ptm_pid"] as const) {
        await t.step(
          `capture: a connection whose sshd (${victim}) is killed with SIGKILL still closes`,
          async () => {
            const marker = `kill-marker-${victim}`;
            await using client = await sshd.spawnSsh(USER, [
              `echo $SSH_CONNECTION; echo ${marker}; exec sleep 60`,
            ]);
            await client.waitForOutput(marker);
            const sleep = await daemon.events.waitForType(
              "command_start",
              (event) =>
                event.argv[0] === "sleep" &&
                event.args.endsWith("sleep 60") && event.tcp_info?.client_port ===
                  parseSshConnection(client.output).client_port,
              { what: "the command_start of sleep 60" },
            );
            try {
              const sshdPid = sleep[victim];
              const title = (await cmdline(sshdPid))?.join(" ") ?? "(gone)";
              if (victim === "pts_pid") {
                assert.match(title, new RegExp(`^sshd: ${USER}@notty`), `pts_pid ${sshdPid}`);
              } else {
                assert.match(title, new RegExp(`^sshd: ${USER}`), `ptm_pid ${sshdPid}`);
              }
              Deno.kill(sshdPid, "SIGKILL");
              const close = await daemon.events.waitForType(
                "connection_close",
                (event) => event.session_id === sleep.session_id,
                { what: `connection_close after kill -9 of the ${victim}` },
              );
              assert.ok(close.end_time > 0, JSON.stringify(close));
              commonSessionFields(daemon.events.ofSession(sleep.session_id), {
                username: USER,
                user_id: uid,
                tcp_info: parseSshConnection(client.output),
              });
              if (victim === "pts_pid") {
                // The process that holds the TCP connection is gone: the client sees it drop.
                const gone = await client.wait({ timeoutMs: 15_000 });
                assert.equal(gone.code, 255, "the client sees its connection drop");
              }
            } finally {
              killQuietly(sleep.pid, "SIGKILL"); // sleep itself outlives its sshd
            }
          },
        );
      }

      await t.step("capture: two sessions over one ControlMaster connection", async () => {
        const control = [`ControlPath=${work}/cm-%C`, "ControlMaster=auto", "ControlPersist=60"];
        try {
          const one = await sshd.ssh(USER, ["echo $SSH_CONNECTION; /bin/echo cm-one"], {
            options: control,
          });
          assert.equal(one.code, 0, one.stderr);
          const two = await sshd.ssh(USER, ["echo $SSH_CONNECTION; /bin/echo cm-two"], {
            options: control,
          });
          assert.equal(two.code, 0, two.stderr);
          const tcp = parseSshConnection(one.stdout);
          assert.deepEqual(parseSshConnection(two.stdout), tcp, "one TCP connection");

          const first = await daemon.events.waitForSession(
            (event) => event.event_type === "command_start" && event.argv[1] === "cm-one",
          );
          const second = await daemon.events.waitForSession(
            (event) => event.event_type === "command_start" && event.argv[1] === "cm-two",
          );
          const a = commonSessionFields(first, { username: USER, user_id: uid, tcp_info: tcp });
          const b = commonSessionFields(second, { username: USER, user_id: uid, tcp_info: tcp });
          assert.equal(a.ptm_pid, b.ptm_pid, "one connection: one ptm_pid");
          assert.notEqual(a.session_id, b.session_id, "two sessions: two session_ids");
          assert.notEqual(a.shell_pid, b.shell_pid);
          for (
            const [events, mine, theirs] of [[first, "cm-one", "cm-two"], [
              second,
              "cm-two",
              "cm-one",
            ]] as const
          ) {
            const argvs = starts(events).map((event) => event.argv);
            assert.ok(argvs.some((argv) => argv[1] === mine), JSON.stringify(argvs));
            assert.ok(!argvs.some((argv) => argv[1] === theirs), JSON.stringify(argvs));
            assert.equal(events.filter(isType("connection_established")).length, 1);
            assert.equal(events.filter(isType("connection_close")).length, 1);
            assert.ok(terminalText(events).includes(`${mine}\n`), terminalText(events));
          }
        } finally {
          await sshd.ssh(USER, [], { flags: ["-O", "exit"], options: control });
        }
      });
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});

Deno.test({
  name: "capture: a session open before the daemon starts is listed and followed",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using sshd = await startSshd();
    await sshd.ensureUser(USER);
    const work = await Deno.makeTempDir({ prefix: "sshlog-capture-existing-" });
    try {
      await using shell = await sshd.spawnSsh(USER, [], { tty: true });
      await shell.write("echo $SSH_CONNECTION; tty; echo before-daemon-$((6 * 7))\n");
      const before = await shell.waitForOutput(/^\/dev\/pts\/(\d+)\r$/m);
      await shell.waitForOutput("before-daemon-42");
      const ttyId = Number(/^\/dev\/pts\/(\d+)\r$/m.exec(before)![1]);
      const tcp = parseSshConnection(shell.output.slice(shell.output.indexOf("127.0.0.1 ")));

      const eventLog = join(work, "event.log");
      await using daemon = await startDaemon({
        config: {
          "log.yaml": [
            "events:",
            "  - event: log_everything",
            "    triggers: [connection_established, command_start, connection_close]",
            "    actions:",
            "      - action: json_log",
            "        plugin: eventlogfile_action",
            `        log_file_path: ${eventLog}`,
            "        output_json: true",
            "",
          ].join("\n"),
        },
      });

      const listed = await daemon.cli(["sessions", "--json"]);
      assert.equal(listed.code, 0, listed.stderr);
      const sessions = (JSON.parse(listed.stdout) as { sessions: Record<string, unknown>[] })
        .sessions.filter((session) => session.username === USER);
      assert.equal(sessions.length, 1, listed.stdout);
      const session = sessions[0]!;
      assert.equal(session.tty_id, ttyId);
      assert.equal(session.user_id, (await sshd.ensureUser(USER)).uid);
      assert.deepEqual(session.tcp_info, tcp);
      assert.equal(session.existing, true);
      assert.equal(session.end_time, 0);
      assert.match(String(session.session_id), /^[A-Za-z0-9._-]+$/);

      const established = await waitFor(
        "connection_established (existing) in the event log",
        async () => {
          const lines = (await Deno.readTextFile(eventLog).catch(() => "")).split("\n");
          return lines.filter((line) => line !== "").map((line) => JSON.parse(line) as SshlogEvent)
            .find((event) =>
              event.event_type === "connection_established" &&
              event.session_id === session.session_id
            );
        },
      );
      assert.equal(
        (established as { existing?: boolean }).existing,
        true,
        JSON.stringify(established),
      );
      commonSessionFields([established], { username: USER, tty_id: ttyId, tcp_info: tcp });

      await shell.write("/bin/echo typed-after-daemon\n");
      await shell.waitForOutput("typed-after-daemon\r\n");
      const typed = await daemon.events.waitForType(
        "command_start",
        (event) => event.argv[0] === "/bin/echo" && event.argv[1] === "typed-after-daemon",
        { what: "the command_start of the command typed after the daemon started" },
      );
      commonSessionFields([established, typed], {
        session_id: session.session_id,
        username: USER,
        tty_id: ttyId,
        tcp_info: tcp,
      });
      await shell.write("exit\n");
      await shell.wait();
      const close = await daemon.events.waitForType(
        "connection_close",
        (event) => event.session_id === session.session_id,
        { what: "connection_close of the existing session" },
      );
      assert.ok(close.duration_ms >= 0 && close.end_time >= close.start_time);
      assert.ok(
        terminalText(daemon.events.ofSession(String(session.session_id)))
          .includes("typed-after-daemon"),
        "the terminal stream after the daemon started is captured",
      );
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});

Deno.test({
  name: "capture: a daemon started from inside an SSH session does not record itself",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using sshd = await startSshd();
    await sshd.ensureUser(USER);
    await sshd.ensureUser("root");
    const work = await Deno.makeTempDir({ prefix: "sshlog-capture-inner-" });
    const socket = join(work, "inner.sock");
    const configDir = join(work, "config");
    const actionOutput = join(work, "action-ran.json");
    await Deno.mkdir(join(configDir, "conf.d"), { recursive: true });
    // The daemon runs a child (tee) for every command of USER: its children must not be recorded.
    await Deno.writeTextFile(
      join(configDir, "conf.d", "action.yaml"),
      [
        "events:",
        "  - event: run_for_user",
        "    triggers: [command_start]",
        "    filters:",
        `      username: ${USER}`,
        "    actions:",
        "      - action: tee_event",
        "        plugin: run_command_action",
        "        command: /usr/bin/tee",
        `        args: ["-a", "${actionOutput}"]`,
        "",
      ].join("\n"),
    );
    let daemonPid: number | undefined;
    let collector: EventCollector | undefined;
    const inner = await sshd.spawnSsh("root", [
      `cd ${REPO_ROOT} && ./sshlog daemon --socket ${socket} --config-dir ${configDir}`,
    ]);
    try {
      collector = await waitFor("the daemon started over ssh to serve its socket", async () => {
        try {
          return await EventCollector.open(socket);
        } catch {
          if (inner.process.pid && (await cmdline(inner.process.pid)) === undefined) {
            throw new Error(`The daemon started over ssh exited: ${(await inner.wait()).stderr}`);
          }
          return undefined;
        }
      }, { timeoutMs: 30_000 });
      for (const [pid] of await parents()) {
        const argv = await cmdline(pid);
        if (argv?.includes(socket) && argv.includes("daemon") && /deno$/.test(argv[0] ?? "")) {
          daemonPid = pid;
        }
      }
      assert.ok(daemonPid, "the daemon's pid is found in /proc");
      const daemonTree = await processTree(daemonPid);

      const other = await sshd.ssh(USER, ["/bin/echo other-session-command"]);
      assert.equal(other.code, 0, other.stderr);
      const recorded = await collector.waitForEvent(
        (event) =>
          event.event_type === "command_start" && event.argv[1] === "other-session-command",
        { what: "the other session's command" },
      );
      assert.equal(recorded.username, USER);
      await waitFor("the daemon's action to have run", async () => {
        const text = await Deno.readTextFile(actionOutput).catch(() => "");
        return text.includes("other-session-command") ? true : undefined;
      });
      // Events arrive in order: once this later command is seen, any exec of the action is too.
      await sshd.ssh(USER, ["/bin/echo fence-command"]);
      await collector.waitForEvent(
        (event) => event.event_type === "command_start" && event.argv[1] === "fence-command",
        { what: "the fence command" },
      );

      const own = collector.events.filter(isType("command_start")).filter((event) =>
        daemonTree.has(event.pid) || event.parent_pid === daemonPid ||
        daemonTree.has(event.parent_pid) || /(^|\/)tee$/.test(event.argv[0] ?? "")
      );
      assert.deepEqual(own, [], "no command of the daemon or its children is recorded");
      await collector.close();
      Deno.kill(daemonPid, "SIGTERM");
      const ended = await inner.wait({ timeoutMs: 15_000 });
      assert.equal(ended.code, 0, `the daemon stops cleanly on SIGTERM: ${ended.stderr}`);
    } finally {
      await collector?.close();
      if (daemonPid !== undefined) killQuietly(daemonPid, "SIGTERM");
      await inner.wait({ timeoutMs: 15_000 }).catch(() => {});
      await inner[Symbol.asyncDispose]();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});

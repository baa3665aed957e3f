/**
 * End-to-end: the exact events the daemon reports for commands run over a real sshd (OpenSSH of
 * the host): session fields, argv, cwd, exit status, signal, output and terminal stream.
 * Needs root.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { clientPublicKey, type SshdHandle, startSshd } from "./_harness/sshd.ts";
import {
  commonSessionFields,
  type DaemonHandle,
  isType,
  parseSshConnection,
  type SshlogEvent,
  startDaemon,
  terminalBytes,
  terminalText,
} from "./_harness/daemon.ts";

const USER = "sshlogtest";
const HOSTNAME = Deno.hostname();

/** Runs one ssh command and returns the events of its session (up to connection_close). */
async function sessionOf(
  daemon: DaemonHandle,
  marker: string,
): Promise<SshlogEvent[]> {
  return await daemon.events.waitForSession(
    (event) => event.event_type === "command_start" && event.args.includes(marker),
    { what: `a command_start whose args hold "${marker}"` },
  );
}

function commandStarts(events: readonly SshlogEvent[]) {
  return events.filter(isType("command_start"));
}

function commandFinishes(events: readonly SshlogEvent[]) {
  return events.filter(isType("command_finish"));
}

/** The one command_start / command_finish pair of the command whose argv[0] is `argv0`. */
function commandPair(events: readonly SshlogEvent[], argv0: string) {
  const starts = commandStarts(events).filter((event) => event.argv[0] === argv0);
  assert.equal(starts.length, 1, `one command_start of ${argv0}: ${JSON.stringify(starts)}`);
  const start = starts[0]!;
  // A shell may exec its last command in place: match the pid and the argv.
  const finishes = commandFinishes(events).filter((event) =>
    event.pid === start.pid && JSON.stringify(event.argv) === JSON.stringify(start.argv)
  );
  assert.equal(finishes.length, 1, `one command_finish of ${argv0}: ${JSON.stringify(finishes)}`);
  return { start, finish: finishes[0]! };
}

function repeat(char: string, count: number): string {
  return char.repeat(count);
}

async function checkNonPtyCommand(
  sshd: SshdHandle,
  daemon: DaemonHandle,
  ipv6: boolean,
): Promise<void> {
  const uid = (await sshd.ensureUser(USER)).uid;
  const marker = ipv6 ? "ipv6" : "ipv4";
  const script = `: ${marker}; echo $SSH_CONNECTION; cd /tmp; echo hello; ls -d /tmp; exit 3`;
  const result = await sshd.ssh(USER, [script], { ipv6 });
  assert.equal(result.code, 3, result.stderr);
  const tcp = parseSshConnection(result.stdout);
  assert.equal(tcp.client_ip, ipv6 ? "::1" : "127.0.0.1");
  assert.equal(tcp.server_port, sshd.port);

  const events = await sessionOf(daemon, `: ${marker}; echo $SSH_CONNECTION;`);
  const session = commonSessionFields(events, {
    hostname: HOSTNAME,
    username: USER,
    user_id: uid,
    tty_id: -1,
    tcp_info: tcp,
  });
  assert.match(String(session.session_id), /^[A-Za-z0-9._-]+$/, "session_id is file-name safe");
  // Every event of this TCP connection belongs to this one session.
  const sameConnection = daemon.events.filter((event) =>
    event.tcp_info?.client_port === tcp.client_port && event.tcp_info?.client_ip === tcp.client_ip
  );
  assert.deepEqual(
    new Set(sameConnection.map((event) => event.session_id)),
    new Set([session.session_id]),
  );

  assert.equal(events[0]?.event_type, "connection_established", "the session opens first");
  assert.equal(events.filter(isType("connection_established")).length, 1);
  assert.equal(events.at(-1)?.event_type, "connection_close", "the session closes last");

  const bash = commandPair(events, "bash");
  assert.deepEqual(bash.start.argv, ["bash", "-c", script]);
  assert.equal(bash.start.filename, "bash");
  assert.equal(bash.start.args, `/bin/bash -c ${script}`);
  assert.equal(bash.start.cwd, `/home/${USER}`);
  assert.equal(bash.start.pid, session.shell_pid);
  assert.equal(bash.finish.exit_code, 3);
  assert.equal(bash.finish.signal, null);
  assert.ok(bash.finish.end_time >= bash.start.timestamp, JSON.stringify(bash.finish));

  const ls = commandPair(events, "ls");
  assert.deepEqual(ls.start.argv, ["ls", "-d", "/tmp"]);
  assert.equal(ls.start.filename, "ls");
  assert.match(ls.start.args, /^\/(usr\/)?bin\/ls -d \/tmp$/);
  assert.equal(ls.start.cwd, "/tmp");
  assert.equal(ls.start.parent_pid, bash.start.pid);
  assert.equal(ls.finish.exit_code, 0);
  assert.equal(ls.finish.signal, null);
  assert.equal(ls.finish.stdout, "/tmp\n");
  assert.equal(ls.finish.stdout_size, 5);
  assert.deepEqual(ls.finish.argv, ls.start.argv);
  assert.equal(ls.finish.cwd, "/tmp");

  assert.equal(terminalText(events), result.stdout, "the terminal stream is what the client got");
  assert.equal(terminalBytes(events), result.stdoutBytes.length);

  const close = events.filter(isType("connection_close"));
  assert.equal(close.length, 1);
  assert.ok(close[0]!.end_time > 0, JSON.stringify(close[0]));
  assert.ok(close[0]!.end_time >= close[0]!.start_time, JSON.stringify(close[0]));
  assert.ok(close[0]!.duration_ms >= 0, JSON.stringify(close[0]));
}

Deno.test({
  name: "capture: commands over the host's sshd are reported with exact fields",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using sshd = await startSshd();
    await sshd.ensureUser(USER);
    await using daemon = await startDaemon();
    const uid = (await sshd.ensureUser(USER)).uid;

    await t.step(
      "capture: a non-pty command reports its commands, cwd, output and exit",
      () => checkNonPtyCommand(sshd, daemon, false),
    );

    await t.step(
      "capture: a session over IPv6 reports client_ip ::1",
      () => checkNonPtyCommand(sshd, daemon, true),
    );

    await t.step(
      "capture: output the shell writes after a command exits is not that command's",
      async () => {
        const script = "echo before-ls; ls -d /tmp; echo after-ls-output; : attribution";
        const result = await sshd.ssh(USER, [script]);
        assert.equal(result.code, 0, result.stderr);
        const events = await sessionOf(daemon, ": attribution");
        const ls = commandPair(events, "ls");
        assert.equal(ls.finish.stdout, "/tmp\n", JSON.stringify(ls.finish));
        assert.equal(ls.finish.stdout_size, 5);
        const bash = commandPair(events, "bash");
        assert.equal(
          bash.finish.stdout,
          "before-ls\nafter-ls-output\n",
          JSON.stringify(bash.finish),
        );
        assert.equal(bash.finish.stdout_size, 26);
      },
    );

    await t.step("capture: a pty session reports the tty_id that tty prints", async () => {
      const result = await sshd.ssh(USER, ["echo $SSH_CONNECTION; tty; echo pty-marker-3"], {
        tty: true,
      });
      assert.equal(result.code, 0, result.stderr);
      const tty = /^\/dev\/pts\/(\d+)\r$/m.exec(result.stdout);
      assert.ok(tty, result.stdout);
      const tcp = parseSshConnection(result.stdout);
      const events = await sessionOf(daemon, "pty-marker-3");
      commonSessionFields(events, {
        username: USER,
        user_id: uid,
        tty_id: Number(tty[1]),
        tcp_info: tcp,
      });
      const ttyCommand = commandPair(events, "tty");
      assert.deepEqual(ttyCommand.start.argv, ["tty"]);
      assert.equal(ttyCommand.finish.exit_code, 0);
      assert.equal(ttyCommand.finish.stdout, `/dev/pts/${tty[1]}\r\n`);
      const text = terminalText(events);
      assert.ok(
        text.includes(result.stdout),
        `terminal stream ${JSON.stringify(text)} holds ${JSON.stringify(result.stdout)}`,
      );
      assert.equal(events.filter(isType("connection_close")).length, 1);
    });

    await t.step("capture: a root login is reported as root with uid 0", async () => {
      await sshd.ensureUser("root");
      const result = await sshd.ssh("root", ["echo $SSH_CONNECTION; id -u; : root-marker-4"]);
      assert.equal(result.code, 0, result.stderr);
      const events = await sessionOf(daemon, "root-marker-4");
      commonSessionFields(events, {
        username: "root",
        user_id: 0,
        tty_id: -1,
        tcp_info: parseSshConnection(result.stdout),
      });
      assert.equal(events.filter(isType("connection_established")).length, 1);
      const id = commandPair(events, "id");
      assert.deepEqual(id.start.argv, ["id", "-u"]);
      assert.equal(id.start.cwd, "/root");
      assert.equal(id.finish.stdout, "0\n");
      assert.equal(id.finish.exit_code, 0);
    });

    await t.step(
      "capture: command_start keeps all 40 argv entries, spaces and bad UTF-8",
      async () => {
        const words: string[] = [];
        const expected: string[] = ["/bin/echo"];
        for (let i = 1; i <= 39; i++) {
          if (i % 5 === 0) {
            words.push(`'arg ${i} with  spaces'`);
            expected.push(`arg ${i} with  spaces`);
          } else {
            words.push(`argv-entry-${i}`);
            expected.push(`argv-entry-${i}`);
          }
        }
        words.push(`"$(printf 'bad\\xffutf8')"`);
        expected.push("bad\uFFFDutf8");
        assert.equal(expected.length, 41, "/bin/echo and 40 arguments");
        const result = await sshd.ssh(USER, [`/bin/echo ${words.join(" ")}`]);
        assert.equal(result.code, 0, result.stderr);
        const events = await sessionOf(daemon, "argv-entry-39");
        const echo = commandPair(events, "/bin/echo");
        assert.deepEqual(echo.start.argv, expected);
        assert.equal(echo.start.filename, "/bin/echo");
        assert.equal(echo.start.args, expected.join(" "));
        assert.equal(echo.finish.exit_code, 0);
        assert.equal(echo.finish.stdout_size, result.stdoutBytes.length);
      },
    );

    await t.step(
      "capture: writes of exactly 4096 and 16384 bytes are counted exactly",
      async () => {
        const files: Record<number, string> = {};
        for (const size of [4096, 16384]) {
          files[size] = join("/tmp", `sshlog-capture-${size}.txt`);
          await Deno.writeTextFile(files[size]!, repeat("x", size), { mode: 0o644 });
          await Deno.chmod(files[size]!, 0o644);
        }
        try {
          for (const size of [4096, 16384]) {
            const script = `cat ${files[size]}; : size-marker-${size}`;
            const result = await sshd.ssh(USER, [script]);
            assert.equal(result.stdoutBytes.length, size, result.stderr);
            const events = await sessionOf(daemon, `size-marker-${size}`);
            const cat = commandPair(events, "cat");
            assert.equal(
              cat.finish.stdout_size,
              size,
              JSON.stringify({ ...cat.finish, stdout: "…" }),
            );
            assert.ok(cat.finish.stdout.length >= 4096, "stdout keeps at least 4 KiB");
            assert.equal(cat.finish.stdout, repeat("x", cat.finish.stdout.length));
            assert.equal(terminalBytes(events), size);
            assert.equal(terminalText(events), repeat("x", size));

            const pipeline = `head -c ${size} /dev/zero | tr '\\0' x; : tr-marker-${size}`;
            const piped = await sshd.ssh(USER, [pipeline]);
            assert.equal(piped.stdout, repeat("x", size), piped.stderr);
            const pipeEvents = await sessionOf(daemon, `tr-marker-${size}`);
            const tr = commandPair(pipeEvents, "tr");
            assert.equal(
              tr.finish.stdout_size,
              size,
              JSON.stringify({ ...tr.finish, stdout: "…" }),
            );
            assert.equal(terminalBytes(pipeEvents), size);
          }
        } finally {
          for (const file of Object.values(files)) await Deno.remove(file).catch(() => {});
        }
      },
    );

    await t.step(
      "capture: output with invalid UTF-8 and NUL bytes is kept and counted raw",
      async () => {
        // bad\xffutf\0nul€\n: 15 bytes; the euro sign is three bytes.
        const script = `/usr/bin/printf 'bad\\377utf\\000nul\\342\\202\\254\\n'; : bytes-marker-7`;
        const result = await sshd.ssh(USER, [script]);
        assert.equal(result.code, 0, result.stderr);
        const raw = [
          ...new TextEncoder().encode("bad"),
          0xff,
          ...new TextEncoder().encode("utf"),
          0,
          ...new TextEncoder().encode("nul€\n"),
        ];
        assert.deepEqual([...result.stdoutBytes], raw);
        const events = await sessionOf(daemon, "bytes-marker-7");
        const printf = commandPair(events, "/usr/bin/printf");
        assert.equal(printf.finish.stdout_size, 15);
        assert.equal(printf.finish.stdout, "bad\uFFFDutf\0nul€\n");
        assert.equal(terminalBytes(events), 15);
        assert.equal(terminalText(events), "bad\uFFFDutf\0nul€\n");
      },
    );

    await t.step("capture: a command killed by SIGKILL finishes with signal SIGKILL", async () => {
      // The loop waits (with builtins only) until the background child sleeps in sleep(1):
      // its name changes early in execve, and a SIGKILL that lands before the exec
      // completes kills a process that never ran sleep (no command to report).
      const script = ": signal-marker-8; sh -c 'kill -KILL $$'; sleep 30 & p=$!; " +
        'until read -r _ c s _ < /proc/$p/stat && [ "$c $s" = "(sleep) S" ]; do :; done; ' +
        "kill -9 $p; wait $p";
      const result = await sshd.ssh(USER, [script]);
      assert.equal(result.code, 137, result.stderr);
      const events = await sessionOf(daemon, "signal-marker-8");
      const sh = commandPair(events, "sh");
      assert.deepEqual(sh.start.argv, ["sh", "-c", "kill -KILL $$"]);
      assert.equal(sh.finish.exit_code, -1);
      assert.equal(sh.finish.signal, "SIGKILL");
      const sleep = commandFinishes(events).filter((event) => event.argv[0] === "sleep");
      assert.equal(sleep.length, 1, JSON.stringify(commandFinishes(events)));
      assert.deepEqual(sleep[0]!.argv, ["sleep", "30"]);
      assert.equal(sleep[0]!.exit_code, -1);
      assert.equal(sleep[0]!.signal, "SIGKILL");
      const bash = commandPair(events, "bash");
      assert.equal(bash.finish.exit_code, 137);
      assert.equal(bash.finish.signal, null);
    });

    await t.step("capture: the longest user name useradd allows is reported exactly", async () => {
      await using user = await longUser();
      const result = await sshd.ssh(user.name, ["echo $SSH_CONNECTION; id -un; : long-user-10"]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^${user.name}$`, "m"));
      const events = await sessionOf(daemon, "long-user-10");
      commonSessionFields(events, {
        username: user.name,
        user_id: user.uid,
        tcp_info: parseSshConnection(result.stdout),
      });
    });

    const { status, stderr } = await daemon.stop();
    assert.equal(status.code, 0, stderr);
  },
});

/**
 * Creates a user with a name longer than 32 characters, or of exactly 32 when useradd refuses
 * longer ones, with the harness client key; removed on dispose.
 */
async function longUser(): Promise<
  { name: string; uid: number } & AsyncDisposable
> {
  let name = "";
  let created: Deno.CommandOutput | undefined;
  for (const length of [33, 32]) {
    name = `sshlogcap${"l".repeat(length - 9)}`.slice(0, length);
    await new Deno.Command("userdel", { args: ["-r", name], stderr: "null" }).output();
    created = await new Deno.Command("useradd", { args: ["-m", "-s", "/bin/bash", name] })
      .output();
    if (created.success) break;
  }
  assert.ok(created?.success, new TextDecoder().decode(created?.stderr));
  const passwd = (await Deno.readTextFile("/etc/passwd")).split("\n")
    .find((line) => line.startsWith(`${name}:`));
  assert.ok(passwd, `${name} in /etc/passwd`);
  const [, , uid, gid, , home] = passwd.split(":");
  const sshDir = join(home!, ".ssh");
  await Deno.mkdir(sshDir, { recursive: true, mode: 0o700 });
  await Deno.writeTextFile(join(sshDir, "authorized_keys"), `${await clientPublicKey()}\n`, {
    mode: 0o600,
  });
  for (const path of [home!, sshDir, join(sshDir, "authorized_keys")]) {
    await Deno.chown(path, Number(uid), Number(gid));
  }
  return {
    name,
    uid: Number(uid),
    async [Symbol.asyncDispose]() {
      await new Deno.Command("userdel", { args: ["-r", name], stderr: "null" }).output();
    },
  };
}

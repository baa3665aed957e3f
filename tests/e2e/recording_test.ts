/**
 * End-to-end: `sessionlog_action` records real sessions of a real sshd into `.cast` (asciicast v2)
 * and `.log` files, `sshlog replay` plays them back byte for byte, `sshlog recordings` lists and
 * searches them, and a password typed with echo off is never recorded. Needs root and tmux.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CLIENT_KEY_PATH, type SshdHandle, startSshd, waitFor } from "./_harness/sshd.ts";
import {
  type DaemonHandle,
  isType,
  runSshlog,
  type SshlogEvent,
  startDaemon,
} from "./_harness/daemon.ts";
import { type Cast, parseCast } from "../../src/recorder/format.ts";
import { END_MARKER } from "../../src/recorder/transcript.ts";

const USER = "sshlogtest";
const HOSTNAME = Deno.hostname();
/** The triggers of the original agent's session-log sample: the recorder follows the rest. */
const ORIGINAL_TRIGGERS = ["connection_established", "connection_close", "terminal_update"];
const ALL_TRIGGERS = [...ORIGINAL_TRIGGERS, "command_start", "terminal_resize", "terminal_input"];

/** One rule recording every session into `dir`. */
function rule(name: string, dir: string, recordInput: boolean, triggers: string[]): string {
  return [
    `  - event: ${name}`,
    `    triggers: [${triggers.join(", ")}]`,
    `    actions:`,
    `      - action: ${name}_action`,
    `        plugin: sessionlog_action`,
    `        log_directory: ${dir}`,
    `        record_input: ${recordInput}`,
  ].join("\n");
}

/** A recording as read back from disk. */
interface Recording {
  castPath: string;
  logPath: string;
  castText: string;
  cast: Cast;
  log: string;
}

/** Waits until the session's transcript has its end marker, then reads and parses both files. */
async function readRecording(dir: string, sessionId: string): Promise<Recording> {
  const castPath = join(dir, `${sessionId}.cast`);
  const logPath = join(dir, `${sessionId}.log`);
  const log = await waitFor(`the end marker in ${logPath}`, async () => {
    try {
      const text = await Deno.readTextFile(logPath);
      return END_MARKER.test(text) ? text : undefined;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  }, { timeoutMs: 10_000 });
  const castText = await Deno.readTextFile(castPath);
  return { castPath, logPath, castText, cast: parseCast(castText), log };
}

/** The concatenated data of one event code of a cast. */
function dataOf(cast: Cast, code: "o" | "i" | "r" | "m"): string[] {
  return cast.events.filter((event) => event[1] === code).map((event) => event[2]);
}

/** The events of the session whose command_start args hold `marker`, up to its close. */
function sessionOf(daemon: DaemonHandle, marker: string): Promise<SshlogEvent[]> {
  return daemon.events.waitForSession(
    (event) => event.event_type === "command_start" && event.args.includes(marker),
    { what: `a command_start whose args hold "${marker}"` },
  );
}

function mode(info: Deno.FileInfo): number {
  return (info.mode ?? 0) & 0o777;
}

async function tmux(socket: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("tmux", {
    args: ["-S", socket, ...args],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

function randomWord(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 12);
}

/** Every .cast and .log file under `dirs`, path → text. */
async function allFiles(dirs: readonly string[]): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const dir of dirs) {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile) {
        files.set(join(dir, entry.name), await Deno.readTextFile(join(dir, entry.name)));
      }
    }
  }
  return files;
}

Deno.test({
  name: "recording: sessionlog_action writes casts and transcripts that replay exactly",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const tmp = await Deno.makeTempDir({ prefix: "sshlog-recording-" });
    const plainDir = join(tmp, "plain");
    const inputDir = join(tmp, "with-input");
    try {
      await using sshd = await startSshd();
      await sshd.ensureUser(USER);
      const config = `events:\n${rule("record_plain", plainDir, false, ORIGINAL_TRIGGERS)}\n` +
        `${rule("record_input", inputDir, true, ALL_TRIGGERS)}\n`;
      await using daemon = await startDaemon({ config: { "recording.yaml": config } });

      const word = randomWord();
      const script = `/bin/echo rec-marker-${word}; ls -d /tmp; ` +
        `/usr/bin/printf '%s\\n' 'héllo 日本'; /usr/bin/printf 'grepword-%s\\n' ${word}`;
      let first: { id: string; recording: Recording; stdout: Uint8Array; events: SshlogEvent[] };

      await t.step("recording: an ssh -tt session gives a valid cast and transcript", async () => {
        const result = await sshd.ssh(USER, [script], { tty: true });
        assert.equal(result.code, 0, result.stderr);
        const clientText = new TextDecoder().decode(result.stdoutBytes);
        assert.ok(clientText.includes("héllo 日本"), JSON.stringify(clientText));
        const events = await sessionOf(daemon, `rec-marker-${word}`);
        const id = events[0]!.session_id!;
        const established = events.find(isType("connection_established"));
        assert.ok(established, "the session has a connection_established");
        const recording = await readRecording(plainDir, id);
        first = { id, recording, stdout: result.stdoutBytes, events };

        // The header, checked field by field (parseCast checked the lines' syntax).
        const header = JSON.parse(recording.castText.split("\n")[0]!);
        assert.equal(header.version, 2);
        assert.ok(Number.isInteger(header.width) && header.width > 0, JSON.stringify(header));
        assert.ok(Number.isInteger(header.height) && header.height > 0, JSON.stringify(header));
        assert.equal(typeof header.timestamp, "number", JSON.stringify(header));
        assert.ok(
          Math.abs(header.timestamp * 1000 - established.timestamp) < 5_000,
          `header timestamp ${header.timestamp} is the session start ${established.timestamp}`,
        );
        assert.equal(typeof header.title, "string");
        assert.ok(header.title.includes(USER), header.title);
        assert.ok(header.title.includes("127.0.0.1"), header.title);

        // The output is exactly what the client received.
        assert.equal(dataOf(recording.cast, "o").join(""), clientText);
        assert.deepEqual(dataOf(recording.cast, "i"), [], "no input without record_input");

        // A marker per command, with its command line, in order.
        const markers = dataOf(recording.cast, "m");
        const starts = events.filter(isType("command_start")).map((event) => event.args);
        assert.deepEqual(markers, starts);
        for (
          const expected of [
            `/bin/echo rec-marker-${word}`,
            "ls -d /tmp",
            "/usr/bin/printf %s\\n héllo 日本",
          ]
        ) {
          assert.ok(
            markers.some((marker) => marker.endsWith(expected)),
            `a marker ending with ${JSON.stringify(expected)} in ${JSON.stringify(markers)}`,
          );
        }

        // Private files in a private directory.
        assert.equal(mode(await Deno.stat(plainDir)), 0o700);
        assert.equal(mode(await Deno.stat(recording.castPath)), 0o600);
        assert.equal(mode(await Deno.stat(recording.logPath)), 0o600);
        assert.equal((await Deno.stat(recording.castPath)).uid, 0);

        // The transcript: markers and the output, without escape sequences or CRs.
        const log = recording.log;
        assert.match(
          log,
          new RegExp(`^\\[\\[ sshlog: session ${id} user ${USER} from 127\\.0\\.0\\.1 started `),
        );
        assert.match(log, new RegExp(`\\[\\[ sshlog: .* ${USER} executed /bin/echo rec-marker-`));
        assert.match(log, /\[\[ sshlog: .* executed \S*ls -d \/tmp \]\]/);
        assert.match(log, new RegExp(`\\[\\[ sshlog: session ${id} ended .* \\]\\]\\n$`));
        for (const line of [`rec-marker-${word}`, "/tmp", "héllo 日本", `grepword-${word}`]) {
          assert.ok(log.includes(`\n${line}\n`), `${JSON.stringify(line)} in ${log}`);
        }
        assert.ok(!log.includes("\x1b"), `no ESC in ${JSON.stringify(log)}`);
        assert.ok(!log.includes("\r"), `no CR in ${JSON.stringify(log)}`);
      });

      await t.step("recording: sshlog replay prints exactly the recorded output", async () => {
        assert.ok(first, "the first step recorded a session");
        const expected = dataOf(first.recording.cast, "o").join("");
        const byFile = await runSshlog(["replay", first.recording.castPath, "--speed", "1000"]);
        assert.equal(byFile.code, 0, byFile.stderr);
        assert.equal(byFile.stdout, expected);
        assert.deepEqual(byFile.stdoutBytes, first.stdout, "the bytes the client received");

        const bySession = await runSshlog([
          "replay",
          first.id,
          "--dir",
          plainDir,
          "--speed",
          "1000",
        ]);
        assert.equal(bySession.code, 0, bySession.stderr);
        assert.deepEqual(bySession.stdoutBytes, first.stdout);

        // Without --dir, the daemon says where the session's recording is.
        const viaDaemon = await daemon.cli(["replay", first.id, "--speed", "1000"]);
        assert.equal(viaDaemon.code, 0, viaDaemon.stderr);
        assert.equal(viaDaemon.stdout, expected);

        const missing = await runSshlog(["replay", "no-such-session", "--dir", plainDir]);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /Cannot find recording "no-such-session"/);
      });

      await t.step("recording: sshlog recordings lists, greps and filters by user", async () => {
        assert.ok(first, "the first step recorded a session");
        const list = async (...args: string[]) => {
          const result = await runSshlog(["recordings", "--json", "--dir", plainDir, ...args]);
          assert.equal(result.code, 0, result.stderr);
          const parsed = JSON.parse(result.stdout) as { recordings: Record<string, unknown>[] };
          return parsed.recordings;
        };
        const all = await list();
        const mine = all.find((entry) => entry.session_id === first.id);
        assert.ok(mine, `${first.id} in ${JSON.stringify(all)}`);
        const header = first.recording.cast.header;
        const lastTime = first.recording.cast.events.at(-1)![0];
        const size = (await Deno.stat(first.recording.castPath)).size +
          (await Deno.stat(first.recording.logPath)).size;
        assert.equal(mine.user, USER);
        assert.equal(mine.host, HOSTNAME);
        assert.equal(mine.client, "127.0.0.1");
        assert.equal(mine.start_time, header.timestamp! * 1000);
        assert.equal(mine.duration_ms, Math.round(lastTime * 1000));
        assert.equal(mine.size_bytes, size);
        assert.equal(mine.recording, false);

        const grep = await list("--grep", `grepword-${word}`);
        assert.deepEqual(grep.map((entry) => entry.session_id), [first.id]);
        assert.deepEqual(await list("--grep", `nowhere-${randomWord()}`), []);
        const byUser = await list("--user", USER);
        assert.ok(byUser.some((entry) => entry.session_id === first.id));
        assert.ok(byUser.every((entry) => entry.user === USER), JSON.stringify(byUser));
        assert.deepEqual(await list("--user", `nosuchuser${randomWord()}`), []);

        // Without --dir, the daemon lists every folder its rules record into.
        const asked = await daemon.cli(["recordings", "--json", "--grep", `grepword-${word}`]);
        assert.equal(asked.code, 0, asked.stderr);
        const paths = (JSON.parse(asked.stdout).recordings as { cast_path: string }[])
          .map((entry) => entry.cast_path).sort();
        assert.deepEqual(
          paths,
          [`${inputDir}/${first.id}.cast`, `${plainDir}/${first.id}.cast`].sort(),
        );
      });

      await t.step(
        "recording: a window change is an r event after the initial size",
        () => checkResize(sshd, daemon, plainDir),
      );

      let typed: string | undefined;
      await t.step("recording: a password typed with echo off is never recorded", async () => {
        typed = await checkPassword(sshd, daemon, plainDir, inputDir);
      });

      // Readline (bash, zsh…) clears ECHO at its prompt and echoes itself: what is typed there is
      // recorded; only a prompt with echo off in line mode (a password) is not.
      await t.step({
        name: "recording: command lines typed at a readline prompt are recorded as input",
        fn() {
          assert.ok(typed !== undefined, "the password step ran");
          assert.ok(
            typed.includes("echo ready-$((2+2)) $(tty); read -r line; echo line=$line"),
            `the command line in the i events ${JSON.stringify(typed)}`,
          );
        },
      });

      const { status, stderr } = await daemon.stop();
      assert.equal(status.code, 0, stderr);
    } finally {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
  },
});

async function checkResize(sshd: SshdHandle, daemon: DaemonHandle, dir: string): Promise<void> {
  const marker = `resize-rec-${randomWord()}`;
  const socket = `/tmp/sshlog-rec-resize-${crypto.randomUUID()}`;
  const ssh = [
    "ssh -tt -F none -i",
    CLIENT_KEY_PATH,
    "-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
    "-o LogLevel=ERROR",
    `-p ${sshd.port} ${USER}@127.0.0.1 'echo ${marker}; read x; echo done-$x'`,
  ].join(" ");
  await tmux(socket, "new-session", "-d", "-x", "100", "-y", "30", ssh);
  try {
    const start = await daemon.events.waitForType(
      "command_start",
      (e) => e.args.includes(marker),
    );
    await daemon.events.waitForType(
      "terminal_update",
      (e) => e.session_id === start.session_id && e.terminal_data.includes(marker),
    );
    await tmux(socket, "resize-window", "-t", "0", "-x", "120", "-y", "40");
    await daemon.events.waitForType(
      "terminal_resize",
      (e) => e.session_id === start.session_id && e.columns === 120 && e.rows === 40,
    );
    await tmux(socket, "send-keys", "-t", "0", "go", "Enter");
    const recording = await readRecording(dir, start.session_id);
    assert.equal(recording.cast.header.width, 100, recording.castText);
    assert.equal(recording.cast.header.height, 30, recording.castText);
    const events = recording.cast.events;
    const resize = events.findIndex((event) => event[1] === "r");
    assert.ok(resize >= 0, `an r event in ${recording.castText}`);
    assert.equal(events[resize]![2], "120x40");
    assert.deepEqual(dataOf(recording.cast, "r"), ["120x40"]);
    const output = events.findIndex((event) => event[1] === "o" && event[2].includes(marker));
    assert.ok(output >= 0 && output < resize, "the marker output comes before the resize");
    assert.ok(dataOf(recording.cast, "o").join("").includes("done-go"), recording.castText);
  } finally {
    await new Deno.Command("tmux", { args: ["-S", socket, "kill-server"], stderr: "null" })
      .output();
    await Deno.remove(socket).catch(() => {});
  }
}

/** Waits until the terminal `tty` echoes input (`on`) or no longer does: read from its termios. */
async function waitForEcho(tty: string, on: boolean): Promise<void> {
  await waitFor(`echo ${on ? "on" : "off"} on ${tty}`, async () => {
    const { stdout } = await new Deno.Command("stty", { args: ["-F", tty, "-a"] }).output();
    const echo = new TextDecoder().decode(stdout).split(/\s+/).includes("echo");
    return echo === on ? true : undefined;
  });
}

/**
 * Runs an interactive login shell that types a line at `read -r` (echo on) and a secret at
 * `read -s` (echo off); returns all the "i" data of the record_input recording.
 */
async function checkPassword(
  sshd: SshdHandle,
  daemon: DaemonHandle,
  plainDir: string,
  inputDir: string,
): Promise<string> {
  const secret = `s3cr3t-${randomWord()}`;
  const visible = `visible-${randomWord()}`;
  const done = `got-it-42-${randomWord()}`;
  const session = await sshd.spawnSsh(USER, [], { tty: true });
  try {
    await session.waitForOutput(/\$ $/);
    // The marker is printed once readline gave the terminal back: `read -r` reads with echo on.
    await session.write("echo ready-$((2+2)) $(tty); read -r line; echo line=$line\r");
    const ready = /ready-4 (\/dev\/pts\/\d+)/;
    const tty = ready.exec(await session.waitForOutput(ready))![1]!;
    await waitForEcho(tty, true);
    await session.write(`${visible}\r`);
    await session.waitForOutput(`line=${visible}`);
    await session.write(
      `p=Secret; read -s -p "$p-prompt: " pw; echo got-it-$((6*7))-${done.slice(10)}\r`,
    );
    await session.waitForOutput("Secret-prompt: ");
    await waitForEcho(tty, false);
    await session.write(`${secret}\r`);
    await session.waitForOutput(done);
    await session.write("exit\r");
    const result = await session.wait({ timeoutMs: 15_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stdout.includes(secret), "the terminal did not echo the secret");
  } finally {
    session.kill();
  }
  const got = await daemon.events.waitForType(
    "terminal_update",
    (e) => e.terminal_data.includes(done),
  );
  const id = got.session_id!;
  await daemon.events.waitForType("connection_close", (e) => e.session_id === id);

  const withInput = await readRecording(inputDir, id);
  const plain = await readRecording(plainDir, id);
  const input = dataOf(withInput.cast, "i").join("");
  assert.ok(input.includes(`${visible}\r`), `${visible} in the i events: ${withInput.castText}`);
  assert.deepEqual(dataOf(plain.cast, "i"), [], "no i events without record_input");
  for (const recording of [withInput, plain]) {
    assert.ok(dataOf(recording.cast, "o").join("").includes(done), recording.castText);
    assert.ok(recording.log.includes(done), recording.log);
    assert.ok(recording.log.includes(`line=${visible}`), recording.log);
  }
  for (const [path, text] of await allFiles([plainDir, inputDir])) {
    assert.ok(!text.includes(secret), `the secret is in ${path}:\n${text}`);
  }
  const leaked = daemon.events.events.filter((event) => JSON.stringify(event).includes(secret));
  assert.deepEqual(leaked, [], "no event carries the secret");
  return input;
}

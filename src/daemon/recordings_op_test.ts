import assert from "node:assert/strict";
import { EventBus } from "../events/mod.ts";
import { IpcServer } from "../ipc/mod.ts";
import type { RecordingInfo } from "../recorder/mod.ts";
import { parseRecordingsRequest, registerRecordingsOp } from "./recordings_op.ts";

const MOD_TS = new URL("../../mod.ts", import.meta.url).pathname;

/** A folder with an open recording s-1 of alice and an ended one, s-2, of bob. */
async function sampleDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-rec-op-" });
  const header = (user: string, start: number) =>
    JSON.stringify({
      version: 2,
      width: 80,
      height: 24,
      timestamp: start,
      title: `${user}@h from ::1`,
    });
  await Deno.writeTextFile(`${dir}/s-1.cast`, `${header("alice", 1714580000)}\n[0.5, "o", "hi"]\n`);
  await Deno.writeTextFile(`${dir}/s-1.log`, "hi\n");
  await Deno.writeTextFile(
    `${dir}/s-2.cast`,
    `${header("bob", 1714590000)}\n[1, "o", "secret\\r\\n"]\n`,
  );
  await Deno.writeTextFile(
    `${dir}/s-2.log`,
    "secret\n[[ sshlog: session s-2 ended 2024-05-01 19:00:01 ]]\n",
  );
  return dir;
}

async function runSshlog(args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "-q", MOD_TS, ...args],
    env: { TZ: "UTC", NO_COLOR: "1", SSHLOG_SOCKET: "", ...env },
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** A socket server with the `recordings` op over `dirs`, in a fresh temp folder. */
async function startServer(dirs: string[]) {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-rec-op-" });
  const server = new IpcServer({
    path: `${dir}/sshlogd.sock`,
    bus: new EventBus(),
    version: "0.1.0",
    sessions: { list: () => [], find: () => undefined },
  });
  registerRecordingsOp(server, () => dirs);
  await server.start();
  return {
    path: `${dir}/sshlogd.sock`,
    dir,
    async [Symbol.asyncDispose]() {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("sshlog recordings and replay SESSION ask the daemon for every folder it records into", async () => {
  const dir = await sampleDir();
  await using daemon = await startServer([`${dir}/not-yet`, dir]);
  const bob = await runSshlog(["recordings", "--json", "--user", "bob", "--socket", daemon.path]);
  assert.equal(bob.code, 0, bob.stderr);
  assert.deepEqual(JSON.parse(bob.stdout).recordings.map((r: RecordingInfo) => r.cast_path), [
    `${dir}/s-2.cast`,
  ]);
  const since = await runSshlog(["recordings", "--since", "2024-05-01T18:00Z"], {
    SSHLOG_SOCKET: daemon.path,
  });
  assert.match(since.stdout, /^Session .*\ns-2 +bob .* ended\n$/);
  const replay = await runSshlog(["replay", "s-2", "--speed", "1000", "--socket", daemon.path]);
  assert.deepEqual(replay, { code: 0, stdout: "secret\r\n", stderr: "" });
  const down = await runSshlog(["recordings", "--socket", `${daemon.dir}/none.sock`]);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /^Cannot connect to the sshlog daemon/);
  // No socket named and none at the default path: the default folder is read, and said so.
  const fallback = await runSshlog(["recordings"], { SSHLOG_SOCKET: "" });
  if (!(await Deno.stat("/var/run/sshlogd.sock").catch(() => undefined))) {
    assert.match(fallback.stderr, /^No daemon is running: reading the recordings in \/var\/log/);
  }
});

Deno.test("a recordings request with malformed filters is refused", () => {
  assert.deepEqual(parseRecordingsRequest({ op: "recordings", user: "bob", since: 5 }), {
    user: "bob",
    since: 5,
  });
  assert.throws(() => parseRecordingsRequest({ op: "recordings", since: "7d" }), TypeError);
  assert.throws(() => parseRecordingsRequest({ op: "recordings", grep: "" }), TypeError);
  assert.throws(() => parseRecordingsRequest({ op: "recordings", user: ["x"] }), TypeError);
});

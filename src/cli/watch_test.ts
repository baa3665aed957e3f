import assert from "node:assert/strict";
import type { ConnectionEstablishedEvent, SessionSnapshot, SshlogEvent } from "../events/mod.ts";
import {
  liveSession,
  readLines,
  runSshlog,
  spawnSshlog,
  startDaemonFixture,
  waitFor,
} from "./_fixture_daemon.ts";

const TIME = Date.UTC(2024, 4, 1, 16, 16, 45);

function established(session: SessionSnapshot): ConnectionEstablishedEvent {
  const { "last_activity_time": _a, "last_command": _c, existing: _e, ...fields } = session;
  return { ...fields, "event_type": "connection_established", timestamp: TIME };
}

function started(session: SessionSnapshot, args: string): SshlogEvent {
  return {
    ...established(session),
    "event_type": "command_start",
    pid: 42,
    "parent_pid": 41,
    filename: args,
    args,
    argv: [args],
    cwd: "/",
    "exec_path": args,
    "command_start_time": TIME,
  };
}

function output(session: SessionSnapshot, data: string): SshlogEvent {
  return {
    ...established(session),
    "event_type": "terminal_update",
    "terminal_data": data,
    "data_len": data.length,
  };
}

Deno.test("sshlog watch prints one line per event, skips terminal data but injected keys, exits 0 on Ctrl-C", async () => {
  await using daemon = await startDaemonFixture();
  const alice = liveSession("alice", 33);
  const child = spawnSshlog(["watch", "--socket", daemon.path]);
  const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  await waitFor(() => daemon.server.watcherCount === 1);
  daemon.bus.publish(output(alice, "secret output\r\n"));
  daemon.bus.publish(established(alice));
  const typed = { ...established(alice), "event_type": "terminal_input" as const };
  daemon.bus.publish({ ...typed, "terminal_data": "ls\r", "data_len": 3 });
  daemon.bus.publish({
    ...typed,
    "terminal_data": "id\r",
    "data_len": 3,
    injected: true,
    "admin_user": "root",
  });
  daemon.bus.publish(started(alice, "/bin/bash"));
  const lines = await readLines(stdout, 3);
  assert.deepEqual(lines, [
    "16:16:45 connection_established (1033) alice from ip 15.12.5.8:59120 tty 33",
    "16:16:45 terminal_input         (1033) alice typed by root through attach (3 bytes) id\\r",
    "16:16:45 command_start          (1033) alice executed /bin/bash",
  ]);
  child.kill("SIGINT");
  const status = await child.status;
  await stdout.cancel();
  const stderr = await new Response(child.stderr).text();
  assert.equal(stderr, "");
  assert.equal(status.code, 0);
});

Deno.test("sshlog watch --json --type prints the chosen events as JSON lines", async () => {
  await using daemon = await startDaemonFixture();
  const alice = liveSession("alice", 33);
  const child = spawnSshlog([
    "watch",
    "--type",
    "terminal_update",
    "--json",
    "--socket",
    daemon.path,
  ]);
  const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  await waitFor(() => daemon.server.watcherCount === 1);
  daemon.bus.publish(started(alice, "/bin/ls"));
  daemon.bus.publish(output(alice, "\x1b[1mbold\x1b[0m"));
  const [line] = await readLines(stdout, 1);
  const event = JSON.parse(line ?? "");
  assert.equal(event.event_type, "terminal_update");
  assert.equal(event.terminal_data, "\x1b[1mbold\x1b[0m");
  child.kill("SIGINT");
  assert.equal((await child.status).code, 0);
  await stdout.cancel();
  await child.stderr.cancel();
});

Deno.test("sshlog watch exits 1 when the daemon stops", async () => {
  const daemon = await startDaemonFixture();
  const child = spawnSshlog(["watch", "--socket", daemon.path]);
  await waitFor(() => daemon.server.watcherCount === 1);
  await daemon[Symbol.asyncDispose]();
  const result = await child.output();
  assert.equal(result.code, 1);
  assert.match(
    new TextDecoder().decode(result.stderr),
    /^The sshlog daemon at ".*" closed the connection\n$/,
  );
});

Deno.test("sshlog watch exits 1 for a session the daemon does not track", async () => {
  await using daemon = await startDaemonFixture();
  const result = await runSshlog(["watch", "--session", "99", "--socket", daemon.path]);
  assert.equal(result.code, 1);
  assert.equal(result.stderr, 'No live session matches "99"\n');
});

Deno.test("sshlog watch exits 2 for an unknown event type", async () => {
  const result = await runSshlog(["watch", "--type", "command_start,bogus"]);
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /^sshlog watch: Unknown event type "bogus": expected one or more of /,
  );
  assert.match(result.stderr, /\nUsage: sshlog watch \[--json\]/);
});

Deno.test("sshlog watch exits 1 when the daemon is unreachable", async () => {
  const result = await runSshlog(["watch"], { SSHLOG_SOCKET: "/nonexistent/sshlogd.sock" });
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    'Cannot connect to the sshlog daemon at "/nonexistent/sshlogd.sock": is it running? (sshlog daemon)\n',
  );
});

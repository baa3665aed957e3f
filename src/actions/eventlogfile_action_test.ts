import assert from "node:assert/strict";
import { sampleEvent } from "../plugins/mod.ts";
import { eventLogFile, formatEventLine } from "./mod.ts";
import { formatLocalTime } from "./_event_line.ts";

const CALL = { rule: "test", signal: new AbortController().signal };

Deno.test("formatEventLine() writes the original agent's line: time, type, (ptm_pid), user, details", () => {
  const time = formatLocalTime(1_714_580_205_000);
  const lines = [
    formatEventLine(sampleEvent("connection_established")),
    formatEventLine(sampleEvent("command_start")),
    formatEventLine(sampleEvent("command_finish", { exit_code: 1 })),
    formatEventLine(sampleEvent("file_upload")),
    formatEventLine(
      sampleEvent("connection_close", { tcp_info: { client_ip: "::1", client_port: 5 } }),
    ),
  ];
  assert.deepEqual(lines, [
    `${time}: connection_established: (970236) billy from ip 15.12.5.8:59120`,
    `${time}: command_start: (970236) billy executed /usr/bin/sudo ls -la`,
    `${time}: command_finish: (970236) billy execute complete (exit code: 1) /usr/bin/sudo ls -la`,
    `${time}: file_upload: (970236) billy uploaded file /home/billy/a.txt`,
    `${time}: connection_close: (970236) billy from ip [::1]:5`,
  ]);
  assert.match(time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
});

Deno.test("formatEventLine() escapes control characters a user could use to forge lines", () => {
  const line = formatEventLine(
    sampleEvent("command_start", { args: "ls\n2024-01-01 00:00:00: fake\x1b[2J" }),
  );
  assert.ok(line.endsWith("executed ls\\n2024-01-01 00:00:00: fake\\x1b[2J"));
  assert.ok(!line.includes("\n"));
});

Deno.test("eventLogFile() writes JSON Lines, files 0600 in a new 0700 directory", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-evlog-" });
  const path = `${dir}/new/sub/event.log`;
  const handler = await eventLogFile({
    log_file_path: path,
    output_json: true,
    max_size_mb: 20,
    number_of_log_files: 2,
  });
  const events = [sampleEvent("connection_established"), sampleEvent("command_start")];
  for (const event of events) await handler.handle(event, CALL);
  await handler.close?.();
  const lines = (await Deno.readTextFile(path)).trimEnd().split("\n");
  assert.deepEqual(lines.map((line) => JSON.parse(line)), events);
  assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  assert.equal((await Deno.stat(`${dir}/new/sub`)).mode! & 0o777, 0o700);
  assert.equal((await Deno.stat(`${dir}/new`)).mode! & 0o777, 0o700);
});

Deno.test("eventLogFile() rotates by size and keeps number_of_log_files old files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-evlog-" });
  const path = `${dir}/event.log`;
  await Deno.writeTextFile(path, "old line\n", { mode: 0o644 });
  // 2 KiB per file; each JSON line is ~450 bytes, so every file holds 4 lines.
  const handler = await eventLogFile({
    log_file_path: path,
    output_json: true,
    max_size_mb: 2 / 1024,
    number_of_log_files: 2,
  });
  for (let i = 0; i < 30; i++) await handler.handle(sampleEvent("command_start", { pid: i }), CALL);
  await handler.close?.();
  const names = [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
  assert.deepEqual(names, ["event.log", "event.log.1", "event.log.2"]);
  const pids = (name: string) =>
    Deno.readTextFileSync(`${dir}/${name}`).trimEnd().split("\n").map((line) =>
      line.startsWith("{") ? JSON.parse(line).pid : line
    );
  const kept = [...pids("event.log.2"), ...pids("event.log.1"), ...pids("event.log")];
  // The newest events survive, in order, and the oldest (with the old line) rotated away.
  assert.deepEqual(kept, [...Array(30).keys()].slice(30 - kept.length));
  assert.ok(kept.length >= 3);
  for (const name of names) {
    assert.ok(Deno.statSync(`${dir}/${name}`).size <= 2048, name);
    assert.equal(Deno.statSync(`${dir}/${name}`).mode! & 0o777, 0o600, name);
  }
});

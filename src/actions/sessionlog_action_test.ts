import assert from "node:assert/strict";
import { withRawBytes } from "../events/mod.ts";
import { sampleEvent, type SshlogEvent } from "../plugins/mod.ts";
import { parseCast } from "../recorder/mod.ts";
import { sessionLog, sessionlogAction } from "./sessionlog_action.ts";

const CALL = { rule: "test", signal: new AbortController().signal };
const START = 1_714_580_200_000;
const ID = "s-970236-1714580200";

function at(ms: number, type: SshlogEvent["event_type"], fields: Record<string, unknown> = {}) {
  return sampleEvent(type, { timestamp: START + ms, ...fields });
}

function output(ms: number, bytes: Uint8Array | string): SshlogEvent {
  const raw = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  return withRawBytes(
    at(ms, "terminal_update", { terminal_data: "lossy", data_len: raw.length }),
    raw,
  );
}

function input(ms: number, text: string): SshlogEvent {
  return withRawBytes(at(ms, "terminal_input"), new TextEncoder().encode(text));
}

async function record(dir: string, events: SshlogEvent[], recordInput = false): Promise<void> {
  const handler = sessionLog({
    log_directory: dir,
    timestamp_frequency_seconds: -1,
    record_input: recordInput,
  });
  for (const event of events) await handler.handle(event, CALL);
  await handler.close?.();
}

Deno.test("sessionLog() writes a cast and a transcript, files 0600 in a new 0700 directory", async () => {
  const dir = `${await Deno.makeTempDir({ prefix: "sshlog-rec-" })}/new/sessions`;
  // "é" is cut between two chunks: the cast still holds it whole.
  const events = [
    at(0, "connection_established"),
    at(10, "terminal_resize", { columns: 120, rows: 40 }),
    output(100, "\x1b[01;32m$\x1b[00m "),
    input(150, "ls\r"),
    at(200, "command_start", { args: "/bin/ls -la" }),
    output(300, new Uint8Array([0x61, 0xc3])),
    output(1300, new Uint8Array([0xa9, 0x0d, 0x0a])),
    at(1400, "terminal_resize", { columns: 100, rows: 30 }),
    at(2000, "connection_close"),
  ];
  await record(dir, events);
  const castText = await Deno.readTextFile(`${dir}/${ID}.cast`);
  const cast = parseCast(castText);
  assert.deepEqual(cast.header, {
    version: 2,
    width: 120,
    height: 40,
    timestamp: START / 1000,
    title: "billy@server1 from 15.12.5.8",
  });
  assert.deepEqual(cast.events, [
    [0.1, "o", "\x1b[01;32m$\x1b[00m "],
    [0.2, "m", "/bin/ls -la"],
    [0.3, "o", "a"],
    [1.3, "o", "é\r\n"],
    [1.4, "r", "100x30"],
  ]);
  const log = await Deno.readTextFile(`${dir}/${ID}.log`);
  const lines = log.split("\n");
  assert.match(
    lines[0]!,
    /^\[\[ sshlog: session s-970236-1714580200 user billy from 15\.12\.5\.8 started .* \]\]$/,
  );
  assert.equal(lines[1], "$ ");
  assert.match(lines[2]!, /^\[\[ sshlog: \S+ \S+ billy executed \/bin\/ls -la \]\]$/);
  assert.equal(lines[3], "aé");
  assert.match(lines[4]!, /^\[\[ sshlog: session s-970236-1714580200 ended .* \]\]$/);
  assert.equal(lines[5], "");
  for (const name of [`${ID}.cast`, `${ID}.log`]) {
    assert.equal((await Deno.stat(`${dir}/${name}`)).mode! & 0o777, 0o600, name);
  }
  assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
});

Deno.test("sessionLog() marks a capture gap in every recording open at the time", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-rec-gap-" });
  const gap = { ...at(500, "capture_gap"), session_id: undefined } as unknown as SshlogEvent;
  await record(dir, [
    at(0, "connection_established"),
    output(100, "before\r\n"),
    gap,
    output(600, "after\r\n"),
    at(2000, "connection_close"),
  ]);
  const cast = parseCast(await Deno.readTextFile(`${dir}/${ID}.cast`));
  assert.deepEqual(cast.events.map((e) => e[1] === "m" ? e[2] : e[1]), [
    "o",
    "sshlog: capture gap: 10 bytes and 1 events lost (ring buffer full)",
    "o",
  ]);
  const log = await Deno.readTextFile(`${dir}/${ID}.log`);
  assert.match(
    log,
    /\nbefore\n\[\[ sshlog: \S+ \S+ capture gap: 10 bytes and 1 events lost \(ring buffer full\) \]\]\nafter\n/,
  );
});

Deno.test("sessionLog() leaves the mode of an existing folder alone; its files are 0600", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-rec-shared-" });
  await Deno.chmod(dir, 0o755);
  await record(dir, [at(0, "connection_established"), at(2000, "connection_close")]);
  assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o755);
  assert.equal((await Deno.stat(`${dir}/${ID}.cast`)).mode! & 0o777, 0o600);
});

Deno.test("sessionLog() writes input only with record_input, and the cast bytes are exact", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-rec-" });
  const chunks = ["$ ", "l", "s\r\n", "\x1b]0;t\x07file  \u65e5\u672c\r\n"];
  const events = [
    at(0, "connection_established"),
    ...chunks.flatMap((
      chunk,
      i,
    ) => [input(i * 10 + 5, chunk.slice(0, 1)), output(i * 10 + 6, chunk)]),
  ];
  await record(`${dir}/off`, events);
  await record(`${dir}/on`, events, true);
  const off = parseCast(await Deno.readTextFile(`${dir}/off/${ID}.cast`));
  const on = parseCast(await Deno.readTextFile(`${dir}/on/${ID}.cast`));
  assert.equal(off.events.filter(([, code]) => code === "i").length, 0);
  assert.deepEqual(on.events.filter(([, code]) => code === "i").map(([, , data]) => data), [
    "$",
    "l",
    "s",
    "\x1b",
  ]);
  const played = off.events.filter(([, code]) => code === "o").map(([, , data]) => data).join("");
  assert.equal(played, chunks.join(""));
  assert.equal(off.header.width, 80);
});

Deno.test("sessionLog() continues a session's files after a restart (a second instance appends)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-rec-" });
  await record(dir, [at(0, "connection_established"), output(500, "one\r\n")]);
  // A cut last line (crash mid-write) is dropped before appending.
  await Deno.writeTextFile(`${dir}/${ID}.cast`, '[0.9, "o", "cu', { append: true });
  await record(dir, [
    at(5000, "connection_established", { existing: true }),
    at(5010, "terminal_resize", { columns: 90, rows: 20 }),
    output(6000, "two\r\n"),
    at(7000, "connection_close"),
  ]);
  const cast = parseCast(await Deno.readTextFile(`${dir}/${ID}.cast`));
  assert.equal(cast.header.timestamp, START / 1000);
  assert.deepEqual(cast.events, [[0.5, "o", "one\r\n"], [5.01, "r", "90x20"], [6, "o", "two\r\n"]]);
  const log = (await Deno.readTextFile(`${dir}/${ID}.log`)).split("\n");
  assert.match(log[0]!, /started/);
  assert.equal(log[1], "one");
  assert.match(log[2]!, /^\[\[ sshlog: session \S+ resumed .* \]\]$/);
  assert.equal(log[3], "two");
  assert.match(log[4]!, /ended/);
  assert.equal(log.length, 6);
});

Deno.test("sessionLog() writes timestamp lines every timestamp_frequency_seconds", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-rec-" });
  const handler = sessionLog({
    log_directory: dir,
    timestamp_frequency_seconds: 2,
    record_input: false,
  });
  for (const ms of [0, 1000, 2500, 3000, 4600]) await handler.handle(output(ms, `${ms}\r\n`), CALL);
  await handler.close?.();
  const log = (await Deno.readTextFile(`${dir}/${ID}.log`)).split("\n").slice(1, -1);
  assert.deepEqual(log.map((line) => line.replace(/timestamp .*/, "timestamp T ]]")), [
    "0",
    "1000",
    "[[ sshlog: timestamp T ]]",
    "2500",
    "3000",
    "[[ sshlog: timestamp T ]]",
    "4600",
  ]);
});

Deno.test("sessionlogAction() refuses a relative log_directory", () => {
  const plugin = sessionlogAction();
  assert.deepEqual(
    plugin.check?.({ log_directory: "rel", timestamp_frequency_seconds: -1, record_input: false }),
    [
      `"log_directory" must be an absolute path`,
    ],
  );
});

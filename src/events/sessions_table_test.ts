import assert from "node:assert/strict";
import { formatRelativeTime, formatSessionsJson, formatSessionsTable } from "./sessions_table.ts";
import { SAMPLE_TIME, sampleSnapshot } from "./_fixtures.ts";

const MINUTE = 60_000;

Deno.test("formatRelativeTime() says just now, minutes, hours and days", () => {
  assert.equal(formatRelativeTime(SAMPLE_TIME, SAMPLE_TIME + 59_000), "just now");
  assert.equal(formatRelativeTime(SAMPLE_TIME, SAMPLE_TIME - 5_000), "just now");
  assert.equal(formatRelativeTime(SAMPLE_TIME, SAMPLE_TIME + 10 * MINUTE), "10 min ago");
  assert.equal(formatRelativeTime(SAMPLE_TIME, SAMPLE_TIME + 125 * MINUTE), "2 h ago");
  assert.equal(formatRelativeTime(SAMPLE_TIME, SAMPLE_TIME + 1500 * MINUTE), "1 day ago");
  assert.equal(formatRelativeTime(SAMPLE_TIME, SAMPLE_TIME + 3 * 1440 * MINUTE), "3 days ago");
  assert.equal(formatRelativeTime(0, SAMPLE_TIME), "-");
});

Deno.test("formatSessionsTable() sizes columns to content and sorts by user", () => {
  const sessions = [
    sampleSnapshot({ username: "zoe", "tty_id": 4, "last_command": "/usr/bin/vim notes.txt" }),
    sampleSnapshot({
      username: "al",
      "tty_id": -1,
      "last_activity_time": SAMPLE_TIME - 10 * MINUTE,
      "tcp_info": {
        "client_ip": "::1",
        "client_port": 50022,
        "server_ip": "::1",
        "server_port": 22,
      },
    }),
  ];
  const expected = [
    "User  Last Activity  Last Command            Session Start        Client IP        TTY",
    "al    10 min ago     -                       2024-05-01 16:16:40  [::1]:50022      -",
    "zoe   just now       /usr/bin/vim notes.txt  2024-05-01 16:16:40  15.12.5.8:59120  4",
    "",
  ].join("\n");
  assert.equal(formatSessionsTable(sessions, SAMPLE_TIME + 1_000, "UTC"), expected);
});

Deno.test("formatSessionsTable() prints only the header row without sessions", () => {
  assert.equal(
    formatSessionsTable([], SAMPLE_TIME),
    "User  Last Activity  Last Command  Session Start  Client IP  TTY\n",
  );
});

Deno.test("formatSessionsTable() escapes and shortens a long hostile command", () => {
  const command = "\x1b[2J" + "x".repeat(100);
  const table = formatSessionsTable(
    [sampleSnapshot({ "last_command": command })],
    SAMPLE_TIME,
    "UTC",
  );
  const row = table.split("\n")[1] ?? "";
  assert.ok(!row.includes("\x1b"));
  assert.match(row, /\\x1b\[2Jx+… {2}2024/);
});

Deno.test("formatSessionsJson() prints the sessions document with nested tcp_info", () => {
  const parsed = JSON.parse(formatSessionsJson([sampleSnapshot({ "last_command": "ls" })]));
  assert.equal(parsed.sessions.length, 1);
  assert.equal(parsed.sessions[0].tcp_info.client_ip, "15.12.5.8");
  assert.equal(parsed.sessions[0].last_command, "ls");
  assert.equal(parsed.sessions[0].last_activity_time, SAMPLE_TIME);
});

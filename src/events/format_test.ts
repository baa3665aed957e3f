import assert from "node:assert/strict";
import { EVENT_TYPE_WIDTH, formatWatchLine } from "./format.ts";
import { sampleCommand, sampleSession } from "./_fixtures.ts";
import { EVENT_TYPES, type SshlogEvent } from "./types.ts";

Deno.test("formatWatchLine() formats connection_established as in SPEC §2", () => {
  const event: SshlogEvent = { ...sampleSession(), "event_type": "connection_established" };
  assert.equal(
    formatWatchLine(event, "UTC"),
    "16:16:45 connection_established (970236) billy from ip 15.12.5.8:59120 tty 33",
  );
});

Deno.test("formatWatchLine() pads the event type to 22", () => {
  const start = { ...sampleCommand("command_start"), args: "/bin/bash" };
  assert.equal(
    formatWatchLine(start, "UTC"),
    "16:16:45 command_start          (970236) billy executed /bin/bash",
  );
  assert.equal(EVENT_TYPE_WIDTH, Math.max(...EVENT_TYPES.map((t) => t.length)));
});

Deno.test("formatWatchLine() uses the given time zone", () => {
  const event: SshlogEvent = { ...sampleSession(), "event_type": "connection_established" };
  assert.match(formatWatchLine(event, "Asia/Tokyo"), /^01:16:45 /);
});

Deno.test("formatWatchLine() shows the exit code and signal of command_finish", () => {
  const finish = sampleCommand("command_finish");
  assert.equal(
    formatWatchLine(finish, "UTC"),
    "16:16:45 command_finish         (970236) billy execute complete (exit code: 0) /bin/ls -la",
  );
  const killed = { ...finish, "exit_code": -1, signal: "SIGKILL" };
  assert.match(formatWatchLine(killed, "UTC"), /\(exit code: -1, signal: SIGKILL\) \/bin\/ls -la$/);
});

Deno.test("formatWatchLine() escapes terminal data", () => {
  const event: SshlogEvent = {
    ...sampleSession(),
    "event_type": "terminal_update",
    "terminal_data": "\x1b]0;pwned\x07ls\r\n",
    "data_len": 16,
  };
  assert.equal(
    formatWatchLine(event, "UTC"),
    "16:16:45 terminal_update        (970236) billy terminal update (16 bytes) " +
      "\\x1b]0;pwned\\x07ls\\r\\n",
  );
});

Deno.test("formatWatchLine() escapes a hostile username of connection_auth_failed", () => {
  const event: SshlogEvent = {
    "event_type": "connection_auth_failed",
    timestamp: sampleSession().timestamp,
    hostname: "web1",
    "ptm_pid": 4242,
    username: "root\x1b[2J\n",
    "user_id": -1,
    "tcp_info": {
      "client_ip": "2001:db8::7",
      "client_port": 40000,
      "server_ip": "::1",
      "server_port": 22,
    },
  };
  assert.equal(
    formatWatchLine(event, "UTC"),
    "16:16:45 connection_auth_failed (4242) root\\x1b[2J\\n from ip [2001:db8::7]:40000 " +
      "(no such user)",
  );
});

Deno.test("formatWatchLine() shows the path of file transfers", () => {
  const upload: SshlogEvent = {
    ...sampleSession(),
    "event_type": "file_upload",
    "target_path": "/home/billy/a\tb.txt",
    "file_mode": "644",
  };
  assert.match(formatWatchLine(upload, "UTC"), /billy uploaded file \/home\/billy\/a\\tb\.txt$/);
  const download: SshlogEvent = { ...upload, "event_type": "file_download" };
  assert.match(formatWatchLine(download, "UTC"), /billy downloaded file \/home\/billy\/a\\tb.txt$/);
});

Deno.test("formatWatchLine() shows counts and reason of capture_gap without a session", () => {
  const gap: SshlogEvent = {
    "event_type": "capture_gap",
    timestamp: sampleSession().timestamp,
    hostname: "web1",
    "lost_bytes": 4096,
    "lost_events": 3,
    reason: "ring buffer full",
  };
  assert.equal(
    formatWatchLine(gap, "UTC"),
    "16:16:45 capture_gap            (-) lost 3 events, 4096 bytes: ring buffer full",
  );
});

Deno.test("formatWatchLine() shows the duration of connection_close and who attached", () => {
  const close: SshlogEvent = {
    ...sampleSession(),
    "event_type": "connection_close",
    "duration_ms": 303_000,
  };
  assert.match(formatWatchLine(close, "UTC"), /billy from ip 15\.12\.5\.8:59120 after 5 min 3 s$/);
  const attach: SshlogEvent = {
    ...sampleSession(),
    "event_type": "session_attach",
    "admin_user": "root",
    "admin_uid": 0,
    mode: "readonly",
  };
  assert.match(formatWatchLine(attach, "UTC"), /billy attached by root \(readonly\)$/);
});

Deno.test("formatWatchLine() keeps trailing spaces of terminal data", () => {
  const event: SshlogEvent = {
    ...sampleSession(),
    "event_type": "terminal_input",
    "terminal_data": "ls ",
    "data_len": 3,
  };
  assert.ok(formatWatchLine(event, "UTC").endsWith("terminal input (3 bytes) ls "));
});

Deno.test("formatWatchLine() prints an unknown event type without a tail", () => {
  const event = { ...sampleSession(), "event_type": "future_event" } as unknown as SshlogEvent;
  assert.equal(formatWatchLine(event, "UTC"), "16:16:45 future_event           (970236) billy");
});

Deno.test("formatWatchLine() throws RangeError for an invalid time zone", () => {
  const event: SshlogEvent = { ...sampleSession(), "event_type": "connection_established" };
  assert.throws(() => formatWatchLine(event, "Not/AZone"), RangeError);
});

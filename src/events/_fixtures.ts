/** Sample events and sessions for this folder's tests (golden strings depend on them). */

import type { SessionFields, SessionSnapshot, SshlogEvent } from "./types.ts";

/** 16:16:45 UTC on 2024-05-01, in epoch ms. */
export const SAMPLE_TIME = Date.UTC(2024, 4, 1, 16, 16, 45);

/** Session fields of billy's session on tty 33. */
export function sampleSession(): Omit<SessionFields, "event_type"> {
  return {
    timestamp: SAMPLE_TIME,
    hostname: "web1",
    "session_id": "s-970236-1714580000000",
    "ptm_pid": 970236,
    "pts_pid": 970240,
    "shell_pid": 970241,
    "user_id": 1001,
    username: "billy",
    "tty_id": 33,
    "start_time": SAMPLE_TIME - 5_000,
    "end_time": 0,
    "tcp_info": {
      "client_ip": "15.12.5.8",
      "client_port": 59120,
      "server_ip": "10.0.0.2",
      "server_port": 22,
    },
  };
}

/** A session snapshot as `sessions` lists it. */
export function sampleSnapshot(overrides: Partial<SessionSnapshot> = {}): SessionSnapshot {
  const { timestamp: _timestamp, ...fields } = sampleSession();
  return {
    ...fields,
    "last_activity_time": SAMPLE_TIME,
    "last_command": "",
    existing: false,
    ...overrides,
  };
}

/** A command event of billy's session running `/bin/ls -la`. */
export function sampleCommand(
  type: "command_start" | "command_finish",
): SshlogEvent {
  const command = {
    ...sampleSession(),
    pid: 970300,
    "parent_pid": 970241,
    filename: "ls",
    args: "/bin/ls -la",
    argv: ["ls", "-la"],
    cwd: "/home/billy",
    "exec_path": "/bin/ls",
    "command_start_time": SAMPLE_TIME,
  };
  if (type === "command_start") return { ...command, "event_type": type };
  return {
    ...command,
    "event_type": type,
    "exit_code": 0,
    signal: null,
    stdout: "total 0\n",
    "stdout_size": 8,
    "duration_ms": 3,
  };
}

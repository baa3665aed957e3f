import type { SshlogEvent } from "./api.ts";

const SESSION = {
  timestamp: 1_714_580_205_000,
  hostname: "server1",
  "session_id": "s-970236-1714580200",
  "ptm_pid": 970236,
  "pts_pid": 970250,
  "shell_pid": 970251,
  "user_id": 1000,
  username: "billy",
  "tty_id": 3,
  "start_time": 1_714_580_200_000,
  "end_time": 0,
  "tcp_info": {
    client_ip: "15.12.5.8",
    client_port: 59120,
    server_ip: "10.0.0.2",
    server_port: 22,
  },
};

const COMMAND = {
  pid: 970300,
  "parent_pid": 970251,
  filename: "sudo",
  args: "/usr/bin/sudo ls -la",
  argv: ["sudo", "ls", "-la"],
  cwd: "/home/billy",
  "exec_path": "/usr/bin/sudo",
  "command_start_time": 1_714_580_204_000,
};

const EXTRA: Record<string, Record<string, unknown>> = {
  "connection_established": { auth_method: "publickey" },
  "connection_close": { end_time: 1_714_580_205_000, duration_ms: 5000 },
  "command_start": COMMAND,
  "command_finish": {
    ...COMMAND,
    end_time: 1_714_580_205_000,
    exit_code: 0,
    signal: null,
    stdout: "total 0\n",
    stdout_size: 8,
    duration_ms: 1000,
  },
  "terminal_update": { terminal_data: "$ ", data_len: 2 },
  "terminal_input": { terminal_data: "l", data_len: 1 },
  "file_upload": { target_path: "/home/billy/a.txt", file_mode: "644" },
  "file_download": { target_path: "/home/billy/b.txt", file_mode: "644" },
  "session_attach": { admin_user: "root", admin_uid: 0, mode: "readonly" },
  "session_detach": { admin_user: "root", admin_uid: 0, mode: "readonly" },
  "capture_gap": { lost_bytes: 10, lost_events: 1, reason: "ring buffer full" },
  "connection_auth_failed": { user_id: -1, username: "admin" },
};

/**
 * A plausible event of the given type for tests of filters and actions (built-in or plug-in);
 * `fields` override or add fields.
 */
export function sampleEvent(
  type: SshlogEvent["event_type"],
  fields: Record<string, unknown> = {},
): SshlogEvent {
  return { ...SESSION, ...EXTRA[type], event_type: type, ...fields } as unknown as SshlogEvent;
}

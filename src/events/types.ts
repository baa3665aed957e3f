/**
 * The public event types of SPEC §4: every event is a plain JSON object; times are epoch milliseconds.
 * Field names are the contract: fields may be added, never removed.
 */

/** All public event type names. */
export const EVENT_TYPES = [
  "connection_established",
  "connection_auth_failed",
  "connection_close",
  "command_start",
  "command_finish",
  "terminal_update",
  "terminal_input",
  "terminal_resize",
  "file_upload",
  "file_download",
  "session_attach",
  "session_detach",
  "capture_gap",
] as const;

/** One public event type name. */
export type EventType = typeof EVENT_TYPES[number];

/** Client and server addresses of an SSH connection (IPv4 or IPv6, never a placeholder). */
export interface TcpInfo {
  "client_ip": string;
  "client_port": number;
  "server_ip": string;
  "server_port": number;
}

/** Fields that every event belonging to a session carries. */
export interface SessionFields {
  "event_type": EventType;
  /** When the event happened, epoch ms. */
  timestamp: number;
  hostname: string;
  /** Unique across PID reuse and daemon restarts, safe in a file name. */
  "session_id": string;
  /** The per-connection sshd process (the original agent's session key). */
  "ptm_pid": number;
  /** The sshd process that does the session's I/O (`sshd: user@pts/N`). */
  "pts_pid": number;
  /** The session's first process (login shell, command, sftp-server). */
  "shell_pid": number;
  "user_id": number;
  username: string;
  /** N of /dev/pts/N, -1 without a terminal. */
  "tty_id": number;
  "start_time": number;
  /** 0 while open. */
  "end_time": number;
  "tcp_info": TcpInfo;
  /** Set on every event of a session that was already open when the daemon started. */
  existing?: boolean;
}

/** A user is authenticated and the session runs. */
export interface ConnectionEstablishedEvent extends SessionFields {
  "event_type": "connection_established";
  "auth_method"?: string;
  /** Set when the session was already open when the daemon started. */
  existing?: boolean;
}

/** A login attempt failed; `username` is what the client sent (untrusted). */
export interface ConnectionAuthFailedEvent extends Partial<SessionFields> {
  "event_type": "connection_auth_failed";
  timestamp: number;
  hostname: string;
  username: string;
  /** -1 when no such user exists. */
  "user_id": number;
  "tcp_info": TcpInfo;
  "auth_method"?: string;
}

/** The connection ended, however it ended. */
export interface ConnectionCloseEvent extends SessionFields {
  "event_type": "connection_close";
  "duration_ms": number;
}

/** Fields of one command (a successful exec in the session). */
export interface CommandFields {
  pid: number;
  "parent_pid": number;
  /** argv[0]. */
  filename: string;
  /** Exec path and argv[1..], joined by spaces. */
  args: string;
  argv: string[];
  cwd: string;
  /** The exec'd path as the kernel saw it. */
  "exec_path": string;
  /** When the command was exec'd, epoch ms. */
  "command_start_time": number;
}

/** A process in the session exec'd successfully. */
export interface CommandStartEvent extends SessionFields, CommandFields {
  "event_type": "command_start";
}

/** A command ended; `end_time` is the command's end. */
export interface CommandFinishEvent extends SessionFields, CommandFields {
  "event_type": "command_finish";
  /** Exit status, -1 when killed by a signal. */
  "exit_code": number;
  /** Signal name such as `SIGKILL`, or null. */
  signal: string | null;
  /** First bytes of its fd 1/2 output, decoded lossily. */
  stdout: string;
  /** All bytes of output attributed to it. */
  "stdout_size": number;
  "duration_ms": number;
}

/** Output reached the user's terminal (or the session's output pipes without a terminal). */
export interface TerminalUpdateEvent extends SessionFields {
  "event_type": "terminal_update";
  "terminal_data": string;
  "data_len": number;
}

/** Keystrokes the client sent (never captured while echo is off). */
export interface TerminalInputEvent extends SessionFields {
  "event_type": "terminal_input";
  "terminal_data": string;
  "data_len": number;
  /** Set when an administrator typed it through `sshlog attach`, with who that was. */
  injected?: boolean;
  "admin_user"?: string;
  "admin_uid"?: number;
  via?: "socket" | "web";
  "admin_ip"?: string;
}

/** The session's terminal got a size: at allocation, and each time the client's window changed. */
export interface TerminalResizeEvent extends SessionFields {
  "event_type": "terminal_resize";
  columns: number;
  rows: number;
}

/** scp or sftp wrote (upload) or read (download) a file for the user. */
export interface FileTransferEvent extends SessionFields {
  "event_type": "file_upload" | "file_download";
  "target_path": string;
  /** Octal string such as "644". */
  "file_mode": string;
}

/** An administrator attached to or left a session. */
export interface SessionAttachEvent extends SessionFields {
  "event_type": "session_attach" | "session_detach";
  "admin_user": string;
  "admin_uid": number;
  mode: "readonly" | "interactive";
  /** How the administrator came: `sshlog attach` over the socket, or the web interface. */
  via?: "socket" | "web";
  /** The web client's address, when `via` is "web". */
  "admin_ip"?: string;
}

/** The kernel or daemon had to drop data. */
export interface CaptureGapEvent extends Partial<SessionFields> {
  "event_type": "capture_gap";
  timestamp: number;
  hostname: string;
  "lost_bytes": number;
  "lost_events": number;
  reason: string;
}

/** Any public event. */
export type SshlogEvent =
  | ConnectionEstablishedEvent
  | ConnectionAuthFailedEvent
  | ConnectionCloseEvent
  | CommandStartEvent
  | CommandFinishEvent
  | TerminalUpdateEvent
  | TerminalInputEvent
  | TerminalResizeEvent
  | FileTransferEvent
  | SessionAttachEvent
  | CaptureGapEvent;

/** A live session as `sshlog sessions` lists it. */
export interface SessionSnapshot extends Omit<SessionFields, "event_type" | "timestamp"> {
  "last_activity_time": number;
  "last_command": string;
  existing: boolean;
}

import type { SshlogEvent } from "../plugins/mod.ts";

type Fields = Record<string, unknown>;

/** Escapes control characters so user-controlled text cannot forge or split log lines. */
export function escapeControl(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

function text(fields: Fields, name: string): string {
  const value = fields[name];
  return value === undefined || value === null ? "" : escapeControl(String(value));
}

function clientAddress(fields: Fields): string {
  const tcp = fields.tcp_info as Fields | undefined;
  if (!tcp) return "unknown";
  const ip = text(tcp, "client_ip");
  return ip.includes(":")
    ? `[${ip}]:${text(tcp, "client_port")}`
    : `${ip}:${text(tcp, "client_port")}`;
}

function details(event: SshlogEvent, fields: Fields): string {
  switch (event.event_type) {
    case "connection_established":
    case "connection_auth_failed":
    case "connection_close":
      return `from ip ${clientAddress(fields)}`;
    case "command_start":
      return `executed ${text(fields, "args")}`;
    case "command_finish":
      return `execute complete (exit code: ${text(fields, "exit_code")}) ${text(fields, "args")}`;
    case "file_upload":
      return `uploaded file ${text(fields, "target_path")}`;
    case "file_download":
      return `downloaded file ${text(fields, "target_path")}`;
    case "terminal_update":
      return `terminal update (${text(fields, "data_len")} bytes)`;
    case "terminal_input":
      return `terminal input (${text(fields, "data_len")} bytes)`;
    case "terminal_resize":
      return `terminal resized to ${text(fields, "columns")}x${text(fields, "rows")}`;
    case "session_attach":
      return `attached by ${text(fields, "admin_user")} (${text(fields, "mode")})`;
    case "session_detach":
      return `detached by ${text(fields, "admin_user")} (${text(fields, "mode")})`;
    case "capture_gap":
      return `lost ${text(fields, "lost_events")} events, ${text(fields, "lost_bytes")} bytes ` +
        `(${text(fields, "reason")})`;
  }
}

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/** Formats epoch ms as local `YYYY-MM-DD HH:MM:SS`, the original agent's log time. */
export function formatLocalTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/**
 * Formats an event as the original agent's event-log line, e.g.
 * `2024-05-01 16:16:45: command_start: (970236) billy executed /bin/ls -la`.
 */
export function formatEventLine(event: SshlogEvent): string {
  const fields = event as unknown as Fields;
  const user = text(fields, "username");
  const pid = fields.ptm_pid === undefined ? "-" : text(fields, "ptm_pid");
  const who = user === "" ? "" : `${user} `;
  return `${formatLocalTime(event.timestamp)}: ${event.event_type}: (${pid}) ${who}${
    details(event, fields)
  }`;
}

/**
 * Human-readable formatting of events: the `sshlog watch` line of SPEC §2. Every value an SSH
 * user controls is escaped before it is returned, so lines are safe to print on a terminal.
 */

import { formatClockTime, formatDuration } from "./_clock.ts";
import { escapeText, escapeValue } from "./text.ts";
import type { SshlogEvent } from "./types.ts";
import { formatClientAddress } from "./_address.ts";

export { formatClientAddress } from "./_address.ts";
export {
  decodeLossy,
  escapeText,
  escapeValue,
  LossyStreamDecoder,
  stringifyJsonSafe,
} from "./text.ts";
export { formatRelativeTime, formatSessionsJson, formatSessionsTable } from "./sessions_table.ts";

/** Width the event type is padded to in a watch line (the longest type name). */
export const EVENT_TYPE_WIDTH = 22;

function ttyText(tty: number | undefined): string {
  return tty === undefined || tty < 0 ? "none" : String(tty);
}

function describe(event: SshlogEvent): string {
  switch (event.event_type) {
    case "connection_established":
      return `from ip ${formatClientAddress(event.tcp_info)} tty ${ttyText(event.tty_id)}` +
        (event.existing === true ? " (existing)" : "");
    case "connection_auth_failed":
      return `from ip ${formatClientAddress(event.tcp_info)}` +
        (event.user_id === -1 ? " (no such user)" : "");
    case "connection_close":
      return `from ip ${formatClientAddress(event.tcp_info)}` +
        (typeof event.duration_ms === "number"
          ? ` after ${formatDuration(event.duration_ms)}`
          : "");
    case "command_start":
      return `executed ${escapeValue(event.args)}`;
    case "command_finish": {
      const signal = event.signal ? `, signal: ${escapeValue(event.signal)}` : "";
      return `execute complete (exit code: ${escapeValue(event.exit_code)}${signal}) ` +
        escapeValue(event.args);
    }
    case "terminal_update":
      return `terminal update (${escapeValue(event.data_len)} bytes) ` +
        escapeValue(event.terminal_data);
    case "terminal_input":
      return (event.injected
        ? `typed by ${escapeValue(event.admin_user)} through attach`
        : "terminal input") +
        ` (${escapeValue(event.data_len)} bytes) ${escapeValue(event.terminal_data)}`;
    case "terminal_resize":
      return `terminal resized to ${escapeValue(event.columns)}x${escapeValue(event.rows)}`;
    case "file_upload":
      return `uploaded file ${escapeValue(event.target_path)}`;
    case "file_download":
      return `downloaded file ${escapeValue(event.target_path)}`;
    case "session_attach":
    case "session_detach": {
      const verb = event.event_type === "session_attach" ? "attached" : "detached";
      return `${verb} by ${escapeValue(event.admin_user)} (${escapeValue(event.mode)})`;
    }
    case "capture_gap":
      return `lost ${escapeValue(event.lost_events)} events, ${escapeValue(event.lost_bytes)} ` +
        `bytes: ${escapeValue(event.reason)}`;
    default:
      return "";
  }
}

/**
 * Formats one event as a `sshlog watch` line (no newline), e.g.
 * `16:16:45 command_start          (970236) billy executed /bin/bash`.
 * @param tz IANA time zone for the clock time; the system's when omitted
 * @throws {RangeError} when `tz` is not a valid time zone name
 */
export function formatWatchLine(event: SshlogEvent, tz?: string): string {
  const type = escapeValue(event.event_type).padEnd(EVENT_TYPE_WIDTH);
  const user = typeof event.username === "string" && event.username !== ""
    ? `${escapeText(event.username)} `
    : "";
  const head = `${formatClockTime(event.timestamp, tz)} ${type} (${escapeValue(event.ptm_pid)}) `;
  const tail = describe(event);
  return tail === "" ? (head + user).trimEnd() : head + user + tail;
}

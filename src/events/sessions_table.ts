/** Formatting of the live-session list printed by `sshlog sessions` (table and JSON). */

import { formatClientAddress } from "./_address.ts";
import { formatDateTime } from "./_clock.ts";
import { escapeValue, stringifyJsonSafe } from "./text.ts";
import type { SessionSnapshot } from "./types.ts";

const HEADERS = ["User", "Last Activity", "Last Command", "Session Start", "Client IP", "TTY"];
const COLUMN_GAP = "  ";
/** Longest "Last Command" shown in the table, in characters; longer ones end with "…". */
const MAX_COMMAND_WIDTH = 48;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Formats how long ago `thenMs` was at `nowMs`: "just now", "10 min ago", "2 h ago", "3 days ago". */
export function formatRelativeTime(thenMs: number, nowMs: number): string {
  if (!Number.isFinite(thenMs) || thenMs <= 0) return "-";
  const age = nowMs - thenMs;
  if (age < MINUTE_MS) return "just now";
  if (age < HOUR_MS) return `${Math.floor(age / MINUTE_MS)} min ago`;
  if (age < DAY_MS) return `${Math.floor(age / HOUR_MS)} h ago`;
  const days = Math.floor(age / DAY_MS);
  return days === 1 ? "1 day ago" : `${days} days ago`;
}

function width(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

function row(session: SessionSnapshot, now: number, tz: string | undefined): string[] {
  return [
    escapeValue(session.username),
    formatRelativeTime(session.last_activity_time, now),
    session.last_command ? truncate(escapeValue(session.last_command), MAX_COMMAND_WIDTH) : "-",
    formatDateTime(session.start_time, tz),
    formatClientAddress(session.tcp_info),
    typeof session.tty_id === "number" && session.tty_id >= 0 ? String(session.tty_id) : "-",
  ];
}

function byUserThenStart(a: SessionSnapshot, b: SessionSnapshot): number {
  const user = String(a.username).localeCompare(String(b.username));
  return user !== 0 ? user : a.start_time - b.start_time;
}

/**
 * Formats sessions as the `sshlog sessions` table: a header row, then one row per session sorted
 * by user, columns sized to their content; ends with a newline. Values are escaped.
 * @param now the current time (epoch ms) that "Last Activity" is relative to
 * @param tz IANA time zone for "Session Start"; the system's when omitted
 */
export function formatSessionsTable(
  sessions: readonly SessionSnapshot[],
  now: number,
  tz?: string,
): string {
  const rows = [HEADERS, ...[...sessions].sort(byUserThenStart).map((s) => row(s, now, tz))];
  const widths = HEADERS.map((_, column) =>
    Math.max(...rows.map((cells) => width(cells[column] ?? "")))
  );
  const lines = rows.map((cells) =>
    cells.map((cell, column) =>
      column === cells.length - 1 ? cell : cell + " ".repeat((widths[column] ?? 0) - width(cell))
    ).join(COLUMN_GAP).trimEnd()
  );
  return lines.join("\n") + "\n";
}

/** Formats sessions as the `sshlog sessions --json` document `{"sessions":[…]}`, with a newline. */
export function formatSessionsJson(sessions: readonly SessionSnapshot[]): string {
  return stringifyJsonSafe({ sessions }, 2) + "\n";
}

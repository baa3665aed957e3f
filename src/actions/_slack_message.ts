import type { SshlogEvent } from "../plugins/mod.ts";
import { escapeControl, formatEventLine } from "./_event_line.ts";

type Fields = Record<string, unknown>;

/**
 * Escapes text for Slack mrkdwn: `&`, `<` and `>` become entities, so `<!channel>` or `<url|x>`
 * typed by an SSH user stay literal; control characters are shown escaped.
 */
export function escapeSlack(text: string): string {
  return escapeControl(text).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(
    ">",
    "&gt;",
  );
}

function field(fields: Fields, name: string): string {
  const value = fields[name];
  return value === undefined || value === null ? "" : escapeSlack(String(value));
}

function from(fields: Fields): string {
  const tcp = fields.tcp_info as Fields | undefined;
  if (!tcp) return "an unknown address";
  const ip = field(tcp, "client_ip");
  return ip.includes(":")
    ? `[${ip}]:${field(tcp, "client_port")}`
    : `${ip}:${field(tcp, "client_port")}`;
}

function code(text: string): string {
  // A backtick would end the code span early; mrkdwn has no escape for it inside one.
  return "`" + text.replaceAll("`", "'") + "`";
}

/** The readable Slack text of an event: who, on which host, from where, and what happened. */
export function slackText(event: SshlogEvent): string {
  const f = event as unknown as Fields;
  const user = `*${field(f, "username") || "?"}*`;
  const host = `*${field(f, "hostname") || "?"}*`;
  switch (event.event_type) {
    case "connection_established":
      return `:key: ${user} logged in to ${host} from ${from(f)}` +
        (f.auth_method ? ` (${field(f, "auth_method")})` : "") +
        (f.existing === true ? " (already open when sshlog started)" : "");
    case "connection_auth_failed":
      return `:no_entry: Failed login as ${user} on ${host} from ${from(f)}`;
    case "connection_close": {
      const seconds = typeof f.duration_ms === "number" ? Math.round(f.duration_ms / 1000) : "?";
      return `:wave: ${user} logged out of ${host} (from ${from(f)}, ${seconds} s)`;
    }
    case "command_start":
      return `:arrow_forward: ${user} on ${host} ran ${code(field(f, "args"))}`;
    case "command_finish":
      return `:checkered_flag: ${user} on ${host} finished ${code(field(f, "args"))} ` +
        `(exit code ${field(f, "exit_code")})`;
    case "file_upload":
      return `:arrow_up: ${user} uploaded ${code(field(f, "target_path"))} to ${host} from ${
        from(f)
      }`;
    case "file_download":
      return `:arrow_down: ${user} downloaded ${code(field(f, "target_path"))} from ${host} ` +
        `to ${from(f)}`;
    default:
      return `${host}: ${escapeSlack(formatEventLine(event))}`;
  }
}

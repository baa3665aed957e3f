import type { SshlogEvent } from "../plugins/mod.ts";
import { formatEventLine } from "./_event_line.ts";

/** The SD-ID of sshlog's structured data (an enterprise number, as RFC 5424 §7.2.2 asks). */
export const SD_ID = "sshlog@32473";
/** Longest structured-data value; longer ones (command output) are cut and end with "…". */
export const MAX_SD_VALUE = 1024;

/** What {@linkcode formatSyslog} needs besides the event. */
export interface SyslogFormat {
  readonly facility: number;
  readonly severity: number;
  readonly appName: string;
  readonly procId: number;
  /** MSG is the event as JSON, not the text line. */
  readonly json: boolean;
}

/** Escapes a PARAM-VALUE: `"`, `\` and `]` get a backslash (RFC 5424 §6.3.3). */
export function escapeParamValue(text: string): string {
  return text.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** A header field: printable US-ASCII only, at most `max` characters, "-" when empty. */
function headerField(text: string, max: number): string {
  const clean = text.replace(/[^\x21-\x7e]/g, "_").slice(0, max);
  return clean === "" ? "-" : clean;
}

/** An SD-NAME: printable US-ASCII without `=`, space, `]` or `"`, at most 32 characters. */
function paramName(text: string): string {
  return text.replace(/[^\x21-\x7e]|[=\]"]/g, "_").slice(0, 32);
}

function scalarParams(event: SshlogEvent): [string, string][] {
  const params: [string, string][] = [];
  const add = (key: string, value: unknown) => {
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      return;
    }
    const text = String(value);
    params.push([
      paramName(key),
      text.length > MAX_SD_VALUE ? text.slice(0, MAX_SD_VALUE - 1) + "…" : text,
    ]);
  };
  for (const [key, value] of Object.entries(event as unknown as Record<string, unknown>)) {
    if (key === "tcp_info" && typeof value === "object" && value !== null) {
      for (const [inner, innerValue] of Object.entries(value)) add(inner, innerValue);
    } else {
      add(key, value);
    }
  }
  return params;
}

/**
 * Formats an event as an RFC 5424 message:
 * `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [sshlog@32473 key="value" …] MSG`.
 */
export function formatSyslog(event: SshlogEvent, format: SyslogFormat): string {
  const pri = format.facility * 8 + format.severity;
  const fields = event as unknown as Record<string, unknown>;
  const hostname = typeof fields.hostname === "string" ? fields.hostname : "";
  const sd = scalarParams(event).map(([key, value]) => ` ${key}="${escapeParamValue(value)}"`);
  const msg = format.json ? JSON.stringify(event) : formatEventLine(event);
  return `<${pri}>1 ${new Date(event.timestamp).toISOString()} ${headerField(hostname, 255)} ` +
    `${headerField(format.appName, 48)} ${format.procId} ${headerField(event.event_type, 32)} ` +
    `[${SD_ID}${sd.join("")}] ${msg}`;
}

/** Frames a message for a stream: `LEN SP MSG`, LEN counting bytes (RFC 6587 octet counting). */
export function octetCounted(message: string): Uint8Array {
  const body = new TextEncoder().encode(message);
  const head = new TextEncoder().encode(`${body.length} `);
  const frame = new Uint8Array(head.length + body.length);
  frame.set(head);
  frame.set(body, head.length);
  return frame;
}

import type { ActionPlugin } from "../plugins/mod.ts";
import { notImplementedHandler } from "./_not_implemented.ts";

/** Parameters of `syslog_action` (SPEC §5); `udp` is the original agent's switch. */
export const SYSLOG_PARAMS = {
  server_address: { type: "string", required: true, description: "Syslog server host" },
  port: { type: "integer", default: 514, min: 1, max: 65535, description: "Syslog server port" },
  program_name: { type: "string", default: "sshlog", description: "APP-NAME of each message" },
  protocol: {
    type: "string",
    choices: ["udp", "tcp", "tls"],
    description: "Transport [udp]",
  },
  udp: { type: "boolean", description: "Original agent's switch: false means tcp" },
  output_json: { type: "boolean", default: false, description: "Message is the event as JSON" },
  facility: { type: "integer", default: 3, min: 0, max: 23, description: "Syslog facility" },
  severity: { type: "integer", default: 6, min: 0, max: 7, description: "Syslog severity" },
} as const;

/** `syslog_action`: forwards events to a syslog server, RFC 5424 (validation only in this build). */
export function syslogAction(): ActionPlugin<typeof SYSLOG_PARAMS> {
  return {
    kind: "action",
    name: "syslog_action",
    description: "Forwards events to a syslog server, RFC 5424 (coming: #5)",
    params: SYSLOG_PARAMS,
    check(params) {
      if (params.udp === undefined || params.protocol === undefined) return [];
      return (params.protocol === "udp") === params.udp
        ? []
        : [`"udp: ${params.udp}" contradicts "protocol: ${params.protocol}": keep only "protocol"`];
    },
    // TODO(#4): RFC 5424 with structured data over udp, tcp and tls (octet-counted framing).
    create: (_params, context) => notImplementedHandler("syslog_action", context),
  };
}

import type { ActionHandler, ActionPlugin, ParamValues, PluginLogger } from "../plugins/mod.ts";
import { formatSyslog, octetCounted } from "./_syslog_format.ts";
import { streamTransport, type SyslogTransport, udpTransport } from "./_syslog_transport.ts";

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

/** Options of {@linkcode syslog}, as validated from YAML. */
export type SyslogOptions = ParamValues<typeof SYSLOG_PARAMS>;

/** What {@linkcode syslog} needs besides its parameters. */
export interface SyslogContext {
  readonly logger?: PluginLogger;
  /** CA certificates (PEM) trusted for `tls` besides the system's. */
  readonly caCerts?: string[];
  /** Messages kept while a stream is disconnected [1000]. */
  readonly capacity?: number;
  /** First wait before re-dialling a stream, ms [200]. */
  readonly minBackoffMs?: number;
}

/** The transport chosen by `protocol`, or by the original's `udp` switch (false means tcp). */
export function syslogProtocol(options: SyslogOptions): "udp" | "tcp" | "tls" {
  if (options.protocol !== undefined) return options.protocol as "udp" | "tcp" | "tls";
  return options.udp === false ? "tcp" : "udp";
}

/**
 * Forwards each event to a syslog server as RFC 5424 with structured data: one datagram per
 * message over UDP, octet-counted frames over TCP or TLS on a connection that is re-dialled.
 */
export function syslog(options: SyslogOptions, context: SyslogContext = {}): ActionHandler {
  const protocol = syslogProtocol(options);
  const transport: SyslogTransport = protocol === "udp"
    ? udpTransport(options.server_address, options.port)
    : streamTransport({
      host: options.server_address,
      port: options.port,
      ...(protocol === "tls" ? { tls: context.caCerts ? { caCerts: context.caCerts } : {} } : {}),
      ...(context.capacity !== undefined ? { capacity: context.capacity } : {}),
      ...(context.minBackoffMs !== undefined ? { minBackoffMs: context.minBackoffMs } : {}),
      ...(context.logger ? { logger: context.logger } : {}),
    });
  const format = {
    facility: options.facility,
    severity: options.severity,
    appName: options.program_name,
    procId: Deno.pid,
    json: options.output_json,
  };
  return {
    timeoutMs: 10_000,
    async handle(event) {
      const message = formatSyslog(event, format);
      await transport.send(
        protocol === "udp" ? new TextEncoder().encode(message) : octetCounted(message),
      );
    },
    close: () => transport.close(5000),
  };
}

/** `syslog_action`: forwards events to a syslog server, RFC 5424. */
export function syslogAction(): ActionPlugin<typeof SYSLOG_PARAMS> {
  return {
    kind: "action",
    name: "syslog_action",
    description: "Forwards events to a syslog server, RFC 5424 over udp, tcp or tls",
    params: SYSLOG_PARAMS,
    check(params) {
      if (params.udp === undefined || params.protocol === undefined) return [];
      return (params.protocol === "udp") === params.udp
        ? []
        : [`"udp: ${params.udp}" contradicts "protocol: ${params.protocol}": keep only "protocol"`];
    },
    create: (params, context) => syslog(params, { logger: context.logger }),
  };
}

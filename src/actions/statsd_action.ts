import type { ActionPlugin } from "../plugins/mod.ts";
import { notImplementedHandler } from "./_not_implemented.ts";

/** Parameters of `statsd_action` (SPEC §5). */
export const STATSD_PARAMS = {
  server_address: { type: "string", required: true, description: "statsd host" },
  port: { type: "integer", default: 8125, min: 1, max: 65535, description: "statsd UDP port" },
  statsd_prefix: { type: "string", default: "sshlog", description: "Prefix of every metric" },
} as const;

/** `statsd_action`: counts events and gauges active sessions (validation only in this build). */
export function statsdAction(): ActionPlugin<typeof STATSD_PARAMS> {
  return {
    kind: "action",
    name: "statsd_action",
    description: "Sends event counters and session gauges to statsd (coming: #5)",
    params: STATSD_PARAMS,
    // TODO(#4): counters per event type, active-session gauges, low-cardinality tags (hot-shots).
    create: (_params, context) => notImplementedHandler("statsd_action", context),
  };
}

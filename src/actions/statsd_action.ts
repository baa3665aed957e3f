import StatsD from "hot-shots";
import type { ActionHandler, ActionPlugin, ParamValues, PluginLogger } from "../plugins/mod.ts";
import type { SshlogEvent } from "../plugins/mod.ts";

/** Parameters of `statsd_action` (SPEC §5). */
export const STATSD_PARAMS = {
  server_address: { type: "string", required: true, description: "statsd host" },
  port: { type: "integer", default: 8125, min: 1, max: 65535, description: "statsd UDP port" },
  statsd_prefix: { type: "string", default: "sshlog", description: "Prefix of every metric" },
} as const;

/** Options of {@linkcode statsd}, as validated from YAML. */
export type StatsdOptions = ParamValues<typeof STATSD_PARAMS>;

type Fields = Record<string, unknown>;

/** A tag value: characters statsd servers accept, at most 64 of them, "unknown" when empty. */
export function tagValue(value: unknown): string {
  const text = typeof value === "string" || typeof value === "number" ? String(value) : "";
  const clean = text.replace(/[^A-Za-z0-9_.\-/@]/g, "_").slice(0, 64);
  return clean === "" ? "unknown" : clean;
}

/**
 * The tags of an event, all of low cardinality: event type, host and user. The name a failed
 * login typed is untrusted and unbounded, so it is tagged only when it names a real account.
 */
export function eventTags(event: SshlogEvent): Record<string, string> {
  const fields = event as unknown as Fields;
  const realUser = event.event_type !== "connection_auth_failed" ||
    (typeof fields.user_id === "number" && fields.user_id >= 0);
  return {
    event_type: event.event_type,
    host: tagValue(fields.hostname),
    user: realUser ? tagValue(fields.username) : "unknown",
  };
}

/**
 * Sends statsd metrics over UDP (hot-shots, DogStatsD tags): counters `<prefix>.events` and
 * `<prefix>.<event_type>`, the gauge `<prefix>.active_sessions` per host (kept from
 * connection_established/connection_close), timings `<prefix>.session_duration` and
 * `<prefix>.command_duration` in ms.
 */
export function statsd(options: StatsdOptions, logger?: PluginLogger): ActionHandler {
  let errors = 0;
  const client = new StatsD({
    host: options.server_address,
    port: options.port,
    protocol: "udp",
    prefix: options.statsd_prefix === "" ? "" : `${options.statsd_prefix}.`,
    errorHandler(error) {
      if (errors++ % 1000 === 0) {
        logger?.warn("Cannot send statsd metrics ({errors} failures so far): {error}", {
          errors,
          error: error.message,
        });
      }
    },
  });
  const sessions = new Map<string, Set<string>>();
  const track = (event: SshlogEvent, tags: Record<string, string>) => {
    const id = (event as unknown as Fields).session_id;
    if (typeof id !== "string") return;
    let open = sessions.get(tags.host!);
    if (!open) sessions.set(tags.host!, open = new Set());
    const before = open.size;
    if (event.event_type === "connection_established") open.add(id);
    else open.delete(id);
    if (open.size !== before || event.event_type === "connection_established") {
      client.gauge("active_sessions", open.size, { host: tags.host! });
    }
  };
  return {
    handle(event) {
      const fields = event as unknown as Fields;
      const tags = eventTags(event);
      client.increment("events", 1, tags);
      client.increment(event.event_type, 1, { host: tags.host!, user: tags.user! });
      const timingTags = { host: tags.host!, user: tags.user! };
      if (
        event.event_type === "connection_established" || event.event_type === "connection_close"
      ) {
        track(event, tags);
      }
      if (event.event_type === "connection_close" && typeof fields.duration_ms === "number") {
        client.timing("session_duration", fields.duration_ms, timingTags);
      }
      if (event.event_type === "command_finish" && typeof fields.duration_ms === "number") {
        client.timing("command_duration", fields.duration_ms, timingTags);
      }
    },
    close: () => new Promise<void>((resolve) => client.close(() => resolve())),
  };
}

/** `statsd_action`: counts events, gauges active sessions and times sessions and commands. */
export function statsdAction(): ActionPlugin<typeof STATSD_PARAMS> {
  return {
    kind: "action",
    name: "statsd_action",
    description: "Sends event counters, an active-session gauge and durations to statsd",
    params: STATSD_PARAMS,
    create: (params, context) => statsd(params, context.logger),
  };
}

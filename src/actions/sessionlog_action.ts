import type {
  ActionHandler,
  ActionPlugin,
  ParamValues,
  PluginLogger,
  SshlogEvent,
} from "../plugins/mod.ts";
import { pruneRecordings, SessionRecording } from "../recorder/mod.ts";

/** Parameters of `sessionlog_action` (SPEC §5). */
export const SESSIONLOG_PARAMS = {
  log_directory: { type: "string", required: true, description: "Directory of the recordings" },
  timestamp_frequency_seconds: {
    type: "number",
    default: -1,
    description: "Time marker interval in the transcript, -1 for none",
  },
  record_input: { type: "boolean", default: false, description: "Also record keystrokes" },
  max_age_days: {
    type: "number",
    min: 0,
    description: "Delete closed recordings older than this many days",
  },
  max_total_mb: {
    type: "number",
    min: 0,
    description: "Delete the oldest closed recordings while all exceed this many MB",
  },
} as const;

/** Options of {@linkcode sessionLog}, as validated from YAML. */
export type SessionLogOptions = ParamValues<typeof SESSIONLOG_PARAMS>;

/** Sessions recorded at once; events of one session are still handled one at a time, in order. */
const CONCURRENCY = 64;

/**
 * Starts recording sessions into `log_directory`: per session a transcript and an asciicast,
 * continued (appended) when the daemon restarts during a session.
 */
export function sessionLog(options: SessionLogOptions, logger?: PluginLogger): ActionHandler {
  const dir = options.log_directory.replace(/\/+$/, "") || "/";
  const open = new Map<string, Promise<SessionRecording>>();
  const retention = {
    ...(options.max_age_days !== undefined ? { maxAgeDays: options.max_age_days } : {}),
    ...(options.max_total_mb !== undefined ? { maxTotalMb: options.max_total_mb } : {}),
  };
  let pruning: Promise<void> | undefined;
  const prune = () => {
    if (pruning !== undefined || Object.keys(retention).length === 0) return;
    pruning = pruneRecordings(dir, retention).then(
      (deleted) => {
        if (deleted.length > 0) {
          logger?.info("Deleted {count} old recordings", { count: deleted.length });
        }
      },
      (error) => logger?.warn("Cannot prune recordings in {dir}: {error}", { dir, error }),
    ).finally(() => (pruning = undefined));
  };
  const recordingOf = (event: SshlogEvent): Promise<SessionRecording> => {
    const id = event.session_id as string;
    let recording = open.get(id);
    if (recording === undefined) {
      recording = SessionRecording.open(dir, event, {
        recordInput: options.record_input,
        timestampFrequencySeconds: options.timestamp_frequency_seconds,
      });
      recording.catch(() => open.delete(id));
      open.set(id, recording);
    }
    return recording;
  };
  logger?.info("Recording sessions in {dir}", { dir });
  prune();
  return {
    concurrency: CONCURRENCY,
    // A rule names the events that start a recording; the recording then has all of the session.
    followSessions: [
      "terminal_update",
      "terminal_resize",
      "command_start",
      "connection_close",
      "capture_gap",
      ...(options.record_input ? ["terminal_input" as const] : []),
    ],
    async handle(event) {
      if (event.event_type === "capture_gap") {
        // Not a session's event: every recording open now may miss data, and says so.
        await Promise.allSettled([...open.values()].map(async (pending) => {
          const recording = await pending;
          if (!recording.ended) await recording.handle(event);
        }));
        return;
      }
      if (typeof event.session_id !== "string") return;
      const recording = await recordingOf(event);
      const wait = recording.handle(event);
      if (recording.ended) {
        open.delete(recording.sessionId);
        await recording.close();
        prune();
      } else if (wait !== undefined) {
        await wait;
      }
    },
    async close() {
      const recordings = [...open.values()];
      open.clear();
      for (const pending of recordings) {
        try {
          await (await pending).close();
        } catch (error) {
          logger?.error("Cannot close a recording in {dir}: {error}", { dir, error });
        }
      }
      await pruning;
    },
  };
}

/** `sessionlog_action`: writes a transcript and an asciicast per session. */
export function sessionlogAction(): ActionPlugin<typeof SESSIONLOG_PARAMS> {
  return {
    kind: "action",
    name: "sessionlog_action",
    description: "Records each session as a transcript (.log) and an asciicast v2 (.cast)",
    params: SESSIONLOG_PARAMS,
    check(params) {
      return params.log_directory.startsWith("/")
        ? []
        : [`"log_directory" must be an absolute path`];
    },
    create: (params, context) => sessionLog(params, context.logger),
  };
}

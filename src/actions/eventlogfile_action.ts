import type {
  ActionHandler,
  ActionPlugin,
  ParamValues,
  PluginLogger,
  SshlogEvent,
} from "../plugins/mod.ts";
import { formatEventLine } from "./_event_line.ts";
import { RotatingFile } from "./_rotating_file.ts";
import { errorMessage } from "../error_message.ts";
import { serialDrain } from "../serial_drain.ts";

/** Parameters of `eventlogfile_action` (SPEC §5). */
export const EVENTLOGFILE_PARAMS = {
  log_file_path: { type: "string", required: true, description: "The log file" },
  output_json: { type: "boolean", default: false, description: "Write pure JSON Lines" },
  max_size_mb: { type: "number", default: 20, min: 0.001, description: "Rotate past this size" },
  number_of_log_files: {
    type: "integer",
    default: 2,
    min: 0,
    description: "Rotated files kept beside the current one",
  },
} as const;

/** Bytes of lines that may wait for the disk before `handle` waits too. */
const MAX_PENDING = 1024 * 1024;

/** Options of {@linkcode eventLogFile}, as validated from YAML. */
export type EventLogFileOptions = ParamValues<typeof EVENTLOGFILE_PARAMS>;

/**
 * Opens an event log: one line per event, either the original agent's text line or the event as
 * one JSON object per line; size rotation; files 0600, a created directory 0700.
 */
export async function eventLogFile(
  options: EventLogFileOptions,
  logger?: PluginLogger,
): Promise<ActionHandler> {
  const file = await RotatingFile.open(options.log_file_path, {
    maxBytes: Math.max(1, Math.round(options.max_size_mb * 1024 * 1024)),
    backups: options.number_of_log_files,
  });
  const encoder = new TextEncoder();
  const format = options.output_json
    ? (event: SshlogEvent) => JSON.stringify(event)
    : formatEventLine;
  // Lines are collected while a write is in flight and written together: one write per batch
  // instead of one per event. A backlog past MAX_PENDING makes `handle` wait (back-pressure).
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let lost = 0;
  const writeBatch = async () => {
    const lines = pending;
    pending = [];
    pendingBytes = 0;
    try {
      await file.writeLines(lines);
      if (lost > 0) {
        logger?.warn("Writing to {path} again; {lost} events were lost", {
          path: options.log_file_path,
          lost,
        });
        lost = 0;
      }
    } catch (error) {
      // Logged once per outage (a full disk would otherwise log every batch); the count of lost
      // events is reported when writes succeed again.
      if (lost === 0) {
        logger?.error("Cannot write events to {path}: {error}", {
          path: options.log_file_path,
          error: errorMessage(error),
        });
      }
      lost += lines.length;
    }
  };
  const startFlush = serialDrain(() => pending.length > 0, writeBatch);
  logger?.info("Writing events to {path}", { path: options.log_file_path });
  return {
    handle(event) {
      const line = encoder.encode(format(event) + "\n");
      pending.push(line);
      pendingBytes += line.length;
      const running = startFlush();
      return pendingBytes > MAX_PENDING ? running : undefined;
    },
    async close() {
      await startFlush();
      file.close();
    },
  };
}

/** `eventlogfile_action`: writes every event it receives to a rotating log file. */
export function eventLogFileAction(): ActionPlugin<typeof EVENTLOGFILE_PARAMS> {
  return {
    kind: "action",
    name: "eventlogfile_action",
    description: "Writes one line per event (text or JSON Lines) to a size-rotated file",
    params: EVENTLOGFILE_PARAMS,
    check(params) {
      return params.log_file_path.startsWith("/")
        ? []
        : [`"log_file_path" must be an absolute path`];
    },
    create: (params, context) => eventLogFile(params, context.logger),
  };
}

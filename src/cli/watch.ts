/** `sshlog watch`: print the daemon's events live, one line each, until Ctrl-C. */

import { EVENT_TYPES, type EventType, formatWatchLine, stringifyJsonSafe } from "../events/mod.ts";
import { IpcClient, type WatchOptions } from "../ipc/mod.ts";
import {
  CLIENT_OPTIONS,
  EXIT_OK,
  parseVerbArgs,
  resolveSocketPath,
  runtimeFailure,
  SOCKET_FLAG_HELP,
  usageFailure,
  type VerbHelp,
  writeStdout,
} from "./_common.ts";

/**
 * Types asked for when `--type` is not given: all but the terminal output stream, and of terminal
 * input only keystrokes an administrator injected through attach (an audit trail; the daemon
 * filters the rest out, and the user's own typing shows as its commands).
 */
export const DEFAULT_WATCH_TYPES: readonly EventType[] = EVENT_TYPES.filter(
  (type) => type !== "terminal_update",
);

/** Help of `sshlog watch`. */
export const HELP: VerbHelp = {
  name: "watch",
  summary: "Print the daemon's events live, one line each, until Ctrl-C.",
  usage: "watch [--json] [--type T[,T...]] [--user NAME] [--session ID] [--socket PATH]",
  flags: [
    ["--json", "print each event as one JSON object per line"],
    [
      "--type T[,T...]",
      "only these event types (default: all but terminal_update; of terminal_input, only " +
      "keystrokes injected through attach)",
    ],
    ["--user NAME", "only events of this user"],
    ["--session ID", "only events of this session (session_id, TTY number or ptm_pid)"],
    SOCKET_FLAG_HELP,
    ["-h, --help", "show this help"],
  ],
  examples: [
    "sshlog watch",
    "sshlog watch --type command_start,command_finish --user alice",
    "sshlog watch --session 3 --type terminal_update",
    "sshlog watch --json | jq -c 'select(.event_type == \"file_upload\")'",
  ],
};

function parseTypes(values: string[]): EventType[] | string {
  const types = values.flatMap((value) => value.split(",")).map((type) => type.trim());
  const unknown = types.find((type) => !(EVENT_TYPES as readonly string[]).includes(type));
  if (unknown !== undefined) {
    return `Unknown event type "${unknown}": expected one or more of ${EVENT_TYPES.join(", ")}`;
  }
  return [...new Set(types)] as EventType[];
}

/** Runs `sshlog watch ARGS…`; returns the exit code (0 after Ctrl-C). */
export async function run(args: string[]): Promise<number> {
  const parsed = await parseVerbArgs(HELP, args, {
    ...CLIENT_OPTIONS,
    json: { type: "boolean" },
    type: { type: "string", multiple: true },
    user: { type: "string" },
    session: { type: "string" },
  });
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  const types = values.type === undefined ? [...DEFAULT_WATCH_TYPES] : parseTypes(values.type);
  if (typeof types === "string") return await usageFailure(HELP, types);
  const options: WatchOptions = { types };
  if (values.user !== undefined) options.user = values.user;
  if (values.session !== undefined) options.session = values.session;
  if (values.type === undefined) options.injectedInputOnly = true;
  return await watch(resolveSocketPath(values.socket), options, values.json === true);
}

async function watch(socket: string, options: WatchOptions, json: boolean): Promise<number> {
  let client: IpcClient;
  try {
    client = await IpcClient.connect(socket);
  } catch (error) {
    return await runtimeFailure(error);
  }
  let interrupted = false;
  const stop = () => {
    interrupted = true;
    client.close();
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  try {
    for await (const event of await client.watch(options)) {
      await writeStdout((json ? stringifyJsonSafe(event) : formatWatchLine(event)) + "\n");
    }
    return EXIT_OK;
  } catch (error) {
    if (interrupted || error instanceof Deno.errors.BrokenPipe) return EXIT_OK;
    return await runtimeFailure(error);
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
    client.close();
  }
}

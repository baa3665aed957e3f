/**
 * `sshlog recordings`: list (and search) the session recordings the daemon wrote, asked of the
 * daemon (every `log_directory` of its configuration), or read from a folder with `--dir`.
 */

import { escapeText, stringifyJsonSafe } from "../events/mod.ts";
import {
  DEFAULT_SESSIONS_DIR,
  formatTranscriptTime,
  type ListOptions,
  listRecordings,
  parseSince,
  type RecordingInfo,
} from "../recorder/mod.ts";
import { IpcClient, IpcError } from "../ipc/mod.ts";
import {
  CLIENT_OPTIONS,
  envValue,
  EXIT_FAILURE,
  EXIT_OK,
  parseVerbArgs,
  resolveSocketPath,
  runtimeFailure,
  SOCKET_FLAG_HELP,
  usageFailure,
  type VerbHelp,
  writeStderr,
  writeStdout,
} from "./_common.ts";

/** Flag help line for `--dir`, naming its environment variable. */
export const DIR_FLAG_HELP = [
  "--dir DIR",
  "read the recordings of DIR directly, without the daemon (env SSHLOG_SESSIONS_DIR)",
] as const;

/** Help of `sshlog recordings`. */
export const HELP: VerbHelp = {
  name: "recordings",
  summary: "List the session recordings the daemon wrote, oldest first; --grep searches their " +
    "transcripts.",
  usage:
    "recordings [--json] [--user NAME] [--since TIME] [--grep TEXT] [--socket PATH] [--dir DIR]",
  flags: [
    ["--json", 'print {"recordings":[…]} as JSON instead of a table'],
    ["--user NAME", "only recordings of this user"],
    ["--since TIME", "only recordings started since TIME: 2024-05-01, 2024-05-01T16:00, 12h, 7d"],
    ["--grep TEXT", "only recordings whose transcript (.log) contains TEXT (case-sensitive)"],
    SOCKET_FLAG_HELP,
    DIR_FLAG_HELP,
    ["-h, --help", "show this help"],
  ],
  examples: [
    "sshlog recordings",
    "sshlog recordings --user billy --since 7d",
    "sshlog recordings --grep 'rm -rf' --json | jq -r '.recordings[].session_id'",
    `sshlog recordings --dir ${DEFAULT_SESSIONS_DIR}   # without a running daemon`,
  ],
};

/** The folder to read directly: `--dir`, else `SSHLOG_SESSIONS_DIR`; undefined: ask the daemon. */
export function localSessionsDir(flag: string | undefined): string | undefined {
  return flag ?? envValue("SSHLOG_SESSIONS_DIR");
}

/**
 * Asks the daemon for the recordings of every folder its configuration records into.
 * @throws {IpcError} when the daemon cannot be reached or refuses
 */
export async function daemonRecordings(
  socket: string,
  options: ListOptions,
): Promise<RecordingInfo[]> {
  const client = await IpcClient.connect(socket);
  try {
    const answer = await client.request({ op: "recordings", ...options });
    if (!Array.isArray(answer.recordings)) {
      throw new IpcError("The daemon answered the recordings request without a list", "protocol");
    }
    return answer.recordings as RecordingInfo[];
  } finally {
    client.close();
  }
}

/** Formats a duration in ms as `45s`, `2m05s` or `1h02m03s`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (h > 0) return `${h}h${pad(m)}m${pad(s)}s`;
  return m > 0 ? `${m}m${pad(s)}s` : `${s}s`;
}

/** Formats a byte count as `512 B`, `1.5 KiB`, `12.0 MiB`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Formats recordings as a table with a header row, columns sized to their content. */
export function formatRecordingsTable(recordings: readonly RecordingInfo[]): string {
  const rows = [
    ["Session", "User", "Host", "Client", "Start", "Duration", "Size", "State"],
    ...recordings.map((r) => [
      escapeText(r.session_id),
      escapeText(r.user),
      escapeText(r.host),
      escapeText(r.client),
      formatTranscriptTime(r.start_time),
      formatDuration(r.duration_ms),
      formatSize(r.size_bytes),
      r.recording ? "recording" : "ended",
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd())
    .join("\n") + "\n";
}

/** Formats recordings as one JSON document `{"recordings":[…]}`. */
export function formatRecordingsJson(recordings: readonly RecordingInfo[]): string {
  return stringifyJsonSafe({ recordings }) + "\n";
}

/** Runs `sshlog recordings ARGS…`; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  const parsed = await parseVerbArgs(HELP, args, {
    ...CLIENT_OPTIONS,
    json: { type: "boolean" },
    user: { type: "string" },
    since: { type: "string" },
    grep: { type: "string" },
    dir: { type: "string" },
  });
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  const options: ListOptions = {};
  if (values.user !== undefined) options.user = values.user;
  if (values.grep !== undefined) options.grep = values.grep;
  if (values.since !== undefined) {
    try {
      options.since = parseSince(values.since, Date.now());
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      return await usageFailure(HELP, error.message);
    }
  }
  let dir = localSessionsDir(values.dir);
  // Without a daemon at the default socket (and no socket named), the default folder is read.
  const socketNamed = values.socket !== undefined || envValue("SSHLOG_SOCKET") !== undefined;
  try {
    let recordings: RecordingInfo[] | undefined;
    if (dir === undefined) {
      try {
        recordings = await daemonRecordings(resolveSocketPath(values.socket), options);
      } catch (error) {
        if (socketNamed || !(error instanceof IpcError && error.code === "not_running")) {
          throw error;
        }
        dir = DEFAULT_SESSIONS_DIR;
        await writeStderr(`No daemon is running: reading the recordings in ${dir}\n`);
      }
    }
    recordings ??= await listRecordings(dir!, options);
    await writeStdout(
      values.json ? formatRecordingsJson(recordings) : formatRecordingsTable(recordings),
    );
    return EXIT_OK;
  } catch (error) {
    const local = error instanceof Deno.errors.NotFound ||
      error instanceof Deno.errors.PermissionDenied;
    if (dir !== undefined && local) {
      const why = error instanceof Deno.errors.NotFound ? "no such directory" : "permission denied";
      await writeStderr(`Cannot list recordings in "${escapeText(dir)}": ${why}\n`);
      return EXIT_FAILURE;
    }
    return await runtimeFailure(error);
  }
}

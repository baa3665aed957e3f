/**
 * `sshlog replay`: play an asciicast recording to stdout with its original timing. A recording
 * whose session is still open (its transcript has no end marker) is followed as it grows until the
 * session ends, or until no new line came for 5 minutes.
 */

import { escapeText } from "../events/mod.ts";
import { IpcError } from "../ipc/mod.ts";
import {
  DEFAULT_SESSIONS_DIR,
  isSafeSessionId,
  playCast,
  type PlayOptions,
  readCastLines,
  transcriptStillOpen,
} from "../recorder/mod.ts";
import {
  CLIENT_OPTIONS,
  EXIT_FAILURE,
  EXIT_OK,
  parseVerbArgs,
  resolveSocketPath,
  runtimeFailure,
  usageFailure,
  type VerbHelp,
  writeStderr,
  writeStdout,
} from "./_common.ts";
import { daemonRecordings, DIR_FLAG_HELP, localSessionsDir } from "./recordings.ts";

/** Help of `sshlog replay`. */
export const HELP: VerbHelp = {
  name: "replay",
  summary: "Play a session recording (asciicast v2) on the terminal with its original timing.",
  usage: "replay FILE.cast|SESSION [--speed X] [--idle-limit SECONDS] [--dir DIR] [--socket PATH]",
  flags: [
    ["--speed X", "play X times faster (default 1)"],
    ["--idle-limit SECONDS", "shorten every pause to at most SECONDS"],
    DIR_FLAG_HELP,
    [
      "--socket PATH",
      "daemon to ask where a SESSION's recording is, when not in the default folder",
    ],
    ["-h, --help", "show this help"],
  ],
  examples: [
    "sshlog replay 20240501T161645Z-970236-970240",
    "sshlog replay --speed 4 --idle-limit 2 /var/log/sshlog/sessions/20240501T161645Z-970236-970240.cast",
    "sshlog replay --dir /srv/rec 20240501T161645Z-970236-970240",
  ],
};

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * The .cast path for a FILE or SESSION argument, or undefined when neither exists. A SESSION is
 * looked up in `dir` when one is given, else in the default folder, then among the recordings
 * the daemon at `socket` lists (every folder its configuration records into).
 */
export async function findRecording(
  target: string,
  dir: string | undefined,
  socket: string,
): Promise<string | undefined> {
  if (target.includes("/") || target.endsWith(".cast")) {
    return await isFile(target) ? target : undefined;
  }
  if (!isSafeSessionId(target)) return undefined;
  const path = `${dir ?? DEFAULT_SESSIONS_DIR}/${target}.cast`;
  if (await isFile(path)) return path;
  if (dir !== undefined) return undefined;
  try {
    // (An older daemon ignores `session` and lists all: pick the one asked for.)
    const found = await daemonRecordings(socket, { session: target });
    return found.find((r) => r.session_id === target)?.cast_path;
  } catch (error) {
    if (error instanceof IpcError) return undefined; // no daemon to ask: not found
    throw error;
  }
}

function positiveNumber(value: string | undefined, flag: string): number | string | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  return Number.isFinite(number) && number > 0
    ? number
    : `Invalid value "${value}" for ${flag}: use a number > 0`;
}

/** Runs `sshlog replay ARGS…`; returns the exit code. */
export async function run(args: string[], play: PlayOptions = {}): Promise<number> {
  const parsed = await parseVerbArgs(HELP, args, {
    ...CLIENT_OPTIONS,
    speed: { type: "string" },
    "idle-limit": { type: "string" },
    dir: { type: "string" },
  }, { max: 1, missing: "Missing FILE.cast or SESSION" });
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  const target = positionals[0]!;
  const speed = positiveNumber(values.speed, "--speed");
  const idleLimit = positiveNumber(values["idle-limit"], "--idle-limit");
  if (typeof speed === "string") return await usageFailure(HELP, speed);
  if (typeof idleLimit === "string") return await usageFailure(HELP, idleLimit);
  const dir = localSessionsDir(values.dir);
  try {
    const path = await findRecording(target, dir, resolveSocketPath(values.socket));
    if (path === undefined) {
      const where = dir === undefined
        ? `"${DEFAULT_SESSIONS_DIR}" or the daemon's recordings`
        : `"${escapeText(dir)}"`;
      await writeStderr(
        `Cannot find recording "${escapeText(target)}": no such file, nor session in ${where}\n`,
      );
      return EXIT_FAILURE;
    }
    const logPath = path.replace(/\.cast$/, ".log");
    const live = path.endsWith(".cast") && await transcriptStillOpen(logPath);
    const lines = readCastLines(
      path,
      live ? { stillRecording: () => transcriptStillOpen(logPath) } : {},
    );
    await playCast(lines, writeStdout, {
      ...play,
      ...(speed !== undefined ? { speed } : {}),
      ...(idleLimit !== undefined ? { idleLimit } : {}),
    });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof Deno.errors.BrokenPipe) return EXIT_OK;
    if (error instanceof SyntaxError || error instanceof Deno.errors.PermissionDenied) {
      await writeStderr(`Cannot replay "${escapeText(target)}": ${escapeText(error.message)}\n`);
      return EXIT_FAILURE;
    }
    return await runtimeFailure(error);
  }
}

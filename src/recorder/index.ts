/** The recordings of a directory: listing with metadata, filtering, transcript search, retention. */

import { readCastEnds } from "./_cast_file.ts";
import { transcriptStillOpen } from "./player.ts";
import { isSafeSessionId } from "./session_recording.ts";

/** One recording as `sshlog recordings` lists it. */
export interface RecordingInfo {
  "session_id": string;
  user: string;
  host: string;
  client: string;
  /** Epoch ms. */
  "start_time": number;
  /** Time of the last recorded event, ms after the start. */
  "duration_ms": number;
  /** Bytes of the .cast and .log together. */
  "size_bytes": number;
  /** True while the transcript has no end marker (session open, or the daemon stopped). */
  recording: boolean;
  "cast_path": string;
  "log_path": string;
}

/** Options of {@linkcode listRecordings}. */
export interface ListOptions {
  /** Only this user's recordings [all]. */
  user?: string;
  /** Only recordings started at or after this epoch ms [all]. */
  since?: number;
  /** Only recordings whose transcript contains this text [all]. */
  grep?: string;
  /** Only the recording of this session (its files are looked up, not the folder listed) [all]. */
  session?: string;
}

/** Splits an asciicast title `user@host from IP` written by the recorder. */
function parseTitle(title: string | undefined): { user: string; host: string; client: string } {
  const match = /^(.*)@([^@ ]*) from (\S*)$/.exec(title ?? "");
  return match ? { user: match[1]!, host: match[2]!, client: match[3]! } : {
    user: "",
    host: "",
    client: "",
  };
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}

/** Reads one recording's metadata; undefined when its .cast is empty or not asciicast v2. */
export async function readRecordingInfo(
  dir: string,
  id: string,
): Promise<RecordingInfo | undefined> {
  const castPath = `${dir}/${id}.cast`;
  const logPath = `${dir}/${id}.log`;
  let ends;
  try {
    ends = await readCastEnds(castPath);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  if (ends === undefined) return undefined;
  const start = (ends.header.timestamp ?? 0) * 1000;
  return {
    "session_id": id,
    ...parseTitle(ends.header.title),
    "start_time": start,
    "duration_ms": Math.round(ends.lastTime * 1000),
    "size_bytes": ends.size + await sizeOf(logPath),
    recording: await transcriptStillOpen(logPath),
    "cast_path": castPath,
    "log_path": logPath,
  };
}

/** Whether the transcript at `path` contains `text`, read in 1 MiB pieces (transcripts are big). */
async function transcriptContains(path: string, text: string): Promise<boolean> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
  try {
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(1024 * 1024);
    let tail = ""; // the end of the text read so far, for a match across two pieces
    for (;;) {
      const n = await file.read(buffer);
      const piece = tail + decoder.decode(buffer.subarray(0, n ?? 0), { stream: n !== null });
      if (piece.includes(text)) return true;
      if (n === null) return false;
      tail = text.length > 1 ? piece.slice(-(text.length - 1)) : "";
    }
  } finally {
    file.close();
  }
}

/** The session ids of the recordings in `dir`, or just `session` when its cast is there. */
async function recordingIds(dir: string, session: string | undefined): Promise<string[]> {
  if (session !== undefined) {
    if (!isSafeSessionId(session)) return [];
    await Deno.stat(dir); // a missing folder is NotFound, as when listing it
    const cast = await Deno.lstat(`${dir}/${session}.cast`).catch(() => undefined);
    return cast?.isFile ? [session] : []; // as listing: a file, not a link or a folder
  }
  const ids: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".cast")) {
      ids.push(entry.name.slice(0, -".cast".length));
    }
  }
  return ids;
}

/**
 * Lists the recordings of `dir`, oldest first, filtered by user, start time and transcript text.
 * @throws {Deno.errors.NotFound} when the directory does not exist
 */
export async function listRecordings(
  dir: string,
  options: ListOptions = {},
): Promise<RecordingInfo[]> {
  const out: RecordingInfo[] = [];
  for (const id of await recordingIds(dir, options.session)) {
    const info = await readRecordingInfo(dir, id);
    if (info === undefined) continue;
    if (options.user !== undefined && info.user !== options.user) continue;
    if (options.since !== undefined && info.start_time < options.since) continue;
    if (options.grep !== undefined && !(await transcriptContains(info.log_path, options.grep))) {
      continue;
    }
    out.push(info);
  }
  return out.sort((a, b) =>
    a.start_time - b.start_time || a.session_id.localeCompare(b.session_id)
  );
}

/**
 * Lists the recordings of every folder of `dirs` (the default folder when there is none), oldest
 * first; a folder that does not exist (yet) has none.
 */
export async function listRecordingsIn(
  dirs: readonly string[],
  options: ListOptions = {},
): Promise<RecordingInfo[]> {
  const all: RecordingInfo[] = [];
  for (const dir of dirs.length > 0 ? dirs : [DEFAULT_SESSIONS_DIR]) {
    try {
      all.push(...await listRecordings(dir, options));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return all.sort((a, b) =>
    a.start_time - b.start_time || a.session_id.localeCompare(b.session_id)
  );
}

/**
 * Parses a `--since` value: an ISO date or date-time (local time without a zone), or an age such
 * as `30m`, `12h`, `7d`; returns epoch ms.
 * @throws {RangeError} when the value is neither
 */
export function parseSince(value: string, nowMs: number): number {
  const age = /^(\d+(?:\.\d+)?)([smhd])$/.exec(value);
  if (age) {
    const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[age[2] as "s" | "m" | "h" | "d"];
    return nowMs - Number(age[1]) * unit;
  }
  const dateOnly = /^\d{4}-\d\d-\d\d$/.test(value);
  const parsed = Date.parse(dateOnly ? `${value}T00:00:00` : value);
  if (!/^\d{4}-\d\d-\d\d/.test(value) || Number.isNaN(parsed)) {
    throw new RangeError(
      `Invalid time "${value}": use a date (2024-05-01), a date-time (2024-05-01T16:00) or an age (30m, 12h, 7d)`,
    );
  }
  return parsed;
}

/** Options of {@linkcode pruneRecordings}. */
export interface PruneOptions {
  /** Delete closed recordings older than this many days [keep]. */
  maxAgeDays?: number;
  /** Delete the oldest closed recordings while all together exceed this many MB [keep]. */
  maxTotalMb?: number;
  /** The current time, epoch ms [Date.now()]. */
  now?: number;
}

/** Deletes the oldest closed recordings past the age or total-size limits; returns deleted ids. */
export async function pruneRecordings(dir: string, options: PruneOptions): Promise<string[]> {
  if (options.maxAgeDays === undefined && options.maxTotalMb === undefined) return [];
  const all = await listRecordings(dir);
  const now = options.now ?? Date.now();
  let total = all.reduce((sum, info) => sum + info.size_bytes, 0);
  const deleted: string[] = [];
  for (const info of all) {
    if (info.recording) continue;
    const ended = info.start_time + info.duration_ms;
    const tooOld = options.maxAgeDays !== undefined && now - ended > options.maxAgeDays * 86400e3;
    const tooBig = options.maxTotalMb !== undefined && total > options.maxTotalMb * 1024 * 1024;
    if (!tooOld && !tooBig) continue;
    for (const path of [info.cast_path, info.log_path]) {
      try {
        await Deno.remove(path);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    total -= info.size_bytes;
    deleted.push(info.session_id);
  }
  return deleted;
}

/** Where the default configuration records sessions (SPEC §3). */
export const DEFAULT_SESSIONS_DIR = "/var/log/sshlog/sessions";

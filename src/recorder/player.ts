/**
 * Replay of an asciicast v2 recording with its original timing (scaled by a speed, long pauses
 * capped), optionally following a recording that is still being written.
 */

import { type CastEvent, parseEvent, parseHeader } from "./format.ts";
import { END_MARKER } from "./transcript.ts";
import { errorMessage } from "../error_message.ts";

/** Options of {@linkcode playCast}. */
export interface PlayOptions {
  /** Playback speed factor, > 0 [1]. */
  speed?: number;
  /** Longest pause between two outputs, in recorded seconds [none]. */
  idleLimit?: number;
  /** The clock in ms [performance.now]. */
  now?: () => number;
  /** Waits ms milliseconds [setTimeout]. */
  sleep?: (ms: number) => Promise<void>;
}

/** Waits `ms` milliseconds. */
export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Plays the lines of a recording (header first): writes each output event's data when it is due.
 * @throws {SyntaxError} on a line that is not asciicast v2, or a time that goes backwards
 */
export async function playCast(
  lines: AsyncIterable<string>,
  write: (data: string) => Promise<void>,
  options: PlayOptions = {},
): Promise<void> {
  const speed = options.speed ?? 1;
  const idleLimit = options.idleLimit ?? Infinity;
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? sleepMs;
  let lineNo = 0;
  let previous: number | undefined;
  let virtualMs = 0;
  let started: number | undefined;
  for await (const line of lines) {
    lineNo++;
    if (lineNo === 1) {
      parseHeader(line);
      continue;
    }
    let event: CastEvent;
    try {
      event = parseEvent(line);
    } catch (error) {
      const message = errorMessage(error);
      throw new SyntaxError(`Line ${lineNo}: ${message}`, { cause: error });
    }
    const [time, code, data] = event;
    if (previous !== undefined && time < previous) {
      throw new SyntaxError(`Line ${lineNo}: Cannot parse asciicast event: time goes backwards`);
    }
    if (code !== "o") continue;
    const gap = previous === undefined
      ? Math.min(time, idleLimit)
      : Math.min(time - previous, idleLimit);
    previous = time;
    virtualMs += (gap * 1000) / speed;
    started ??= now();
    const delay = started + virtualMs - now();
    if (delay > 0) await sleep(delay);
    await write(data);
  }
  if (lineNo === 0) throw new SyntaxError("Cannot parse asciicast: the file is empty");
}

/** Options of {@linkcode readCastLines}. */
export interface ReadLinesOptions {
  /** Keep reading at the end of the file while this says the recording goes on [never]. */
  stillRecording?: () => Promise<boolean>;
  /** Stop following after this long without a new line, ms [300000]. */
  followIdleMs?: number;
  /** Pause between two looks at a growing file, ms [200]. */
  pollMs?: number;
  /** Waits ms milliseconds [setTimeout]. */
  sleep?: (ms: number) => Promise<void>;
  /** The clock in ms [performance.now]. */
  now?: () => number;
}

/**
 * Yields the complete lines of a file; with `stillRecording`, follows it as it grows until that
 * says the session ended or no line came for `followIdleMs`.
 */
export async function* readCastLines(
  path: string,
  options: ReadLinesOptions = {},
): AsyncGenerator<string> {
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? sleepMs;
  const idleMs = options.followIdleMs ?? 300_000;
  using file = await Deno.open(path, { read: true });
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(256 * 1024);
  let rest = "";
  let lastLine = now();
  let finishing = false;
  while (true) {
    const n = await file.read(buffer);
    if (n !== null && n > 0) {
      const text = rest + decoder.decode(buffer.subarray(0, n), { stream: true });
      const lines = text.split("\n");
      rest = lines.pop() ?? "";
      if (lines.length > 0) lastLine = now();
      yield* lines;
      continue;
    }
    if (finishing || options.stillRecording === undefined || now() - lastLine > idleMs) break;
    // Once the session ended, one more read picks up lines written just before the end marker.
    if (!(await options.stillRecording())) {
      finishing = true;
      continue;
    }
    await sleep(options.pollMs ?? 200);
  }
  if (rest !== "") throw new SyntaxError("Cannot parse asciicast: the last line is incomplete");
}

/** True while a transcript exists and has no end marker (the session is still being recorded). */
export async function transcriptStillOpen(logPath: string): Promise<boolean> {
  let text;
  try {
    using file = await Deno.open(logPath, { read: true });
    const { size } = await file.stat();
    const start = Math.max(0, size - 4096);
    await file.seek(start, Deno.SeekMode.Start);
    const bytes = new Uint8Array(size - start);
    let filled = 0;
    while (filled < bytes.length) {
      const n = await file.read(bytes.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    text = new TextDecoder().decode(bytes.subarray(0, filled));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
  return !END_MARKER.test(text);
}

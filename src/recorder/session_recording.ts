/**
 * One session's recording: turns its events into asciicast lines (`<session_id>.cast`) and
 * transcript text (`<session_id>.log`), continuing existing files after a daemon restart.
 */

import { LossyStreamDecoder, rawBytes, type SshlogEvent } from "../events/mod.ts";
import { readCastEnds } from "./_cast_file.ts";
import { castTime, encodeEvent, encodeHeader } from "./format.ts";
import {
  commandMarker,
  endMarker,
  EscapeStripper,
  gapMarker,
  gapText,
  resumedMarker,
  startMarker,
  timestampMarker,
} from "./transcript.ts";
import { AppendFile, ensurePrivateDir } from "./writer.ts";

/** Options of {@linkcode SessionRecording.open}. */
export interface SessionRecordingOptions {
  /** Also write keystrokes as "i" events [false]. */
  recordInput?: boolean;
  /** Write a `[[ sshlog: timestamp … ]]` line at most this often when > 0 [-1: never]. */
  timestampFrequencySeconds?: number;
}

/** Terminal size used when a recording starts before any `terminal_resize` (non-pty sessions). */
export const DEFAULT_SIZE = { columns: 80, rows: 24 } as const;

const ENCODER = new TextEncoder();

/** True when a session id is safe as a file name (SPEC §4 promises it; checked anyway). */
export function isSafeSessionId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._:-]{0,200}$/.test(id);
}

function textOf(event: SshlogEvent): Uint8Array {
  const raw = rawBytes(event);
  if (raw !== undefined) return raw;
  const data = (event as { terminal_data?: unknown }).terminal_data;
  return ENCODER.encode(typeof data === "string" ? data : "");
}

/** The open recording of one session. */
export class SessionRecording {
  readonly sessionId: string;
  #cast: AppendFile;
  #log: AppendFile;
  #options: SessionRecordingOptions;
  #baseMs: number;
  #lastTime: number;
  #pendingHeader: { width: number; height: number; title: string } | undefined;
  #size = "";
  #output = new LossyStreamDecoder();
  #input = new LossyStreamDecoder();
  #stripper = new EscapeStripper();
  #atLineStart = true;
  #nextStampMs = Infinity;
  #ended = false;

  private constructor(
    sessionId: string,
    files: { cast: AppendFile; log: AppendFile },
    options: SessionRecordingOptions,
    timeline: { baseMs: number; lastTime: number },
  ) {
    this.sessionId = sessionId;
    this.#cast = files.cast;
    this.#log = files.log;
    this.#options = options;
    this.#baseMs = timeline.baseMs;
    this.#lastTime = timeline.lastTime;
  }

  /**
   * Opens (or continues) the recording of the session `first` belongs to, in `dir`.
   * @throws {TypeError} when the event has no usable session id
   */
  static async open(
    dir: string,
    first: SshlogEvent,
    options: SessionRecordingOptions = {},
  ): Promise<SessionRecording> {
    const id = first.session_id;
    if (typeof id !== "string" || !isSafeSessionId(id)) {
      throw new TypeError(`Cannot record session "${String(id)}": unusable session id`);
    }
    await ensurePrivateDir(dir);
    const castPath = `${dir}/${id}.cast`;
    const ends = await readCastEnds(castPath);
    const cast = await AppendFile.open(castPath, ends?.validLength);
    const log = await AppendFile.open(`${dir}/${id}.log`);
    const baseMs = ends?.header.timestamp !== undefined
      ? ends.header.timestamp * 1000
      : Math.floor(first.timestamp / 1000) * 1000;
    const recording = new SessionRecording(id, { cast, log }, options, {
      baseMs,
      lastTime: ends?.lastTime ?? 0,
    });
    if (ends === undefined) {
      const tcp = first.tcp_info;
      recording.#pendingHeader = {
        width: DEFAULT_SIZE.columns,
        height: DEFAULT_SIZE.rows,
        title: `${first.username ?? "?"}@${first.hostname} from ${tcp?.client_ip ?? "?"}`,
      };
    } else {
      recording.#size = `${ends.header.width}x${ends.header.height}`;
    }
    const client = first.tcp_info?.client_ip ?? "?";
    recording.#writeText(
      log.size === 0
        ? startMarker({
          sessionId: id,
          user: first.username ?? "?",
          client,
          time: first.start_time ?? first.timestamp,
        })
        : resumedMarker(id, first.timestamp),
      true,
    );
    const frequency = options.timestampFrequencySeconds ?? -1;
    if (frequency > 0) recording.#nextStampMs = first.timestamp + frequency * 1000;
    return recording;
  }

  /** True once `connection_close` was recorded. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Records one event of the session; resolves at once unless the disk is behind. */
  handle(event: SshlogEvent): Promise<void> | undefined {
    switch (event.event_type) {
      case "terminal_update": {
        const text = this.#output.decode(textOf(event));
        this.#stamp(event.timestamp);
        const castWait = this.#castLine(event.timestamp, "o", text);
        const logWait = this.#writeText(this.#stripper.strip(text), false);
        return castWait ?? logWait;
      }
      case "terminal_input":
        if (!this.#options.recordInput) return undefined;
        return this.#castLine(event.timestamp, "i", this.#input.decode(textOf(event)));
      case "terminal_resize": {
        const { columns, rows } = event;
        if (!Number.isInteger(columns) || !Number.isInteger(rows) || columns < 1 || rows < 1) {
          return undefined;
        }
        if (this.#pendingHeader !== undefined) {
          this.#pendingHeader.width = columns;
          this.#pendingHeader.height = rows;
          this.#size = `${columns}x${rows}`;
          return undefined;
        }
        return this.#castLine(event.timestamp, "r", `${columns}x${rows}`);
      }
      case "command_start": {
        this.#castLine(event.timestamp, "m", event.args);
        return this.#writeText(commandMarker(event.timestamp, event.username, event.args), true);
      }
      case "capture_gap": {
        // Data of any session may be missing here: say so where it shows.
        const what = gapText(event.lost_bytes, event.lost_events, event.reason);
        this.#castLine(event.timestamp, "m", `sshlog: capture gap: ${what}`);
        return this.#writeText(gapMarker(event.timestamp, what), true);
      }
      case "connection_close": {
        this.#ended = true;
        const rest = this.#stripper.end() + this.#output.end();
        this.#writeText(rest, false);
        return this.#writeText(endMarker(this.sessionId, event.timestamp), true);
      }
      default:
        return undefined;
    }
  }

  /** Writes the header if still pending, waits for the disk and closes both files. */
  async close(): Promise<void> {
    this.#writeHeader();
    try {
      await this.#cast.close();
    } finally {
      await this.#log.close();
    }
  }

  #writeHeader(): void {
    const pending = this.#pendingHeader;
    if (pending === undefined) return;
    this.#pendingHeader = undefined;
    this.#size = `${pending.width}x${pending.height}`;
    this.#cast.write(ENCODER.encode(
      encodeHeader({
        version: 2,
        width: pending.width,
        height: pending.height,
        timestamp: this.#baseMs / 1000,
        title: pending.title,
      }) + "\n",
    ));
  }

  #castLine(
    timestamp: number,
    code: "o" | "i" | "r" | "m",
    data: string,
  ): Promise<void> | undefined {
    if (code === "r") {
      if (data === this.#size) return undefined;
      this.#size = data;
    }
    if (data === "" && code !== "m") return undefined;
    this.#writeHeader();
    const time = Math.max(this.#lastTime, castTime((timestamp - this.#baseMs) / 1000));
    this.#lastTime = time;
    return this.#cast.write(ENCODER.encode(encodeEvent([time, code, data]) + "\n"));
  }

  #stamp(timestamp: number): void {
    if (timestamp < this.#nextStampMs) return;
    const frequency = this.#options.timestampFrequencySeconds ?? -1;
    this.#nextStampMs = timestamp + frequency * 1000;
    this.#writeText(timestampMarker(timestamp), true);
  }

  #writeText(text: string, ownLine: boolean): Promise<void> | undefined {
    if (text === "") return undefined;
    const full = ownLine && !this.#atLineStart ? "\n" + text : text;
    this.#atLineStart = full.endsWith("\n");
    return this.#log.write(ENCODER.encode(full));
  }
}

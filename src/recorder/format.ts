/**
 * asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/): one JSON header line, then one
 * JSON array per event. Encodes and strictly parses single lines.
 */

import { errorMessage } from "../error_message.ts";

/** Event codes we write: output, input, resize, marker. */
export const CAST_EVENT_CODES = ["o", "i", "r", "m"] as const;

/** One event code. */
export type CastEventCode = typeof CAST_EVENT_CODES[number];

/** One event line: seconds since the header's timestamp, code, data. */
export type CastEvent = [time: number, code: CastEventCode, data: string];

/** The header line; other keys of the format are accepted when read but not kept. */
export interface CastHeader {
  version: 2;
  width: number;
  height: number;
  /** Start of the recording, epoch seconds. */
  timestamp?: number;
  title?: string;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}

/** Encodes a header as one JSON line (without the newline). */
export function encodeHeader(header: CastHeader): string {
  return JSON.stringify(header);
}

/** Rounds seconds to microseconds, as asciinema writes them. */
export function castTime(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}

/** Encodes one event as one JSON line (without the newline). */
export function encodeEvent(event: CastEvent): string {
  return JSON.stringify([castTime(event[0]), event[1], event[2]]);
}

function parseJsonLine(line: string, what: string): unknown {
  try {
    return JSON.parse(line);
  } catch (error) {
    throw new SyntaxError(`Cannot parse asciicast ${what}: invalid JSON`, { cause: error });
  }
}

/**
 * Parses the header line.
 * @throws {SyntaxError} when the line is not JSON or not an asciicast v2 header
 */
export function parseHeader(line: string): CastHeader {
  const value = parseJsonLine(line, "header");
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SyntaxError("Cannot parse asciicast header: not a JSON object");
  }
  const fields = value as Record<string, unknown>;
  if (fields.version !== 2) {
    throw new SyntaxError(`Cannot parse asciicast header: "version" must be 2`);
  }
  if (!isPositiveInteger(fields.width) || !isPositiveInteger(fields.height)) {
    throw new SyntaxError(
      `Cannot parse asciicast header: "width" and "height" must be positive integers`,
    );
  }
  const header: CastHeader = { version: 2, width: fields.width, height: fields.height };
  if (fields.timestamp !== undefined) {
    if (typeof fields.timestamp !== "number" || !Number.isFinite(fields.timestamp)) {
      throw new SyntaxError(`Cannot parse asciicast header: "timestamp" must be a number`);
    }
    header.timestamp = fields.timestamp;
  }
  if (fields.title !== undefined) {
    if (typeof fields.title !== "string") {
      throw new SyntaxError(`Cannot parse asciicast header: "title" must be a string`);
    }
    header.title = fields.title;
  }
  return header;
}

/**
 * Parses one event line: `[time, code, data]` with a finite time >= 0, a known code and string data.
 * @throws {SyntaxError} when the line is not such an array
 */
export function parseEvent(line: string): CastEvent {
  const value = parseJsonLine(line, "event");
  if (!Array.isArray(value) || value.length !== 3) {
    throw new SyntaxError("Cannot parse asciicast event: not an array of 3 items");
  }
  const [time, code, data] = value as unknown[];
  if (typeof time !== "number" || !Number.isFinite(time) || time < 0) {
    throw new SyntaxError("Cannot parse asciicast event: time must be a number >= 0");
  }
  if (!CAST_EVENT_CODES.includes(code as CastEventCode)) {
    throw new SyntaxError(`Cannot parse asciicast event: unknown code "${String(code)}"`);
  }
  if (typeof data !== "string") {
    throw new SyntaxError("Cannot parse asciicast event: data must be a string");
  }
  if (code === "r" && !/^[1-9]\d*x[1-9]\d*$/.test(data)) {
    throw new SyntaxError(`Cannot parse asciicast event: resize data must be "WxH"`);
  }
  return [time, code as CastEventCode, data];
}

/** A whole recording, as {@linkcode parseCast} returns it. */
export interface Cast {
  header: CastHeader;
  events: CastEvent[];
}

/**
 * Parses a whole asciicast v2 text strictly: a header, then events whose times never decrease.
 * A final line without its newline is refused (a recording cut mid-write).
 * @throws {SyntaxError} naming the 1-based line of the first problem
 */
export function parseCast(text: string): Cast {
  if (!text.endsWith("\n")) {
    throw new SyntaxError("Cannot parse asciicast: the last line is incomplete");
  }
  const lines = text.slice(0, -1).split("\n");
  const header = parseHeader(lines[0]!);
  const events: CastEvent[] = [];
  let last = 0;
  for (let i = 1; i < lines.length; i++) {
    let event;
    try {
      event = parseEvent(lines[i]!);
    } catch (error) {
      const message = errorMessage(error);
      throw new SyntaxError(`Line ${i + 1}: ${message}`, { cause: error });
    }
    if (event[0] < last) {
      throw new SyntaxError(`Line ${i + 1}: Cannot parse asciicast event: time goes backwards`);
    }
    last = event[0];
    events.push(event);
  }
  return { header, events };
}

/**
 * The readable transcript of a session (`<session_id>.log`): terminal output with escape sequences
 * removed and control keys shown as `^X`, between the original agent's `[[ sshlog … ]]` markers.
 */

import { escapeText } from "../events/mod.ts";

/*
 * Complete sequences that are removed: CSI (ESC [ … final), OSC (ESC ] … BEL or ST), DCS, SOS, PM
 * and APC strings (ESC P/X/^/_ … ST), other ESC sequences (ESC, intermediates, final), the 8-bit
 * C1 forms that UTF-8 terminals may still see, and CR ("\r\n" reads as "\n", a lone CR rewrites
 * the line). Removed in one pass without a callback: this runs on every byte of output.
 */
const SEQUENCE =
  // deno-lint-ignore no-control-regex
  /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[ -/]*[0-~])|\r|\u009b[0-?]*[ -/]*[@-~]|\u009d[^\x07\x1b\u009c]*(?:\x07|\u009c|\x1b\\)|[\u0080-\u009f]/g;

/* Controls left after that pass, shown in caret notation. */
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;

/* A sequence that the end of a chunk may have cut: kept for the next chunk. */
const UNFINISHED =
  // deno-lint-ignore no-control-regex
  /^(?:\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*\x1b?|[PX^_][^\x1b]*\x1b?|[ -/]*)?|\u009b[0-?]*[ -/]*|\u009d[^\x07\x1b\u009c]*\x1b?)$/;

/* An unfinished string sequence longer than this is dropped rather than carried on. */
const MAX_CARRY = 64 * 1024;

function caret(control: string): string {
  const code = control.charCodeAt(0);
  return code === 0x7f ? "^?" : `^${String.fromCharCode(code + 0x40)}`;
}

function stripComplete(text: string): string {
  const stripped = text.replace(SEQUENCE, "");
  CONTROL.lastIndex = 0;
  return CONTROL.test(stripped) ? stripped.replace(CONTROL, caret) : stripped;
}

/* 8-bit introducers of sequences (CSI, OSC): rare, so searched for only when present. */
const C1_INTRODUCER = /[\u009b\u009d]/;

/* Where an unfinished sequence starts at the end of `text`, or -1: looks at the last two ESCs. */
function unfinishedStart(text: string): number {
  const c1 = C1_INTRODUCER.test(text);
  const last = c1
    ? Math.max(text.lastIndexOf("\x1b"), text.lastIndexOf("\u009b"), text.lastIndexOf("\u009d"))
    : text.lastIndexOf("\x1b");
  if (last < 0) return -1;
  const before = last === 0
    ? -1
    : c1
    ? Math.max(text.lastIndexOf("\x1b", last - 1), text.lastIndexOf("\u009d", last - 1))
    : text.lastIndexOf("\x1b", last - 1);
  if (before >= 0 && UNFINISHED.test(text.slice(before))) return before;
  return UNFINISHED.test(text.slice(last)) ? last : -1;
}

/**
 * Removes escape sequences from terminal text that arrives in chunks: a sequence cut between two
 * chunks is removed whole. Keeps `\n` and `\t`, drops `\r`, shows other controls as `^C`, `^?`.
 */
export class EscapeStripper {
  #carry = "";

  /** Strips one chunk; an unfinished trailing sequence is held back for the next one. */
  strip(text: string): string {
    let input = this.#carry + text;
    this.#carry = "";
    const cut = unfinishedStart(input);
    if (cut >= 0) {
      if (input.length - cut <= MAX_CARRY) this.#carry = input.slice(cut);
      input = input.slice(0, cut);
    }
    return stripComplete(input);
  }

  /** Returns what an unfinished sequence held back, stripped as text, and resets. */
  end(): string {
    const rest = this.#carry;
    this.#carry = "";
    return stripComplete(rest);
  }
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** Formats epoch ms as local `YYYY-MM-DD HH:MM:SS`, like the event log. */
export function formatTranscriptTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Fields of the transcript's header marker. */
export interface TranscriptStart {
  sessionId: string;
  user: string;
  client: string;
  /** Epoch ms. */
  time: number;
}

/** The first line: `[[ sshlog: session ID user U from IP started TIME ]]`. */
export function startMarker(start: TranscriptStart): string {
  return `[[ sshlog: session ${escapeText(start.sessionId)} user ${escapeText(start.user)} ` +
    `from ${escapeText(start.client)} started ${formatTranscriptTime(start.time)} ]]\n`;
}

/** A command line: `[[ sshlog: TIME USER executed ARGS ]]`. */
export function commandMarker(time: number, user: string, args: string): string {
  return `[[ sshlog: ${formatTranscriptTime(time)} ${escapeText(user)} executed ${
    escapeText(args)
  } ]]\n`;
}

/** A periodic time line: `[[ sshlog: timestamp TIME ]]`. */
export function timestampMarker(time: number): string {
  return `[[ sshlog: timestamp ${formatTranscriptTime(time)} ]]\n`;
}

/** What was lost at a capture gap: `N bytes and M events lost (REASON)`. */
export function gapText(lostBytes: number, lostEvents: number, reason: string): string {
  return `${lostBytes} bytes and ${lostEvents} events lost (${escapeText(reason)})`;
}

/** A capture gap: `[[ sshlog: TIME capture gap: … lost (REASON) ]]`; output near it may be missing. */
export function gapMarker(time: number, what: string): string {
  return `[[ sshlog: ${formatTranscriptTime(time)} capture gap: ${what} ]]\n`;
}

/** A line written when the daemon picks up a recording again after a restart. */
export function resumedMarker(sessionId: string, time: number): string {
  return `[[ sshlog: session ${escapeText(sessionId)} resumed ${formatTranscriptTime(time)} ]]\n`;
}

/** The last line: `[[ sshlog: session ID ended TIME ]]`; its presence marks a closed recording. */
export function endMarker(sessionId: string, time: number): string {
  return `[[ sshlog: session ${escapeText(sessionId)} ended ${formatTranscriptTime(time)} ]]\n`;
}

/** Matches the end marker anywhere in a transcript. */
export const END_MARKER = /^\[\[ sshlog: session \S+ ended [^\n]* \]\]$/m;

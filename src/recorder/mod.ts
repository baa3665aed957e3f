/**
 * Session recordings: asciicast v2 lines, the readable transcript, the per-session writer, replay
 * timing and the index of a recordings directory.
 * @module
 */

export * from "./format.ts";
export * from "./transcript.ts";
export * from "./writer.ts";
export * from "./session_recording.ts";
export * from "./player.ts";
export * from "./index.ts";

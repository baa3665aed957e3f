/**
 * Exact bytes behind `terminal_update` / `terminal_input` events, for in-process consumers
 * (recorder, attach) that must not go through lossy text. Symbol-keyed: never in the JSON.
 */
import type { SshlogEvent } from "./types.ts";

const RAW = Symbol.for("sshlog.raw");

/** Attaches the exact bytes to an event; returns the event. */
export function withRawBytes<T extends SshlogEvent>(event: T, bytes: Uint8Array): T {
  Object.defineProperty(event, RAW, { value: bytes, enumerable: false });
  return event;
}

/** The exact bytes of a terminal event, when it carries them. */
export function rawBytes(event: SshlogEvent): Uint8Array | undefined {
  const v = (event as unknown as Record<symbol, unknown>)[RAW];
  return v instanceof Uint8Array ? v : undefined;
}

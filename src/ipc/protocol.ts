/**
 * The daemon socket protocol: newline-delimited JSON over a Unix stream socket. The client sends
 * one request object per line; the daemon answers `{"ok":true,…}` or `{"ok":false,"error":"…"}`,
 * and after `watch` streams one `{"event":{…}}` line per event.
 */

import {
  EVENT_TYPES,
  type EventType,
  type SessionSnapshot,
  type SshlogEvent,
} from "../events/mod.ts";

/** Where the daemon listens unless `--socket` or `SSHLOG_SOCKET` says otherwise. */
export const DEFAULT_SOCKET_PATH = "/var/run/sshlogd.sock";
/** Longest request line the daemon accepts (1 MiB); a longer one is answered and closed. */
export const MAX_REQUEST_LINE_BYTES = 1024 * 1024;
/** Longest `user` or `session` value in a request. */
const MAX_NAME_LENGTH = 256;

/** `{"op":"sessions"}`: list the live sessions. */
export interface SessionsRequest {
  op: "sessions";
}

/** `{"op":"watch",…}`: stream events, optionally only some types, one user or one session. */
export interface WatchRequest {
  op: "watch";
  /** Event types to send; all types when omitted. */
  types?: EventType[];
  /** Only events whose `username` equals this. */
  user?: string;
  /** Only events of this session: a session_id, TTY number or ptm_pid. */
  session?: string;
  /** Of terminal_input, only the keystrokes administrators injected through attach. */
  "injected_input_only"?: boolean;
}

/** `{"op":"version"}`: the daemon's version. */
export interface VersionRequest {
  op: "version";
}

/** Every request the built-in ops understand. */
export type IpcRequest = SessionsRequest | WatchRequest | VersionRequest;

/** Any request as first seen: an object with a string `op`; each op parses the rest. */
export interface IpcEnvelope {
  op: string;
  [field: string]: unknown;
}

/** Positive answer; ops add their own fields. */
export interface OkResponse {
  ok: true;
  [field: string]: unknown;
}

/** Negative answer with one sentence saying why. */
export interface ErrorResponse {
  ok: false;
  error: string;
}

/** Answer to `sessions`. */
export interface SessionsResponse extends OkResponse {
  sessions: SessionSnapshot[];
}

/** Answer to `version`. */
export interface VersionResponse extends OkResponse {
  version: string;
}

/** One streamed event after a successful `watch`. */
export interface EventMessage {
  event: SshlogEvent;
}

/** Any line the daemon sends. */
export type ServerMessage = OkResponse | ErrorResponse | EventMessage;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks that a parsed request line is an object with a short string `op`.
 * @throws {TypeError} when it is not
 */
export function parseEnvelope(value: unknown): IpcEnvelope {
  if (!isRecord(value) || typeof value.op !== "string" || value.op === "") {
    throw new TypeError('Malformed request: expected an object with a string "op"');
  }
  if (value.op.length > 64) throw new TypeError('Malformed request: "op" is too long');
  return value as IpcEnvelope;
}

/**
 * An optional text field of a request: absent (or null) gives undefined.
 * @throws {TypeError} naming the op and field when it is no non-empty string of at most `max`
 */
export function optionalText(
  envelope: IpcEnvelope,
  field: string,
  max: number = MAX_NAME_LENGTH,
): string | undefined {
  const value = envelope[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value === "" || value.length > max) {
    throw new TypeError(
      `Malformed "${envelope.op}" request: "${field}" must be a non-empty string of at most ` +
        `${max} characters`,
    );
  }
  return value;
}

function isEventType(value: unknown): value is EventType {
  return typeof value === "string" && (EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * Parses the fields of a `watch` request; unknown fields are ignored.
 * @throws {TypeError} when a field has the wrong shape or names an unknown event type
 */
export function parseWatchRequest(envelope: IpcEnvelope): WatchRequest {
  const request: WatchRequest = { op: "watch" };
  const types = envelope.types;
  if (types !== undefined && types !== null) {
    if (!Array.isArray(types) || types.length === 0 || types.length > 64) {
      throw new TypeError('Malformed "watch" request: "types" must be a non-empty array');
    }
    const unknown = types.find((type) => !isEventType(type));
    if (unknown !== undefined) {
      throw new TypeError(`Unknown event type ${JSON.stringify(String(unknown).slice(0, 64))}`);
    }
    request.types = types as EventType[];
  }
  const user = optionalText(envelope, "user");
  if (user !== undefined) request.user = user;
  const session = optionalText(envelope, "session");
  if (session !== undefined) request.session = session;
  const injected = envelope.injected_input_only;
  if (injected !== undefined && injected !== null) {
    if (typeof injected !== "boolean") {
      throw new TypeError('Malformed "watch" request: "injected_input_only" must be true or false');
    }
    request.injected_input_only = injected;
  }
  return request;
}

/**
 * Parses any built-in request from an untrusted value.
 * @throws {TypeError} when it is malformed or its op is not a built-in one
 */
export function parseRequest(value: unknown): IpcRequest {
  const envelope = parseEnvelope(value);
  switch (envelope.op) {
    case "sessions":
    case "version":
      return { op: envelope.op };
    case "watch":
      return parseWatchRequest(envelope);
    default:
      throw new TypeError(`Unknown op ${JSON.stringify(envelope.op)}`);
  }
}

/** True when `value` is a well-formed built-in request. */
export function isIpcRequest(value: unknown): value is IpcRequest {
  try {
    parseRequest(value);
    return true;
  } catch (error) {
    if (error instanceof TypeError) return false;
    throw error;
  }
}

/**
 * Checks one line from the daemon: an `ok` answer or an `event` whose type and time are present.
 * @throws {TypeError} when the line has neither shape
 */
export function parseServerMessage(value: unknown): ServerMessage {
  if (isRecord(value)) {
    if (value.ok === true) return value as OkResponse;
    if (value.ok === false && typeof value.error === "string") {
      return { ok: false, error: value.error };
    }
    const event = value.event;
    if (
      isRecord(event) && typeof event.event_type === "string" && typeof event.timestamp === "number"
    ) {
      return value as unknown as EventMessage;
    }
  }
  throw new TypeError("Malformed answer from the sshlog daemon");
}

/** True when a daemon message is a streamed event rather than an answer. */
export function isEventMessage(message: ServerMessage): message is EventMessage {
  return !("ok" in message) && "event" in message;
}

const ENCODER = new TextEncoder();

/** Encodes one protocol message as a JSON line (with its "\n"). */
export function encodeMessage(message: object): Uint8Array {
  return ENCODER.encode(JSON.stringify(message) + "\n");
}

/**
 * Identity proof of a socket client (the socket gives the daemon no peer credentials here): the
 * client creates a file exclusively in {@linkcode proofDirOf} the socket (writable by root and
 * group `sshlog`, not listable), holding {@linkcode proofText} of its pid, and names it in its
 * request as `proof`; the kernel made the client's uid the file's owner. The daemon checks and
 * deletes it.
 */
export function proofDirOf(socketPath: string): string {
  return `${socketPath}.who`;
}

/** The root-only folder inside a proof folder where the daemon moves a proof to check it. */
export const PROOF_CHECKED_DIR = ".checked";

/** A proof file's name as a request may give it: no path, no dot files. */
export const PROOF_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** The content of a proof file written by process `pid`. */
export function proofText(pid: number): string {
  return `sshlog-proof ${pid}\n`;
}

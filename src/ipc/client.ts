/** The client side of the daemon socket, used by every CLI verb that talks to the daemon. */

import type { EventType, SessionSnapshot, SshlogEvent } from "../events/mod.ts";
import { IpcError } from "./ipc_error.ts";
import { LineReader } from "./_line_reader.ts";
import {
  encodeMessage,
  type ErrorResponse,
  type IpcEnvelope,
  isEventMessage,
  type OkResponse,
  parseServerMessage,
  type ServerMessage,
} from "./protocol.ts";

/** Longest line accepted from the daemon (a big `sessions` answer fits). */
const MAX_ANSWER_LINE_BYTES = 64 * 1024 * 1024;

/** Which events `watch` asks for; an absent field means all. */
export interface WatchOptions {
  types?: readonly EventType[];
  user?: string;
  /** A session_id, TTY number or ptm_pid. */
  session?: string;
  /** Of terminal_input, only keystrokes administrators injected. */
  injectedInputOnly?: boolean;
}

/** Turns a connect failure into the sentence a user should see. */
export function describeConnectError(path: string, error: unknown): IpcError {
  const where = JSON.stringify(path);
  if (error instanceof Deno.errors.PermissionDenied) {
    return new IpcError(
      `Permission denied on ${where}: run as root or join group sshlog`,
      "permission_denied",
      { cause: error },
    );
  }
  const reason = error instanceof Deno.errors.NotFound ||
      error instanceof Deno.errors.ConnectionRefused
    ? "is it running? (sshlog daemon)"
    : error instanceof Error
    ? error.message
    : String(error);
  return new IpcError(`Cannot connect to the sshlog daemon at ${where}: ${reason}`, "not_running", {
    cause: error,
  });
}

/** A two-way stream opened by {@linkcode IpcClient.openStream}. */
export interface IpcStream {
  /** The daemon's answer to the opening request. */
  first: OkResponse;
  /** The next message of the daemon; null when it closed the stream. */
  next(): Promise<OkResponse | null>;
  /** Sends one message to the daemon. */
  send(message: object): Promise<void>;
}

/** A connection to the daemon: one request at a time, or one event stream. */
export class IpcClient {
  #path: string;
  #conn: Deno.UnixConn;
  #reader: LineReader;
  #closed = false;

  private constructor(path: string, conn: Deno.UnixConn) {
    this.#path = path;
    this.#conn = conn;
    this.#reader = new LineReader(conn, MAX_ANSWER_LINE_BYTES);
  }

  /**
   * Connects to the daemon socket at `path`.
   * @throws {IpcError} "Cannot connect…" when no daemon listens, "Permission denied…" on EACCES
   */
  static async connect(path: string): Promise<IpcClient> {
    try {
      return new IpcClient(path, await Deno.connect({ transport: "unix", path }));
    } catch (error) {
      throw describeConnectError(path, error);
    }
  }

  /** The socket path this client is connected to. */
  get path(): string {
    return this.#path;
  }

  /**
   * Sends one request and returns the daemon's positive answer.
   * @throws {IpcError} with the daemon's message when it refuses, or when the connection fails
   */
  async request(request: IpcEnvelope): Promise<OkResponse> {
    await this.#write(encodeMessage(request));
    while (true) {
      const message = await this.#read();
      if (message === null) throw this.#closedError();
      if (isEventMessage(message)) continue;
      if (message.ok) return message;
      throw new IpcError((message as ErrorResponse).error, "refused");
    }
  }

  /** Lists the live sessions. */
  async sessions(): Promise<SessionSnapshot[]> {
    const answer = await this.request({ op: "sessions" });
    if (!Array.isArray(answer.sessions)) throw this.#protocolError();
    return answer.sessions as SessionSnapshot[];
  }

  /** Returns the daemon's version string. */
  async version(): Promise<string> {
    const answer = await this.request({ op: "version" });
    if (typeof answer.version !== "string") throw this.#protocolError();
    return answer.version;
  }

  /**
   * Starts watching and yields events until `close()` is called.
   * @throws {IpcError} when the daemon refuses, or (from the iterator) when it closes the stream
   */
  async watch(options: WatchOptions = {}): Promise<AsyncGenerator<SshlogEvent, void, void>> {
    const request: IpcEnvelope = { op: "watch" };
    if (options.types !== undefined) request.types = [...options.types];
    if (options.user !== undefined) request.user = options.user;
    if (options.session !== undefined) request.session = options.session;
    if (options.injectedInputOnly) request.injected_input_only = true;
    await this.request(request);
    return this.#events();
  }

  /**
   * Sends a request that opens a two-way stream (attach): returns the daemon's first answer,
   * then `next()` gives each later message (null at the end) and `send()` writes one.
   * @throws {IpcError} when the daemon refuses
   */
  async openStream(request: IpcEnvelope): Promise<IpcStream> {
    const first = await this.request(request);
    return {
      first,
      next: async () => {
        for (;;) {
          const message = await this.#read();
          if (message === null) return null;
          if (isEventMessage(message)) continue;
          if (message.ok) return message;
          throw new IpcError((message as ErrorResponse).error, "refused");
        }
      },
      send: (message: object) => this.#write(encodeMessage(message)),
    };
  }

  /** Closes the connection; a running `watch` iterator ends without error. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
  }

  async *#events(): AsyncGenerator<SshlogEvent, void, void> {
    while (true) {
      const message = await this.#read();
      if (message === null) {
        if (this.#closed) return;
        throw this.#closedError();
      }
      if (isEventMessage(message)) yield message.event;
    }
  }

  async #write(bytes: Uint8Array): Promise<void> {
    try {
      let written = 0;
      while (written < bytes.length) written += await this.#conn.write(bytes.subarray(written));
    } catch (error) {
      throw this.#closedError(error);
    }
  }

  /** Reads one message; null at the end of the stream or after `close()`. */
  async #read(): Promise<ServerMessage | null> {
    let line: Uint8Array | null;
    try {
      line = await this.#reader.next();
    } catch (error) {
      if (this.#closed) return null;
      if (error instanceof RangeError) throw this.#protocolError(error);
      throw this.#closedError(error);
    }
    if (line === null) return null;
    try {
      return parseServerMessage(JSON.parse(new TextDecoder().decode(line)));
    } catch (error) {
      throw this.#protocolError(error);
    }
  }

  #closedError(cause?: unknown): IpcError {
    return new IpcError(
      `The sshlog daemon at ${JSON.stringify(this.#path)} closed the connection`,
      "closed",
      cause === undefined ? undefined : { cause },
    );
  }

  #protocolError(cause?: unknown): IpcError {
    return new IpcError(
      `Cannot understand the sshlog daemon at ${JSON.stringify(this.#path)}: malformed answer`,
      "protocol",
      cause === undefined ? undefined : { cause },
    );
  }
}

/** One client connection on the daemon socket, with a bounded outgoing buffer. */

import { getLogger } from "@logtape/logtape";
import { encodeMessage, type IpcEnvelope } from "./protocol.ts";

const logger = getLogger(["sshlog", "ipc"]);
/** Bytes gathered into one socket write. */
const WRITE_BATCH_BYTES = 64 * 1024;

/** Limits of one connection's outgoing buffer; past either one the client is dropped. */
export interface IpcConnectionLimits {
  /** Bytes queued and not yet written to the socket. */
  maxQueuedBytes: number;
  /** Messages queued and not yet written to the socket. */
  maxQueuedMessages: number;
}

/** Receives what a client sends after a handler turned its connection into a stream. */
export interface IpcStreamListener {
  /** A further JSON value the client sent (untrusted). */
  onMessage?(message: unknown): void;
  /** The connection closed, for whatever reason; called once. */
  onClose?(): void;
}

/** Handles one op: `parse` checks the untrusted request, `run` answers on the connection. */
export interface IpcOpHandler<T> {
  /** Narrows the request; throw `TypeError` with a one-sentence message to refuse it. */
  parse(envelope: IpcEnvelope): T;
  /** Sends the answer; throw `IpcError` to answer `{"ok":false}` with its message. */
  run(request: T, connection: IpcConnection): void | Promise<void>;
}

let nextId = 1;

/**
 * A client connection as op handlers see it. Sending never waits: messages are queued and written
 * in the background; a client whose queue passes the limits is dropped so it cannot slow the daemon.
 */
export class IpcConnection {
  /** Small number naming the connection in logs. */
  readonly id: number = nextId++;
  #conn: Deno.Conn;
  #limits: IpcConnectionLimits;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #queuedMessages = 0;
  #writing = false;
  #closing = false;
  #closed = false;
  #listener: IpcStreamListener | undefined;
  #whenClosed = Promise.withResolvers<void>();

  /** Wraps an accepted socket connection. */
  constructor(conn: Deno.Conn, limits: IpcConnectionLimits) {
    this.#conn = conn;
    this.#limits = limits;
  }

  /** True once the connection is closed; later sends are ignored. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The stream listener set by `stream()`, if any. */
  get listener(): IpcStreamListener | undefined {
    return this.#listener;
  }

  /** Resolves when the connection has closed. */
  get whenClosed(): Promise<void> {
    return this.#whenClosed.promise;
  }

  /** Queues one message (encoded as a JSON line); false when the connection is closed or dropped. */
  send(message: object): boolean {
    return this.sendLine(encodeMessage(message));
  }

  /** Queues one pre-encoded line (ending in "\n"), shared between clients without copying. */
  sendLine(line: Uint8Array): boolean {
    if (this.#closed || this.#closing) return false;
    if (
      this.#queuedBytes + line.length > this.#limits.maxQueuedBytes ||
      this.#queuedMessages + 1 > this.#limits.maxQueuedMessages
    ) {
      logger.warn(
        "Dropped IPC client {client}: its outgoing buffer passed {maxQueuedBytes} bytes or " +
          "{maxQueuedMessages} messages (it reads too slowly)",
        { client: this.id, ...this.#limits },
      );
      this.close();
      return false;
    }
    this.#queue.push(line);
    this.#queuedBytes += line.length;
    this.#queuedMessages++;
    if (!this.#writing) void this.#flush();
    return true;
  }

  /** Hands further client messages to `listener` instead of the request dispatcher. */
  stream(listener: IpcStreamListener): void {
    this.#listener = listener;
  }

  /** Closes the connection once everything queued so far has been written. */
  closeAfterFlush(): void {
    this.#closing = true;
    if (!this.#writing) this.close();
  }

  /** Closes the connection now, discarding anything still queued. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    try {
      this.#conn.close();
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
    try {
      this.#listener?.onClose?.();
    } finally {
      this.#whenClosed.resolve();
    }
  }

  async #flush(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const { chunk, messages } = this.#takeBatch();
        let written = 0;
        while (written < chunk.length) written += await this.#conn.write(chunk.subarray(written));
        this.#queuedBytes -= chunk.length;
        this.#queuedMessages -= messages;
      }
    } catch (error) {
      if (!this.#closed) {
        logger.debug("IPC client {client} went away: {error}", { client: this.id, error });
      }
      this.close();
    } finally {
      this.#writing = false;
    }
    if (this.#closing) this.close();
  }

  #takeBatch(): { chunk: Uint8Array; messages: number } {
    let messages = 0;
    let size = 0;
    while (messages < this.#queue.length && (messages === 0 || size < WRITE_BATCH_BYTES)) {
      size += this.#queue[messages]?.length ?? 0;
      messages++;
    }
    const parts = this.#queue.splice(0, messages);
    if (parts.length === 1 && parts[0] !== undefined) return { chunk: parts[0], messages };
    const chunk = new Uint8Array(size);
    let offset = 0;
    for (const part of parts) {
      chunk.set(part, offset);
      offset += part.length;
    }
    return { chunk, messages };
  }
}

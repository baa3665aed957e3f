/** One client connection on the daemon socket, with a bounded outgoing buffer. */

import { getLogger } from "@logtape/logtape";
import { encodeMessage, type IpcEnvelope } from "./protocol.ts";

const logger = getLogger(["sshlog", "ipc"]);
/** Bytes gathered into one socket write. */
const WRITE_BATCH_BYTES = 64 * 1024;

/**
 * Limits of one connection's outgoing buffer. A client whose backlog passes them and that has not
 * taken any byte for `maxStallMs` is dropped; past 16 times the limits it is dropped at once.
 */
export interface IpcConnectionLimits {
  /** Bytes queued and not yet written to the socket. */
  maxQueuedBytes: number;
  /** Messages queued and not yet written to the socket. */
  maxQueuedMessages: number;
  /** How long a client over the limits may go without reading before it is dropped. */
  maxStallMs?: number;
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
  /** When the client last took bytes, or its backlog began. */
  #lastProgress = Date.now();
  #stallTimer: ReturnType<typeof setTimeout> | undefined;
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
    if (this.#overLimits(line.length)) {
      this.#drop();
      return false;
    }
    if (this.#queuedBytes === 0) this.#lastProgress = Date.now();
    this.#queue.push(line);
    this.#queuedBytes += line.length;
    this.#queuedMessages++;
    this.#watchStall();
    if (!this.#writing) void this.#flush();
    return true;
  }

  /** While the backlog is over the limits, checks that the client still reads. */
  #watchStall(): void {
    if (this.#stallTimer !== undefined || !this.#backlogged(0)) return;
    this.#stallTimer = setTimeout(() => {
      this.#stallTimer = undefined;
      if (this.#closed) return;
      if (this.#backlogged(0) && Date.now() - this.#lastProgress >= this.#stallMs()) {
        this.#drop();
      } else this.#watchStall();
    }, this.#stallMs());
  }

  #stallMs(): number {
    return this.#limits.maxStallMs ?? 1000;
  }

  #drop(): void {
    logger.warn(
      "Dropped IPC client {client}: its outgoing buffer passed {maxQueuedBytes} bytes or " +
        "{maxQueuedMessages} messages and it stopped reading",
      { client: this.id, ...this.#limits },
    );
    this.close();
  }

  /** A backlog this large is a client that stopped reading (or one far too slow to keep). */
  #overLimits(adding: number): boolean {
    const { maxQueuedBytes, maxQueuedMessages } = this.#limits;
    const bytes = this.#queuedBytes + adding;
    const messages = this.#queuedMessages + 1;
    if (bytes > maxQueuedBytes * 16 || messages > maxQueuedMessages * 16) return true;
    return this.#backlogged(adding) && Date.now() - this.#lastProgress >= this.#stallMs();
  }

  /** True when the backlog (plus `adding` bytes) passes the limits. */
  #backlogged(adding: number): boolean {
    return this.#queuedBytes + adding > this.#limits.maxQueuedBytes ||
      this.#queuedMessages + (adding ? 1 : 0) > this.#limits.maxQueuedMessages;
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
    clearTimeout(this.#stallTimer);
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
        this.#lastProgress = Date.now();
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

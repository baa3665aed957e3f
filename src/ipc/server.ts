/**
 * The daemon side of the socket: accepts clients, parses their requests and answers them through
 * a table of op handlers (`sessions`, `watch`, `version` built in; `handle()` adds more).
 * Access control is the socket file's mode and group: see `_socket_file.ts`.
 */

import { getLogger } from "@logtape/logtape";
import type { EventBus, SessionDirectory } from "../events/mod.ts";
import { IpcConnection, type IpcOpHandler } from "./connection.ts";
import { LineReader } from "./_line_reader.ts";
import { MAX_REQUEST_LINE_BYTES, proofDirOf } from "./protocol.ts";
import { Router } from "./_router.ts";
import {
  claimSocketPath,
  prepareProofDir,
  removeProofDir,
  secureSocketFile,
} from "./_socket_file.ts";
import { WatchHub } from "./_watch_hub.ts";
import { registerBuiltinOps } from "./_builtin_ops.ts";

const logger = getLogger(["sshlog", "ipc"]);

/** What an `IpcServer` serves and its limits. */
export interface IpcServerOptions {
  /** Socket file path, e.g. `DEFAULT_SOCKET_PATH`. */
  path: string;
  bus: EventBus;
  sessions: SessionDirectory;
  /** Version string answered to `version`. */
  version: string;
  /** Longest accepted request line in bytes; default `MAX_REQUEST_LINE_BYTES` (1 MiB). */
  maxLineBytes?: number;
  /** Outgoing bytes a client may have queued before it is dropped; default 4 MiB. */
  maxQueuedBytes?: number;
  /** Outgoing messages a client may have queued before it is dropped; default 10,000. */
  maxQueuedMessages?: number;
  /** How long a client over those limits may go without reading before it is dropped; 1 s. */
  maxStallMs?: number;
  /** Socket file mode; default 0o660. */
  mode?: number;
  /** Group given the socket file when it exists; default "sshlog". */
  group?: string;
}

/** Serves the daemon socket. Create, add ops with `handle()`, then `start()`; `close()` stops it. */
export class IpcServer {
  #options: IpcServerOptions;
  #router = new Router();
  #hub = new WatchHub();
  #connections = new Set<IpcConnection>();
  #tasks = new Set<Promise<void>>();
  #listener: Deno.Listener | undefined;
  #acceptLoop: Promise<void> | undefined;
  #unsubscribe: (() => void) | undefined;

  /** Prepares a server with the built-in ops; nothing listens until `start()`. */
  constructor(options: IpcServerOptions) {
    this.#options = options;
    registerBuiltinOps((op, handler) => this.handle(op, handler), options, this.#hub);
  }

  /** The socket file path. */
  get path(): string {
    return this.#options.path;
  }

  /** Number of connected clients. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Number of clients streaming events. */
  get watcherCount(): number {
    return this.#hub.size;
  }

  /** Adds (or replaces) the handler of `op`, e.g. `attach` or `kill`. */
  handle<T>(op: string, handler: IpcOpHandler<T>): void {
    this.#router.handle(op, handler);
  }

  /**
   * Listens on the socket path (replacing a stale socket file) and starts serving events.
   * @throws {IpcError} when another daemon answers on the path or a non-socket file is in the way
   */
  async start(): Promise<void> {
    const { path } = this.#options;
    await claimSocketPath(path);
    this.#listener = Deno.listen({ transport: "unix", path });
    await secureSocketFile(path, this.#options.mode ?? 0o660, this.#options.group ?? "sshlog");
    try {
      await prepareProofDir(proofDirOf(path), this.#options.group ?? "sshlog");
    } catch (error) {
      logger.error(
        "Cannot make the proof folder of {path}: attach and kill callers go unverified, and " +
          "nobody can type into a session: {error}",
        { path, error },
      );
    }
    this.#unsubscribe = this.#options.bus.subscribe((event) => this.#hub.publish(event));
    this.#acceptLoop = this.#accept(this.#listener);
    logger.info("Listening on {path}", { path });
  }

  /** Stops listening, disconnects every client and removes the socket file. */
  async close(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    try {
      this.#listener?.close();
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
    await this.#acceptLoop;
    for (const connection of this.#connections) connection.close();
    await Promise.all(this.#tasks);
    if (this.#listener !== undefined) {
      this.#listener = undefined;
      await Deno.remove(this.#options.path).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
      await removeProofDir(proofDirOf(this.#options.path));
    }
  }

  async #accept(listener: Deno.Listener): Promise<void> {
    try {
      for await (const conn of listener) {
        const task = this.#serve(conn).catch((error) => {
          logger.error("IPC connection failed: {error}", { error });
        });
        this.#tasks.add(task);
        void task.finally(() => this.#tasks.delete(task));
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) {
        logger.error("Stopped accepting IPC clients: {error}", { error });
      }
    }
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    const connection = new IpcConnection(conn, {
      maxQueuedBytes: this.#options.maxQueuedBytes ?? 4 * 1024 * 1024,
      maxQueuedMessages: this.#options.maxQueuedMessages ?? 10_000,
      maxStallMs: this.#options.maxStallMs ?? 1000,
    });
    const maxLineBytes = this.#options.maxLineBytes ?? MAX_REQUEST_LINE_BYTES;
    const reader = new LineReader(conn, maxLineBytes);
    this.#connections.add(connection);
    logger.debug("IPC client {client} connected", { client: connection.id });
    try {
      while (!connection.closed) {
        const line = await reader.next();
        if (line === null) break;
        await this.#router.route(line, connection);
      }
    } catch (error) {
      if (error instanceof RangeError) {
        logger.warn("IPC client {client} sent a line over {maxLineBytes} bytes", {
          client: connection.id,
          maxLineBytes,
        });
        connection.send({ ok: false, error: `Request line exceeds ${maxLineBytes} bytes` });
        connection.closeAfterFlush();
        await connection.whenClosed;
      } else if (!connection.closed) {
        logger.debug("IPC client {client} read failed: {error}", { client: connection.id, error });
      }
    } finally {
      connection.close();
      this.#connections.delete(connection);
      logger.debug("IPC client {client} disconnected", { client: connection.id });
    }
  }
}

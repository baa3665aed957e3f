/** Routes one request line to its op handler and turns failures into `{"ok":false}` answers. */

import { getLogger } from "@logtape/logtape";
import type { IpcConnection, IpcOpHandler } from "./connection.ts";
import { IpcError } from "./ipc_error.ts";
import { type IpcEnvelope, parseEnvelope } from "./protocol.ts";

const logger = getLogger(["sshlog", "ipc"]);
const UTF8 = new TextDecoder("utf-8", { fatal: true });

type Dispatch = (envelope: IpcEnvelope, connection: IpcConnection) => Promise<void>;

/** The table op → handler; `route` handles one line a client sent. */
export class Router {
  #handlers = new Map<string, Dispatch>();

  /** Adds (or replaces) the handler of `op`. */
  handle<T>(op: string, handler: IpcOpHandler<T>): void {
    this.#handlers.set(op, async (envelope, connection) => {
      let request: T;
      try {
        request = handler.parse(envelope);
      } catch (error) {
        if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
        connection.send({ ok: false, error: error.message });
        return;
      }
      await handler.run(request, connection);
    });
  }

  /** Parses one line and answers it; a streaming connection's lines go to its listener. */
  async route(line: Uint8Array, connection: IpcConnection): Promise<void> {
    let value: unknown;
    try {
      const text = UTF8.decode(line);
      if (text.trim() === "") return;
      value = JSON.parse(text);
    } catch {
      connection.send({ ok: false, error: "Malformed request: not a JSON line in UTF-8" });
      return;
    }
    const stream = connection.listener;
    if (stream !== undefined) return stream.onMessage?.(value);
    let envelope: IpcEnvelope;
    try {
      envelope = parseEnvelope(value);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      connection.send({ ok: false, error: error.message });
      return;
    }
    const handler = this.#handlers.get(envelope.op);
    if (handler === undefined) {
      connection.send({ ok: false, error: `Unknown op ${JSON.stringify(envelope.op)}` });
      return;
    }
    try {
      await handler(envelope, connection);
    } catch (error) {
      if (error instanceof IpcError) {
        connection.send({ ok: false, error: error.message });
        return;
      }
      const op = envelope.op;
      logger.error("IPC op {op} failed for client {client}: {error}", {
        op,
        client: connection.id,
        error,
      });
      connection.send({ ok: false, error: `Cannot handle ${JSON.stringify(op)}: internal error` });
    }
  }
}

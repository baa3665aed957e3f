/** The built-in op handlers of the daemon socket: `sessions`, `version` and `watch`. */

import type { SessionDirectory } from "../events/mod.ts";
import type { IpcOpHandler } from "./connection.ts";
import { IpcError } from "./ipc_error.ts";
import { parseWatchRequest } from "./protocol.ts";
import type { WatchFilter, WatchHub } from "./_watch_hub.ts";

/** What the built-in ops need from the server's options. */
export interface BuiltinOpsContext {
  sessions: SessionDirectory;
  version: string;
}

/** Registers a handler for an op (the server's `handle`). */
export type RegisterOp = <T>(op: string, handler: IpcOpHandler<T>) => void;

function noFields(): null {
  return null;
}

/** Registers `sessions`, `version` and `watch` through `register`. */
export function registerBuiltinOps(
  register: RegisterOp,
  context: BuiltinOpsContext,
  hub: WatchHub,
): void {
  register("sessions", {
    parse: noFields,
    run: (_request, connection) => {
      connection.send({ ok: true, sessions: context.sessions.list() });
    },
  });
  register("version", {
    parse: noFields,
    run: (_request, connection) => {
      connection.send({ ok: true, version: context.version });
    },
  });
  register("watch", {
    parse: parseWatchRequest,
    run: (request, connection) => {
      const filter: WatchFilter = {};
      if (request.types !== undefined) filter.types = new Set(request.types);
      if (request.user !== undefined) filter.user = request.user;
      if (request.injected_input_only) filter.injectedInputOnly = true;
      if (request.session !== undefined) {
        const session = context.sessions.find(request.session);
        if (session === undefined) {
          throw new IpcError(
            `No live session matches ${JSON.stringify(request.session)}`,
            "refused",
          );
        }
        filter.sessionId = session.session_id;
      }
      connection.send({ ok: true });
      hub.add(connection, filter);
    },
  });
}

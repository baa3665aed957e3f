/** Fans events out to the connections that asked to `watch`, each with its own filter. */

import { getLogger } from "@logtape/logtape";
import type { EventType, SshlogEvent } from "../events/mod.ts";
import type { IpcConnection } from "./connection.ts";
import { encodeMessage } from "./protocol.ts";

const logger = getLogger(["sshlog", "ipc"]);

/** What one watcher wants; an absent field matches everything. */
export interface WatchFilter {
  types?: ReadonlySet<EventType>;
  user?: string;
  sessionId?: string;
  /** Of terminal_input, only keystrokes an administrator injected. */
  injectedInputOnly?: boolean;
}

function matches(filter: WatchFilter, event: SshlogEvent): boolean {
  if (filter.types !== undefined && !filter.types.has(event.event_type)) return false;
  if (
    filter.injectedInputOnly && event.event_type === "terminal_input" && event.injected !== true
  ) {
    return false;
  }
  if (filter.user !== undefined && event.username !== filter.user) return false;
  if (filter.sessionId !== undefined && event.session_id !== filter.sessionId) return false;
  return true;
}

/** The set of watching connections; `publish` encodes each event at most once for all of them. */
export class WatchHub {
  #watchers = new Map<IpcConnection, WatchFilter>();

  /** Number of connections currently watching. */
  get size(): number {
    return this.#watchers.size;
  }

  /** Starts sending matching events to `connection` until it closes. */
  add(connection: IpcConnection, filter: WatchFilter): void {
    this.#watchers.set(connection, filter);
    connection.stream({
      onMessage: () => {
        connection.send({ ok: false, error: "This connection streams events: open another one" });
      },
      onClose: () => this.#watchers.delete(connection),
    });
  }

  /** Queues `event` on every matching connection; never throws and never waits. */
  publish(event: SshlogEvent): void {
    let line: Uint8Array | undefined;
    for (const [connection, filter] of this.#watchers) {
      if (!matches(filter, event)) continue;
      try {
        line ??= encodeMessage({ event });
      } catch (error) {
        logger.error("Cannot encode a {type} event for IPC clients: {error}", {
          type: event.event_type,
          error,
        });
        return;
      }
      connection.sendLine(line);
    }
  }
}

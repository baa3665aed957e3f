/** The directory of live sessions: what `sessions`, `watch --session` and attach look up. */
import type { SessionDirectory } from "../events/bus.ts";
import type { SessionSnapshot } from "../events/types.ts";
import type { Session } from "./session.ts";

/** Live sessions by session_id, in start order. */
export class LiveSessions implements SessionDirectory {
  #live = new Map<string, Session>();

  /** Adds a session that started. */
  add(session: Session): void {
    this.#live.set(session.init.id, session);
  }

  /** Removes a session that ended. */
  remove(session: Session): void {
    this.#live.delete(session.init.id);
  }

  /** Live sessions, oldest first. */
  list(): SessionSnapshot[] {
    return [...this.#live.values()].map((s) => s.snapshot());
  }

  /** A live session by session_id, TTY number or ptm_pid. */
  find(key: string): SessionSnapshot | undefined {
    return this.findSession(key)?.snapshot();
  }

  /** The live Session for a key: session_id, then TTY number, then ptm_pid. */
  findSession(key: string): Session | undefined {
    const byId = this.#live.get(key);
    if (byId) return byId;
    if (!/^\d+$/.test(key)) return undefined;
    const n = Number(key);
    const all = [...this.#live.values()];
    return all.find((s) => s.init.ttyId === n) ?? all.find((s) => s.init.ptmPid === n);
  }
}

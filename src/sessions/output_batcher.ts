/**
 * Publishes events in order while letting consecutive output of a session become one
 * terminal_update: a session's kept output is published before any other event of it, when it
 * grows past OUTPUT_COALESCE_MAX, and at the end of each batch of records.
 */
import type { SshlogEvent } from "../events/types.ts";
import type { Session } from "./session.ts";

/** Output kept for one terminal_update at most before it is published anyway. */
export const OUTPUT_COALESCE_MAX = 64 * 1024;

/** The assembler's way out to the event bus. */
export class OutputBatcher {
  #publish: (event: SshlogEvent) => void;
  /** Sessions with output read but not yet published, by session_id. */
  #unsent = new Map<string, Session>();

  constructor(publish: (event: SshlogEvent) => void) {
    this.#publish = publish;
  }

  /** Notes that `session` keeps `bytes` of unpublished output. */
  kept(session: Session, bytes: number): void {
    if (bytes >= OUTPUT_COALESCE_MAX) this.#flush(session);
    else if (bytes) this.#unsent.set(session.init.id, session);
  }

  /** Publishes an event, after the kept output of its session. */
  publish(event: SshlogEvent): void {
    const pending = event.session_id === undefined ? undefined : this.#unsent.get(event.session_id);
    if (pending) this.#flush(pending);
    this.#publish(event);
  }

  /** Publishes the kept output of every session. */
  flushAll(): void {
    for (const session of [...this.#unsent.values()]) this.#flush(session);
  }

  #flush(session: Session): void {
    this.#unsent.delete(session.init.id);
    const event = session.takeOutput();
    if (event) this.#publish(event);
  }
}

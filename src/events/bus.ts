import type { SshlogEvent } from "./types.ts";

/** A consumer of events; it must not throw and must return quickly (queue slow work). */
export type EventListener = (event: SshlogEvent) => void;

/** Fans every published event out to the current listeners, in publication order. */
export class EventBus {
  #listeners = new Set<EventListener>();

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Delivers an event to every listener; a listener that throws is removed and reported. */
  publish(event: SshlogEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#listeners.delete(listener);
        this.onListenerError(error);
      }
    }
  }

  /** Called when a listener throws; the daemon replaces it with a logger. */
  onListenerError: (error: unknown) => void = () => {};
}

/** What the daemon's session table offers to consumers (ipc, web, attach). */
export interface SessionDirectory {
  /** The live sessions, oldest first. */
  list(): import("./types.ts").SessionSnapshot[];
  /** Finds a session by session_id, TTY number or ptm_pid. */
  find(key: string): import("./types.ts").SessionSnapshot | undefined;
}

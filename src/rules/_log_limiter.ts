import type { Logger } from "@logtape/logtape";

/**
 * Keeps a repeated problem from flooding the log: the first occurrence of a key is logged at once,
 * later ones at most once per interval, with the count suppressed since.
 */
export class LogLimiter {
  #logger: Logger;
  #intervalMs: number;
  #last = new Map<string, { at: number; suppressed: number }>();

  /** Limits messages of one logger to one per key and interval. */
  constructor(logger: Logger, intervalMs = 60_000) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

  /** Logs a warning unless the same key was logged within the interval. */
  warn(key: string, message: string, properties: Record<string, unknown>): void {
    const now = Date.now();
    const seen = this.#last.get(key);
    if (seen && now - seen.at < this.#intervalMs) {
      seen.suppressed++;
      return;
    }
    if (this.#last.size > 10_000) this.#last.clear();
    this.#last.set(key, { at: now, suppressed: 0 });
    this.#logger.warn(message, { ...properties, suppressed: seen?.suppressed ?? 0 });
  }
}

/** Logs each distinct key once for the life of the object (used for fail-closed filters). */
export class LogOnce {
  #logger: Logger;
  #seen = new Set<string>();

  /** Logs through the given logger. */
  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Logs a warning the first time the key is seen. */
  warn(key: string, message: string, properties: Record<string, unknown>): void {
    if (this.#seen.has(key)) return;
    if (this.#seen.size > 10_000) return;
    this.#seen.add(key);
    this.#logger.warn(message, properties);
  }
}

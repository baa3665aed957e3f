import { getLogger } from "@logtape/logtape";
import type { ActionHandler, SshlogEvent } from "../plugins/mod.ts";
import { Fifo } from "./_fifo.ts";
import { LogLimiter } from "./_log_limiter.ts";
import { errorMessage } from "../error_message.ts";

const log = getLogger(["sshlog", "rules"]);
/** Work an action queue does before it lets the event loop (capture) run, ms. */
const SLICE_MS = 4;

/** Options of {@linkcode ActionQueue}. */
export interface ActionQueueOptions {
  /** Events that may wait; a full queue drops the new event and counts it [10000]. */
  capacity?: number;
  /**
   * Memory the waiting events may hold, in bytes (terminal data counted at three bytes per byte:
   * the raw bytes and their text); past it new events are dropped and counted like a full queue,
   * so that a flood of output cannot grow the daemon without bound [64 MiB].
   */
  maxBytes?: number;
  /** Longest time one call may take unless the handler says otherwise, ms [30000]. */
  timeoutMs?: number;
}

/** Counters of one action queue. */
export interface ActionQueueStats {
  readonly action: string;
  readonly queued: number;
  readonly delivered: number;
  readonly failed: number;
  readonly timedOut: number;
  /** Events refused because the queue was full (or dropped at a stop deadline). */
  readonly dropped: number;
}

interface Item {
  readonly event: SshlogEvent;
  readonly rule: string;
  /** What the event holds in memory, roughly: {@linkcode weightOf}. */
  readonly weight: number;
}

/** Bytes an event holds while it waits: its fields plus its terminal data and command output. */
function weightOf(event: SshlogEvent): number {
  const fields = event as { data_len?: unknown; stdout?: unknown };
  const data = typeof fields.data_len === "number" ? fields.data_len * 3 : 0;
  const stdout = typeof fields.stdout === "string" ? fields.stdout.length * 2 : 0;
  return 512 + data + stdout;
}

interface Lane {
  readonly items: Fifo<Item>;
  busy: boolean;
}

function laneKey(event: SshlogEvent): string {
  const fields = event as { session_id?: unknown; ptm_pid?: unknown };
  if (typeof fields.session_id === "string") return fields.session_id;
  return typeof fields.ptm_pid === "number" ? `ptm:${fields.ptm_pid}` : "";
}

/**
 * The bounded queue in front of one action. Events of one session are handled one at a time, in
 * order; with concurrency 1 every event is (one global order). Each call has a timeout; a hung or
 * failing call is logged and skipped, and never blocks `push` (the capture path).
 */
export class ActionQueue {
  readonly name: string;
  #handler: ActionHandler;
  #capacity: number;
  #maxBytes: number;
  #bytes = 0;
  #timeoutMs: number;
  #concurrency: number;
  #lanes = new Map<string, Lane>();
  #ready = new Fifo<string>();
  #size = 0;
  #active = 0;
  #idle: (() => void)[] = [];
  #stopping = new AbortController();
  #closed = false;
  #counts = { delivered: 0, failed: 0, timedOut: 0, dropped: 0 };
  #limiter = new LogLimiter(log);
  #sliceStart = performance.now();

  /** Puts a queue in front of a running action handler. */
  constructor(name: string, handler: ActionHandler, options: ActionQueueOptions = {}) {
    this.name = name;
    this.#handler = handler;
    this.#capacity = options.capacity ?? 10_000;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#timeoutMs = handler.timeoutMs ?? options.timeoutMs ?? 30_000;
    this.#concurrency = Math.max(1, Math.floor(handler.concurrency ?? 1));
  }

  /** Queues an event for the action; returns false (and counts a drop) when the queue is full. */
  push(event: SshlogEvent, rule: string): boolean {
    const weight = weightOf(event);
    // One event alone is always taken, however large: only waiting ones count against the limit.
    const overBytes = this.#size > 0 && this.#bytes + weight > this.#maxBytes;
    if (this.#closed || this.#size >= this.#capacity || overBytes) {
      this.#counts.dropped++;
      this.#limiter.warn(
        "full",
        "Action {action} queue is full ({queued} events, {bytes} bytes waiting): dropped " +
          "{dropped} events so far",
        {
          action: this.name,
          dropped: this.#counts.dropped,
          queued: this.#size,
          bytes: this.#bytes,
        },
      );
      return false;
    }
    const key = this.#concurrency === 1 ? "" : laneKey(event);
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { items: new Fifo(), busy: false };
      this.#lanes.set(key, lane);
    }
    lane.items.push({ event, rule, weight });
    this.#size++;
    this.#bytes += weight;
    if (!lane.busy && lane.items.length === 1) this.#ready.push(key);
    this.#pump();
    return true;
  }

  /** The queue's counters. */
  stats(): ActionQueueStats {
    return { action: this.name, queued: this.#size, ...this.#counts };
  }

  /** Resolves once every queued event has been handled (or has timed out). */
  drained(): Promise<void> {
    if (this.#size === 0 && this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Stops taking events, lets the queue drain for at most `deadlineMs`, then aborts what is left
   * (counted as dropped) and closes the handler.
   */
  async close(deadlineMs = 10_000): Promise<void> {
    this.#closed = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    await Promise.race([this.drained(), deadline]);
    clearTimeout(timer);
    for (const lane of this.#lanes.values()) this.#counts.dropped += lane.items.clear();
    this.#size = 0;
    this.#bytes = 0;
    this.#stopping.abort();
    try {
      await this.#handler.close?.();
    } catch (error) {
      log.error("Action {action} failed to close: {error}", { action: this.name, error });
    }
  }

  #pump(): void {
    while (this.#active < this.#concurrency && this.#ready.length > 0) {
      const key = this.#ready.shift()!;
      const lane = this.#lanes.get(key);
      const item = lane?.items.shift();
      if (!lane || !item) continue;
      lane.busy = true;
      this.#active++;
      this.#size--;
      this.#bytes -= item.weight;
      this.#call(item).finally(() => {
        lane.busy = false;
        this.#active--;
        if (lane.items.length > 0) this.#ready.push(key);
        else this.#lanes.delete(key);
        this.#pump();
        if (this.#size === 0 && this.#active === 0) {
          for (const resolve of this.#idle.splice(0)) resolve();
        }
      });
    }
  }

  async #call(item: Item): Promise<void> {
    // Calls that finish at once chain as microtasks, which would keep the event loop (and so
    // the tracer draining the ring buffer) waiting until the queue is empty: give it a turn.
    if (performance.now() - this.#sliceStart > SLICE_MS) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      this.#sliceStart = performance.now();
    }
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, this.#stopping.signal]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.#timeoutMs);
    });
    const properties = {
      action: this.name,
      rule: item.rule,
      sessionId: (item.event as { session_id?: string }).session_id ?? null,
      eventType: item.event.event_type,
    };
    try {
      const call = Promise.resolve().then(() =>
        this.#handler.handle(item.event, { rule: item.rule, signal })
      );
      const result = await Promise.race([call, timeout]);
      if (result === "timeout") {
        controller.abort();
        this.#counts.timedOut++;
        call.catch(() => {}); // it may still fail later; it was reported as timed out
        this.#limiter.warn(
          "timeout",
          "Action {action} timed out after {ms} ms (rule {rule}, session {sessionId})",
          {
            ...properties,
            ms: this.#timeoutMs,
          },
        );
      } else {
        this.#counts.delivered++;
      }
    } catch (error) {
      this.#counts.failed++;
      this.#limiter.warn(
        "failed",
        "Action {action} failed (rule {rule}, session {sessionId}): {error}",
        {
          ...properties,
          error: errorMessage(error),
        },
      );
    } finally {
      clearTimeout(timer);
    }
  }
}

import { getLogger } from "@logtape/logtape";
import type { ActionBinding, CompiledConfig, CompiledRule } from "../config/mod.ts";
import type { EventBus } from "../events/mod.ts";
import type { ActionHandler, SshlogEvent } from "../plugins/mod.ts";
import { LogOnce } from "./_log_limiter.ts";
import { ActionQueue, type ActionQueueOptions, type ActionQueueStats } from "./action_queue.ts";
import { errorMessage } from "../error_message.ts";

const log = getLogger(["sshlog", "rules"]);

/** Options of {@linkcode RuleEngine}. */
export interface RuleEngineOptions extends ActionQueueOptions {
  /** Longest wait for an action to start (open files, connect), ms [10000]. */
  createTimeoutMs?: number;
  /** Longest drain of a removed or stopped action's queue, ms [10000]. */
  drainTimeoutMs?: number;
}

function byTrigger(rules: readonly CompiledRule[]): Map<string, CompiledRule[]> {
  const index = new Map<string, CompiledRule[]>();
  for (const rule of rules) {
    for (const trigger of rule.triggers) {
      const list = index.get(trigger) ?? [];
      list.push(rule);
      index.set(trigger, list);
    }
  }
  return index;
}

/**
 * Turns events into actions: each event goes through the rules of its type, whose filters must
 * all pass (failing closed), then into the bounded queue of each matching action (once per event).
 * An action that follows sessions also gets the later events of the sessions it was given.
 */
export class RuleEngine {
  #options: RuleEngineOptions;
  #index: Map<string, CompiledRule[]>;
  #config: CompiledConfig;
  #queues = new Map<string, ActionQueue>();
  #stamps = new WeakMap<ActionQueue, number>();
  #stamp = 0;
  #unsubscribe: (() => void) | undefined;
  #closing = new Set<Promise<void>>();
  #failClosed = new LogOnce(log);
  /** Queues of actions that follow sessions: the types they follow and the sessions, by rule. */
  #followers = new Map<
    ActionQueue,
    { types: ReadonlySet<string>; sessions: Map<string, string> }
  >();

  /** Prepares an engine for a compiled configuration; nothing runs before `start`. */
  constructor(config: CompiledConfig, options: RuleEngineOptions = {}) {
    this.#config = config;
    this.#index = byTrigger(config.rules);
    this.#options = options;
  }

  /** Starts the actions (a failing one is logged and left out) and subscribes to the bus. */
  async start(bus: EventBus): Promise<void> {
    await this.#startActions(this.#config.actions);
    this.#unsubscribe = bus.subscribe((event) => this.dispatch(event));
    log.info("Rules active: {rules} rules, {actions} actions", {
      rules: this.#config.rules.length,
      actions: this.#queues.size,
    });
  }

  /**
   * Switches to a new (valid) configuration, e.g. on SIGHUP. Actions whose name and parameters
   * are unchanged keep running with their queues; removed ones drain and close in the background.
   */
  async reload(config: CompiledConfig): Promise<void> {
    const wanted = new Set(config.actions.map((binding) => binding.key));
    await this.#startActions(config.actions.filter((binding) => !this.#queues.has(binding.key)));
    this.#config = config;
    this.#index = byTrigger(config.rules);
    for (const [key, queue] of this.#queues) {
      if (wanted.has(key)) continue; // sessions it follows go on to their close
      this.#queues.delete(key);
      this.#followers.delete(queue);
      this.#track(queue.close(this.#options.drainTimeoutMs));
    }
    log.info("Configuration reloaded: {rules} rules, {actions} actions", {
      rules: config.rules.length,
      actions: this.#queues.size,
    });
  }

  /** Unsubscribes, then drains every queue (each for at most the drain timeout) and closes actions. */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    const queues = [...this.#queues.values()];
    this.#queues.clear();
    this.#followers.clear();
    for (const queue of queues) this.#track(queue.close(this.#options.drainTimeoutMs));
    await Promise.all([...this.#closing]);
  }

  /** Counters of every running action's queue. */
  stats(): ActionQueueStats[] {
    return [...this.#queues.values()].map((queue) => queue.stats());
  }

  /** Routes one event; synchronous and cheap, as the bus requires. Called by the bus listener. */
  dispatch(event: SshlogEvent): void {
    const rules = this.#index.get(event.event_type);
    const stamp = ++this.#stamp;
    for (const rule of rules ?? []) {
      if (!this.#passes(rule, event)) continue;
      for (const binding of rule.actions) {
        const queue = this.#queues.get(binding.key);
        if (!queue || this.#stamps.get(queue) === stamp) continue;
        this.#stamps.set(queue, stamp);
        queue.push(event, rule.name);
        const follower = this.#followers.get(queue);
        if (follower && typeof event.session_id === "string") {
          follower.sessions.set(event.session_id, rule.name);
        }
      }
    }
    if (this.#followers.size > 0) this.#deliverFollowed(event, stamp);
  }

  /**
   * Gives a session's event to the actions that follow that session, and an event of no session
   * (capture_gap) to those following any session; once per event.
   */
  #deliverFollowed(event: SshlogEvent, stamp: number): void {
    const sessionId = event.session_id;
    for (const [queue, follower] of this.#followers) {
      const rule = typeof sessionId === "string"
        ? follower.sessions.get(sessionId)
        : follower.sessions.values().next().value;
      if (rule === undefined) continue;
      if (this.#stamps.get(queue) !== stamp && follower.types.has(event.event_type)) {
        this.#stamps.set(queue, stamp);
        queue.push(event, rule);
      }
      if (event.event_type === "connection_close" && typeof sessionId === "string") {
        follower.sessions.delete(sessionId);
      }
    }
  }

  #passes(rule: CompiledRule, event: SshlogEvent): boolean {
    for (const filter of rule.filters) {
      if (!filter.triggers.has(event.event_type)) continue;
      let result: unknown;
      try {
        result = filter.test(event);
      } catch (error) {
        this.#failClosed.warn(
          `${rule.name}\0${filter.name}\0${errorMessage(error)}`,
          "Filter {filter} of rule {rule} cannot evaluate an event, so it is dropped: {reason}",
          {
            filter: filter.name,
            rule: rule.name,
            where: filter.where,
            reason: errorMessage(error),
          },
        );
        return false;
      }
      if (result === true) continue;
      if (result !== false) {
        this.#failClosed.warn(
          `${rule.name}\0${filter.name}\0type`,
          "Filter {filter} of rule {rule} returned {result}, not a boolean: events are dropped",
          {
            filter: filter.name,
            rule: rule.name,
            result: String(result),
          },
        );
      }
      return false;
    }
    return true;
  }

  async #startActions(bindings: readonly ActionBinding[]): Promise<void> {
    const timeoutMs = this.#options.createTimeoutMs ?? 10_000;
    await Promise.all(bindings.map(async (binding) => {
      const logger = getLogger(["sshlog", "actions", binding.name]);
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const created = Promise.resolve().then(() =>
          binding.plugin.create(binding.params, { name: binding.name, logger })
        );
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`No result after ${timeoutMs} ms`)), timeoutMs);
        });
        const handler: ActionHandler = await Promise.race([created, timeout]);
        const queue = new ActionQueue(binding.name, handler, this.#options);
        this.#queues.set(binding.key, queue);
        if (handler.followSessions?.length) {
          this.#followers.set(queue, {
            types: new Set(handler.followSessions),
            sessions: new Map(),
          });
        }
      } catch (error) {
        log.error("Action {action} ({plugin}) cannot start and is disabled: {reason}", {
          action: binding.name,
          plugin: binding.plugin.name,
          where: binding.where,
          reason: errorMessage(error),
        });
      } finally {
        clearTimeout(timer);
      }
    }));
  }

  #track(promise: Promise<void>): void {
    this.#closing.add(promise);
    promise.finally(() => this.#closing.delete(promise));
  }
}

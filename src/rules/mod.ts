/**
 * The rule engine: events → rules (triggers, filters) → per-action ordered, bounded queues.
 * @module
 */
export { RuleEngine, type RuleEngineOptions } from "./engine.ts";
export { ActionQueue, type ActionQueueOptions, type ActionQueueStats } from "./action_queue.ts";

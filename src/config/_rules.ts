import { getLogger } from "@logtape/logtape";
import { EVENT_TYPES } from "../plugins/mod.ts";
import { type ActionScope, resolveAction, textEntry, whereOf } from "./_actions.ts";
import { describeNode, plainValue, type YEntry, type YMap, type YNode } from "./_yaml_tree.ts";
import type { ProblemList } from "./errors.ts";
import type { ActionBinding, CompiledFilter, CompiledRule } from "./types.ts";
import { errorMessage } from "../error_message.ts";

const EVENT_KEYS = ["event", "triggers", "filters", "actions"];
const KNOWN_TRIGGERS = new Set<string>(EVENT_TYPES);
/** Triggers of the original agent that this version never emits; accepted with a warning. */
const LEGACY_TRIGGERS: Record<string, string> = {
  "connection_new": `Trigger "connection_new" is never emitted by this version: ` +
    `use "connection_established" (or "connection_auth_failed" for failed logins)`,
};

/** What checking an event needs besides the action scope. */
export interface RuleScope extends ActionScope {
  /** Rule names seen so far, with where. */
  readonly ruleNames: Map<string, string>;
}

function checkTriggers(
  file: string,
  name: string,
  entry: YEntry | undefined,
  pos: YMap["pos"],
  scope: RuleScope,
): Set<string> {
  const { problems } = scope;
  const triggers = new Set<string>();
  if (!entry) {
    problems.error(
      file,
      pos,
      `Event "${name}" has no triggers: add "triggers: [command_start, …]"`,
    );
    return triggers;
  }
  const items: YNode[] = entry.value.kind === "seq" ? [...entry.value.items] : [entry.value];
  if (entry.value.kind === "map" || items.length === 0) {
    problems.error(
      file,
      entry.value.pos,
      `"triggers" of event "${name}" must be a non-empty list of event types`,
    );
    return triggers;
  }
  for (const item of items) {
    const trigger = item.kind === "scalar" && typeof item.value === "string"
      ? item.value
      : undefined;
    if (trigger !== undefined && KNOWN_TRIGGERS.has(trigger)) triggers.add(trigger);
    else if (trigger !== undefined && trigger in LEGACY_TRIGGERS) {
      problems.warn(file, item.pos, LEGACY_TRIGGERS[trigger]!);
    } else {
      problems.error(
        file,
        item.pos,
        `Unknown trigger ${describeNode(item)} (known: ${EVENT_TYPES.join(", ")})`,
      );
    }
  }
  return triggers;
}

function checkFilters(
  file: string,
  rule: string,
  triggers: Set<string>,
  node: YNode | undefined,
  scope: RuleScope,
): CompiledFilter[] {
  const { problems, registry } = scope;
  if (!node || (node.kind === "scalar" && node.value === null)) return [];
  if (node.kind !== "map") {
    problems.error(
      file,
      node.pos,
      `"filters" of event "${rule}" must be a mapping of filter names to values`,
    );
    return [];
  }
  const filters: CompiledFilter[] = [];
  for (const entry of node.entries) {
    const plugin = registry.filter(entry.key);
    if (!plugin) {
      const failed = [...registry.failures().keys()];
      const hint = failed.length > 0
        ? `; plug-in files that failed to load: ${failed.join(", ")}`
        : "";
      problems.error(
        file,
        entry.keyPos,
        `Unknown filter "${entry.key}" (known: ${registry.filterNames().join(", ")}${hint})`,
      );
      continue;
    }
    const judged = new Set(plugin.triggers.filter((t) => triggers.has(t)));
    if (triggers.size > 0 && judged.size === 0) {
      problems.error(
        file,
        entry.keyPos,
        `Filter "${entry.key}" cannot apply to triggers ${[...triggers].join(", ")}: ` +
          `it judges only ${plugin.triggers.join(", ")}`,
      );
      continue;
    }
    try {
      const logger = getLogger(["sshlog", "filters", entry.key]);
      const test = plugin.create(plainValue(entry.value), { rule, logger });
      filters.push({ name: entry.key, triggers: judged, test, where: whereOf(file, entry.keyPos) });
    } catch (error) {
      const message = errorMessage(error);
      problems.error(file, entry.value.pos, `Filter "${entry.key}": ${message}`, error);
    }
  }
  return filters;
}

function checkActions(
  file: string,
  rule: string,
  node: YNode | undefined,
  pos: YMap["pos"],
  scope: RuleScope,
): ActionBinding[] {
  const { problems } = scope;
  if (!node || node.kind !== "seq" || node.items.length === 0) {
    problems.error(file, node?.pos ?? pos, `Event "${rule}" needs a non-empty "actions:" list`);
    return [];
  }
  const bindings = new Map<string, ActionBinding>();
  for (const item of node.items) {
    if (item.kind !== "map") {
      problems.error(
        file,
        item.pos,
        `Each action of event "${rule}" must be a mapping with "action:"`,
      );
      continue;
    }
    const binding = resolveAction(file, item, scope);
    if (binding && !bindings.has(binding.key)) bindings.set(binding.key, binding);
  }
  return [...bindings.values()];
}

/** Checks one item of `events:` and compiles it; undefined when it has errors (all recorded). */
export function checkRule(file: string, node: YNode, scope: RuleScope): CompiledRule | undefined {
  const problems: ProblemList = scope.problems;
  if (node.kind !== "map") {
    problems.error(
      file,
      node.pos,
      `Each item of "events" must be a mapping with "event", "triggers" and "actions"`,
    );
    return undefined;
  }
  const before = problems.errors.length;
  const entries = new Map(node.entries.map((entry) => [entry.key, entry]));
  const nameEntry = entries.get("event");
  const name = nameEntry ? textEntry(file, nameEntry, problems) : undefined;
  if (!nameEntry) problems.error(file, node.pos, `Event needs a name: add "event: NAME"`);
  const label = name ?? "(unnamed)";
  for (const entry of node.entries) {
    if (!EVENT_KEYS.includes(entry.key)) {
      problems.error(
        file,
        entry.keyPos,
        `Unknown key "${entry.key}" in event "${label}" (expected ${EVENT_KEYS.join(", ")})`,
      );
    }
  }
  if (name !== undefined) {
    const first = scope.ruleNames.get(name);
    if (first) {
      problems.error(
        file,
        nameEntry!.value.pos,
        `Duplicate event name "${name}": first defined at ${first}`,
      );
    } else scope.ruleNames.set(name, whereOf(file, nameEntry!.value.pos));
  }
  const triggers = checkTriggers(file, label, entries.get("triggers"), node.pos, scope);
  const filters = checkFilters(file, label, triggers, entries.get("filters")?.value, scope);
  const actions = checkActions(file, label, entries.get("actions")?.value, node.pos, scope);
  if (entries.has("triggers") && triggers.size === 0 && problems.errors.length === before) {
    problems.warn(
      file,
      node.pos,
      `Event "${label}" has no trigger this version emits: it never fires`,
    );
  }
  if (problems.errors.length > before || name === undefined) return undefined;
  return { name, triggers, filters, actions, where: whereOf(file, node.pos) };
}

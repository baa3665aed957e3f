import type { ActionPlugin, ParamSpecs, ParamValues, PluginRegistry } from "../plugins/mod.ts";
import { checkParams, completeParams } from "./_params.ts";
import type { YEntry, YMap } from "./_yaml_tree.ts";
import type { ProblemList, SourcePosition } from "./errors.ts";
import type { ActionBinding } from "./types.ts";

/** An action defined with `plugin:` (top level or inline in an event). */
export interface ActionDef {
  readonly name: string;
  readonly file: string;
  readonly pos: SourcePosition;
  /** Undefined when the plug-in is unknown (already reported). */
  readonly plugin: ActionPlugin | undefined;
  readonly given: ReadonlyMap<string, unknown>;
}

/** What action checks share across files. */
export interface ActionScope {
  readonly registry: PluginRegistry;
  readonly problems: ProblemList;
  readonly defs: Map<string, ActionDef>;
  /** Inline definitions by their YAML node, so the event that holds one finds it. */
  readonly inline: Map<YMap, ActionDef>;
}

/** `FILE:LINE:COL`. */
export function whereOf(file: string, pos: SourcePosition): string {
  return `${file}:${pos.line}:${pos.col}`;
}

/** The text of an entry that must be a non-empty string, or undefined (with an error recorded). */
export function textEntry(file: string, entry: YEntry, problems: ProblemList): string | undefined {
  const node = entry.value;
  if (node.kind === "scalar" && node.value !== null && node.text !== "") {
    return typeof node.value === "string" ? node.value : node.text;
  }
  problems.error(file, node.pos, `"${entry.key}" must be a name`);
  return undefined;
}

function unknownPlugin(name: string, registry: PluginRegistry): string {
  const failed = [...registry.failures().keys()];
  const hint = failed.length > 0 ? `; plug-in files that failed to load: ${failed.join(", ")}` : "";
  return `Unknown action plug-in "${name}" (known: ${registry.actionNames().join(", ")}${hint})`;
}

/** Records an action definition (a mapping with `plugin:`); reports duplicates and bad parameters. */
export function defineAction(file: string, node: YMap, scope: ActionScope): void {
  const { problems, registry } = scope;
  const nameEntry = node.entries.find((entry) => entry.key === "action");
  const pluginEntry = node.entries.find((entry) => entry.key === "plugin");
  if (!nameEntry) problems.error(file, node.pos, `Action needs a name: add "action: NAME"`);
  if (!pluginEntry) problems.error(file, node.pos, `Action needs a plug-in: add "plugin: NAME"`);
  const name = nameEntry && textEntry(file, nameEntry, problems);
  const pluginName = pluginEntry && textEntry(file, pluginEntry, problems);
  const plugin = pluginName === undefined ? undefined : registry.action(pluginName);
  if (pluginName !== undefined && !plugin) {
    problems.error(file, pluginEntry!.value.pos, unknownPlugin(pluginName, registry));
  }
  const rest = node.entries.filter((entry) => entry.key !== "action" && entry.key !== "plugin");
  const given = plugin ? checkParams(file, plugin.name, plugin.params, rest, problems) : new Map();
  if (name === undefined) return;
  const def: ActionDef = { name, file, pos: node.pos, plugin, given };
  const first = scope.defs.get(name);
  if (first) {
    problems.error(
      file,
      nameEntry!.value.pos,
      `Duplicate action name "${name}": first defined at ${whereOf(first.file, first.pos)}`,
    );
  } else {
    scope.defs.set(name, def);
  }
  scope.inline.set(node, def);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Completes and checks a definition's parameters (with overrides) into a binding. */
export function bindAction(
  file: string,
  pos: SourcePosition,
  def: ActionDef,
  overrides: ReadonlyMap<string, unknown>,
  problems: ProblemList,
): ActionBinding | undefined {
  const plugin = def.plugin;
  if (!plugin) return undefined;
  const { params, missing } = completeParams(plugin.params, new Map([...def.given, ...overrides]));
  const label = `Action "${def.name}" (${plugin.name})`;
  for (const key of missing) problems.error(file, pos, `${label} is missing parameter "${key}"`);
  if (missing.length > 0) return undefined;
  // The values were checked against the declarations by checkParams and completeParams.
  const values = params as ParamValues<ParamSpecs>;
  let complaints: string[];
  try {
    complaints = plugin.check?.(values) ?? [];
  } catch (error) {
    complaints = [`its parameter check failed: ${error instanceof Error ? error.message : error}`];
  }
  for (const complaint of complaints) problems.error(file, pos, `${label}: ${complaint}`);
  if (complaints.length > 0) return undefined;
  const where = whereOf(def.file, def.pos);
  return {
    key: `${def.name}\u0000${stableJson(params)}`,
    name: def.name,
    plugin,
    params: values,
    where,
  };
}

/** Resolves one item of an event's `actions:` list: an inline definition or a reference. */
export function resolveAction(
  file: string,
  node: YMap,
  scope: ActionScope,
): ActionBinding | undefined {
  const { problems } = scope;
  const inline = scope.inline.get(node);
  if (inline) return bindAction(file, node.pos, inline, new Map(), problems);
  if (node.entries.some((entry) => entry.key === "plugin")) return undefined; // reported already
  const nameEntry = node.entries.find((entry) => entry.key === "action");
  if (!nameEntry) {
    problems.error(file, node.pos, `Action needs a name: add "action: NAME"`);
    return undefined;
  }
  const name = textEntry(file, nameEntry, problems);
  if (name === undefined) return undefined;
  const def = scope.defs.get(name);
  if (!def) {
    problems.error(
      file,
      nameEntry.value.pos,
      `Action "${name}" is not defined: define it under the top-level "actions:" or add "plugin:"`,
    );
    return undefined;
  }
  if (!def.plugin) return undefined;
  const rest = node.entries.filter((entry) => entry.key !== "action");
  const overrides = checkParams(file, def.plugin.name, def.plugin.params, rest, problems);
  return bindAction(file, node.pos, def, overrides, problems);
}

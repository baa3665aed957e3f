import type { PluginLoadReport, PluginRegistry } from "../plugins/mod.ts";
import { defineAction } from "./_actions.ts";
import { checkRule, type RuleScope } from "./_rules.ts";
import { parseYamlTree, type YMap, type YNode } from "./_yaml_tree.ts";
import { type ConfigError, ProblemList } from "./errors.ts";
import type { ActionBinding, CompiledRule, LoadResult } from "./types.ts";

/** One configuration file's name and text. */
export interface ConfigSource {
  readonly path: string;
  readonly text: string;
}

/** Options of {@linkcode compileConfig}. */
export interface CompileOptions {
  /** Reports of the plug-in files loaded into the registry [none]. */
  plugins?: readonly PluginLoadReport[];
  /** Problems found before compiling (unreadable files) [none]. */
  problems?: ProblemList;
}

const TOP_KEYS = ["events", "actions"];

interface FileTree {
  readonly path: string;
  readonly events: readonly YNode[];
  readonly actions: readonly YNode[];
}

function listOf(
  path: string,
  key: string,
  node: YNode | undefined,
  problems: ProblemList,
): YNode[] {
  if (!node || (node.kind === "scalar" && node.value === null)) return [];
  if (node.kind === "seq") return [...node.items];
  problems.error(path, node.pos, `"${key}" must be a list`);
  return [];
}

function readTop(source: ConfigSource, problems: ProblemList): FileTree | undefined {
  const tree = parseYamlTree(source.path, source.text, problems);
  if (tree === undefined) return undefined;
  if (tree === null || (tree.kind === "scalar" && tree.value === null)) {
    problems.error(
      source.path,
      { line: 1, col: 1 },
      `Configuration file is empty: add an "events:" list or remove the file`,
    );
    return undefined;
  }
  if (tree.kind !== "map") {
    problems.error(
      source.path,
      tree.pos,
      `A configuration file must be a mapping with "events:" and optionally "actions:"`,
    );
    return undefined;
  }
  for (const entry of tree.entries) {
    if (!TOP_KEYS.includes(entry.key)) {
      problems.error(
        source.path,
        entry.keyPos,
        `Unknown top-level key "${entry.key}" (expected events, actions)`,
      );
    }
  }
  const get = (key: string) => tree.entries.find((entry) => entry.key === key)?.value;
  return {
    path: source.path,
    events: listOf(source.path, "events", get("events"), problems),
    actions: listOf(source.path, "actions", get("actions"), problems),
  };
}

function inlineActions(event: YNode): YMap[] {
  if (event.kind !== "map") return [];
  const actions = event.entries.find((entry) => entry.key === "actions")?.value;
  if (!actions || actions.kind !== "seq") return [];
  return actions.items.filter((item): item is YMap =>
    item.kind === "map" && item.entries.some((entry) => entry.key === "plugin")
  );
}

/**
 * Checks and compiles configuration files (in the given order) against the known filters and
 * actions. Every problem is reported, each with its file, line and column.
 */
export function compileConfig(
  sources: readonly ConfigSource[],
  registry: PluginRegistry,
  options: CompileOptions = {},
): LoadResult {
  const problems = options.problems ?? new ProblemList();
  const files = sources.map((source) => readTop(source, problems));
  const scope: RuleScope = {
    registry,
    problems,
    defs: new Map(),
    inline: new Map(),
    ruleNames: new Map(),
  };
  // Pass 1: every action definition of every file, so references may point to any file.
  for (const file of files) {
    if (!file) continue;
    for (const node of file.actions) {
      if (node.kind === "map") defineAction(file.path, node, scope);
      else {problems.error(
          file.path,
          node.pos,
          `Each item of "actions" must be a mapping with "action" and "plugin"`,
        );}
    }
    for (const event of file.events) {
      for (const node of inlineActions(event)) defineAction(file.path, node, scope);
    }
  }
  // Pass 2: the rules.
  const rules: CompiledRule[] = [];
  for (const file of files) {
    for (const event of file?.events ?? []) {
      const rule = checkRule(file!.path, event, scope);
      if (rule) rules.push(rule);
    }
  }
  if (problems.errors.length > 0) {
    return {
      ok: false,
      errors: sortProblems(problems.errors, sources),
      warnings: sortProblems(problems.warnings, sources),
    };
  }
  const actions = new Map<string, ActionBinding>();
  for (const rule of rules) for (const action of rule.actions) actions.set(action.key, action);
  return {
    ok: true,
    config: {
      files: sources.map((source) => source.path),
      rules,
      actions: [...actions.values()],
      warnings: sortProblems(problems.warnings, sources),
      plugins: options.plugins ?? [],
    },
  };
}

/** Sorts problems by file (in reading order; directories first), then line and column. */
function sortProblems(
  errors: readonly ConfigError[],
  sources: readonly ConfigSource[],
): ConfigError[] {
  const order = new Map<string, number>(sources.map((source, index) => [source.path, index]));
  for (const error of errors) if (!order.has(error.file)) order.set(error.file, -1);
  return [...errors].sort((a, b) =>
    (order.get(a.file)! - order.get(b.file)!) || a.line - b.line || a.col - b.col
  );
}

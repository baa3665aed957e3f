import type {
  ActionPlugin,
  EventTest,
  ParamSpecs,
  ParamValues,
  PluginLoadReport,
} from "../plugins/mod.ts";
import type { ConfigError } from "./errors.ts";

/** A filter of a rule, ready to run. */
export interface CompiledFilter {
  /** The YAML key, e.g. `username_regex`. */
  readonly name: string;
  /** The event types it judges; on the rule's other triggers it is not consulted. */
  readonly triggers: ReadonlySet<string>;
  readonly test: EventTest;
  /** `FILE:LINE:COL` of its key, for log messages. */
  readonly where: string;
}

/**
 * One action instance: a plug-in with complete, validated parameters. Rules that use the same
 * action with the same parameters share one binding (one queue, one open file).
 */
export interface ActionBinding {
  /** Identity: the name plus the parameters; equal keys across reloads keep the running instance. */
  readonly key: string;
  /** The YAML `action:` name. */
  readonly name: string;
  readonly plugin: ActionPlugin;
  /** Complete and checked against the plug-in's declarations. */
  readonly params: ParamValues<ParamSpecs>;
  /** `FILE:LINE:COL` of its definition. */
  readonly where: string;
}

/** One rule (a YAML `events:` item): triggers, filters (all must pass) and actions. */
export interface CompiledRule {
  /** The YAML `event:` name. */
  readonly name: string;
  readonly triggers: ReadonlySet<string>;
  readonly filters: readonly CompiledFilter[];
  readonly actions: readonly ActionBinding[];
  readonly where: string;
}

/** A configuration that passed every check. */
export interface CompiledConfig {
  /** The YAML files read, in the order read. */
  readonly files: readonly string[];
  readonly rules: readonly CompiledRule[];
  /** Every distinct action binding used by a rule. */
  readonly actions: readonly ActionBinding[];
  readonly warnings: readonly ConfigError[];
  readonly plugins: readonly PluginLoadReport[];
}

/** What loading gives: a compiled configuration, or every problem found. */
export type LoadResult =
  | { readonly ok: true; readonly config: CompiledConfig }
  | {
    readonly ok: false;
    readonly errors: readonly ConfigError[];
    readonly warnings: readonly ConfigError[];
  };

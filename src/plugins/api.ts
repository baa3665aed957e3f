/**
 * The plug-in API of SPEC §6: the types a filter or action plug-in is written against. Built-in
 * filters and actions implement the same interfaces. Plug-ins import these types only
 * (`import type`), so a plug-in file needs nothing from the product at run time.
 */
import type { EventType, SshlogEvent } from "../events/mod.ts";

export type { EventType, SshlogEvent } from "../events/mod.ts";
export { EVENT_TYPES } from "../events/mod.ts";

/** A structured logger handed to plug-ins; properties are logged as data, not glued into text. */
export interface PluginLogger {
  /** Logs detail useful only while debugging. */
  debug(message: string, properties?: Record<string, unknown>): void;
  /** Logs a normal event. */
  info(message: string, properties?: Record<string, unknown>): void;
  /** Logs a problem the plug-in recovered from. */
  warn(message: string, properties?: Record<string, unknown>): void;
  /** Logs a failure. */
  error(message: string, properties?: Record<string, unknown>): void;
}

/** Decides whether an event passes; returning false drops it, throwing drops it too (fail closed). */
export type EventTest = (event: SshlogEvent) => boolean;

/** What a filter receives when the configuration is compiled. */
export interface FilterContext {
  /** The rule (YAML `event:` name) the filter belongs to. */
  readonly rule: string;
  /** A logger whose category names the filter. */
  readonly logger: PluginLogger;
}

/** A filter: YAML names it by its key under `filters:`, its value is the argument. */
export interface FilterPlugin {
  readonly kind: "filter";
  /** The YAML key, e.g. `username_regex`. */
  readonly name: string;
  /** One line for `docs/configuration.md` and error messages. */
  readonly description?: string;
  /** Event types the filter can judge; on other triggers of the rule it is not consulted. */
  readonly triggers: readonly string[];
  /**
   * Checks the YAML argument and returns the test. Throw a `TypeError`, `RangeError` or
   * `SyntaxError` with a message to reject the argument: it is reported at its line and column.
   */
  create(argument: unknown, context: FilterContext): EventTest;
}

/** The value types an action parameter may take. */
export type ParamType =
  | "string"
  | "integer"
  | "number"
  | "boolean"
  | "string_list"
  | "string_or_list"
  | "json";

/** Declares one action parameter; the loader checks YAML values against it before `create`. */
export interface ParamSpec {
  readonly type: ParamType;
  /** A value must be given (in the action or its reference). */
  readonly required?: boolean;
  /** The value used when none is given. */
  readonly default?: ParamValue;
  /** Allowed values, for enumerations. */
  readonly choices?: readonly (string | number | boolean)[];
  /** Smallest allowed number. */
  readonly min?: number;
  /** Largest allowed number. */
  readonly max?: number;
  /** Redact the value in logs (passwords, webhook URLs). */
  readonly secret?: boolean;
  /** One line for the documentation. */
  readonly description?: string;
}

/** Any parameter value after validation. */
export type ParamValue = JsonValue | readonly JsonValue[];

/** A JSON-compatible value. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** The parameter declarations of an action, by YAML key. */
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** The TypeScript type of a value of the given parameter type. */
export type ParamTypeOf<T extends ParamType> = T extends "string" ? string
  : T extends "integer" | "number" ? number
  : T extends "boolean" ? boolean
  : T extends "string_list" ? string[]
  : T extends "string_or_list" ? string | string[]
  : JsonValue;

/** The validated parameters `create` receives: required or defaulted ones are always present. */
export type ParamValues<S extends ParamSpecs> =
  & {
    -readonly [
      K in keyof S as S[K] extends { required: true } | { default: ParamValue } ? K : never
    ]: ParamTypeOf<S[K]["type"]>;
  }
  & {
    -readonly [
      K in keyof S as S[K] extends { required: true } | { default: ParamValue } ? never : K
    ]?: ParamTypeOf<S[K]["type"]>;
  };

/** What an action receives when it is created. */
export interface ActionContext {
  /** The YAML `action:` name. */
  readonly name: string;
  /** A logger whose category names the action. */
  readonly logger: PluginLogger;
}

/** What an action receives with each event. */
export interface ActionCall {
  /** The rule (YAML `event:` name) that matched. */
  readonly rule: string;
  /** Aborted when the call times out or the engine stops; long work should watch it. */
  readonly signal: AbortSignal;
}

/** A running action: it receives the events of the rules that use it, in order per session. */
export interface ActionHandler {
  /** Handles one event; a rejection is logged with the rule and session id, then ignored. */
  handle(event: SshlogEvent, call: ActionCall): void | Promise<void>;
  /** Releases files, sockets and timers; called once, after the last `handle`. */
  close?(): void | Promise<void>;
  /** Longest time one `handle` may take, in ms [engine default, 30000]. */
  readonly timeoutMs?: number;
  /** How many sessions may be handled at once; events of one session never overlap [1]. */
  readonly concurrency?: number;
  /**
   * Event types to follow a session by: once an event of a session reached this action through
   * a rule, the session's later events of these types reach it too, whatever the rule's triggers
   * and filters, until its `connection_close` (which comes too when listed). A recorder uses it
   * to see a whole session from a rule that names only some of its events [none].
   */
  readonly followSessions?: readonly EventType[];
}

/** An action: YAML names it by `plugin:`; other keys of the action are its parameters. */
export interface ActionPlugin<S extends ParamSpecs = ParamSpecs> {
  readonly kind: "action";
  /** The `plugin:` name, e.g. `eventlogfile_action`. */
  readonly name: string;
  /** One line for documentation and error messages. */
  readonly description?: string;
  /** The accepted parameters; unknown keys are configuration errors. */
  readonly params: S;
  /** Optional checks across parameters; each returned string is reported as an error. */
  check?(params: ParamValues<S>): string[];
  /** Starts the action with validated parameters; a rejection disables this action only. */
  create(params: ParamValues<S>, context: ActionContext): ActionHandler | Promise<ActionHandler>;
}

/** The exports a plug-in file may have: arrays of filters and actions. */
export interface PluginModule {
  readonly filters?: readonly FilterPlugin[];
  readonly actions?: readonly ActionPlugin[];
}

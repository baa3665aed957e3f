/**
 * Configuration: YAML files of `conf.d/` checked with positions (`FILE:LINE:COL: message`) and
 * compiled into rules whose filters and actions come from the plug-in registry.
 * @module
 */
export { ConfigError, NO_POSITION, ProblemList, type SourcePosition } from "./errors.ts";
export { compileConfig, type CompileOptions, type ConfigSource } from "./compile.ts";
export { builtinRegistry, DEFAULT_CONFIG_DIR, loadConfig, type LoadConfigOptions } from "./load.ts";
export type {
  ActionBinding,
  CompiledConfig,
  CompiledFilter,
  CompiledRule,
  LoadResult,
} from "./types.ts";

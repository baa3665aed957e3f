/**
 * Plug-in API types (SPEC §6), the registry of filters and actions by name, and the loader of
 * plug-in files. Built-in filters and actions use the same API.
 * @module
 */
export * from "./api.ts";
export { type PluginOrigin, PluginRegistry } from "./registry.ts";
export {
  DEFAULT_PLUGIN_DIR,
  loadPlugins,
  type LoadPluginsOptions,
  type PluginLoadReport,
} from "./loader.ts";
export { sampleEvent } from "./testing.ts";

import type { ActionPlugin, FilterPlugin } from "./api.ts";

/** Where a filter or action came from: `builtin` or the plug-in file's name. */
export type PluginOrigin = string;

/** The filters and actions known by name, built-in and from plug-in files alike. */
export class PluginRegistry {
  #filters = new Map<string, { plugin: FilterPlugin; origin: PluginOrigin }>();
  #actions = new Map<string, { plugin: ActionPlugin; origin: PluginOrigin }>();
  #failed = new Map<string, string>();

  /**
   * Adds a filter under its name.
   * @throws {RangeError} when a filter of that name exists already
   */
  addFilter(plugin: FilterPlugin, origin: PluginOrigin = "builtin"): void {
    const known = this.#filters.get(plugin.name);
    if (known) {
      throw new RangeError(`Filter "${plugin.name}" is already defined by "${known.origin}"`);
    }
    this.#filters.set(plugin.name, { plugin, origin });
  }

  /**
   * Adds an action under its `plugin:` name.
   * @throws {RangeError} when an action of that name exists already
   */
  addAction(plugin: ActionPlugin, origin: PluginOrigin = "builtin"): void {
    const known = this.#actions.get(plugin.name);
    if (known) {
      throw new RangeError(`Action "${plugin.name}" is already defined by "${known.origin}"`);
    }
    this.#actions.set(plugin.name, { plugin, origin });
  }

  /** Records a plug-in file that failed to load, so unknown names can point at it. */
  addFailure(origin: PluginOrigin, reason: string): void {
    this.#failed.set(origin, reason);
  }

  /** The filter of that YAML key, if any. */
  filter(name: string): FilterPlugin | undefined {
    return this.#filters.get(name)?.plugin;
  }

  /** The action of that `plugin:` name, if any. */
  action(name: string): ActionPlugin | undefined {
    return this.#actions.get(name)?.plugin;
  }

  /** All filter names, sorted. */
  filterNames(): string[] {
    return [...this.#filters.keys()].sort();
  }

  /** All action names, sorted. */
  actionNames(): string[] {
    return [...this.#actions.keys()].sort();
  }

  /** Plug-in files that failed to load, by file name. */
  failures(): ReadonlyMap<string, string> {
    return this.#failed;
  }
}

import { builtinActions } from "../actions/mod.ts";
import { builtinFilters } from "../filters/mod.ts";
import { loadPlugins, type PluginLoadReport, PluginRegistry } from "../plugins/mod.ts";
import { compileConfig, type ConfigSource } from "./compile.ts";
import { NO_POSITION, ProblemList } from "./errors.ts";
import type { LoadResult } from "./types.ts";
import { errorMessage } from "../error_message.ts";

/** The default configuration directory (SPEC §2), overridden by `SSHLOG_CONFIG_DIR`. */
export const DEFAULT_CONFIG_DIR = "/etc/sshlog";

/** Options of {@linkcode loadConfig}. */
export interface LoadConfigOptions {
  /** The plug-in directory [`<dir>/plugins`]; a missing directory means no plug-ins. */
  pluginDir?: string;
}

/** A registry holding every built-in filter and action. */
export function builtinRegistry(): PluginRegistry {
  const registry = new PluginRegistry();
  for (const filter of builtinFilters()) registry.addFilter(filter);
  for (const action of builtinActions()) registry.addAction(action);
  return registry;
}

async function readSources(confDir: string, problems: ProblemList): Promise<ConfigSource[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(confDir)) {
      if (!entry.isDirectory && /\.ya?ml$/.test(entry.name)) names.push(entry.name);
    }
  } catch (error) {
    problems.error(
      confDir,
      NO_POSITION,
      `Cannot read configuration directory: ${errorMessage(error)}`,
      error,
    );
    return [];
  }
  names.sort();
  const sources: ConfigSource[] = [];
  for (const name of names) {
    const path = `${confDir}/${name}`;
    try {
      sources.push({ path, text: await Deno.readTextFile(path) });
    } catch (error) {
      problems.error(
        path,
        NO_POSITION,
        `Cannot read configuration file: ${errorMessage(error)}`,
        error,
      );
    }
  }
  if (names.length === 0 && problems.errors.length === 0) {
    problems.warn(confDir, NO_POSITION, "No *.yaml or *.yml files: no rules are active");
  }
  return sources;
}

function pluginWarnings(
  dir: string,
  reports: readonly PluginLoadReport[],
  problems: ProblemList,
): void {
  for (const report of reports) {
    for (const problem of report.problems) {
      problems.warn(`${dir}/${report.file}`, NO_POSITION, `Plug-in not (fully) loaded: ${problem}`);
    }
  }
}

/**
 * Loads `DIR/conf.d/*.yaml|*.yml` (sorted by name) with the built-in filters and actions plus the
 * plug-ins of `pluginDir`; gives the compiled configuration or every problem found.
 */
export async function loadConfig(
  dir: string,
  options: LoadConfigOptions = {},
): Promise<LoadResult> {
  const problems = new ProblemList();
  const registry = builtinRegistry();
  const pluginDir = options.pluginDir ?? `${dir}/plugins`;
  let plugins: PluginLoadReport[] = [];
  try {
    plugins = await loadPlugins(pluginDir, registry);
  } catch (error) {
    problems.warn(pluginDir, NO_POSITION, `Cannot read plug-in directory: ${errorMessage(error)}`);
  }
  pluginWarnings(pluginDir, plugins, problems);
  const sources = await readSources(
    `${dir.replace(/\/+$/, "") || "/"}/conf.d`.replace("//", "/"),
    problems,
  );
  return compileConfig(sources, registry, { plugins, problems });
}

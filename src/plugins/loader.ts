import { getLogger } from "@logtape/logtape";
import type { ActionPlugin, FilterPlugin } from "./api.ts";
import type { PluginRegistry } from "./registry.ts";
import { actionShapeProblem, filterShapeProblem } from "./_shape.ts";

const log = getLogger(["sshlog", "plugins"]);

/** The default plug-in directory (SPEC §3). */
export const DEFAULT_PLUGIN_DIR = "/etc/sshlog/plugins";

/** What loading one plug-in file gave. */
export interface PluginLoadReport {
  /** The file name, e.g. `tty_only.ts`. */
  readonly file: string;
  readonly filters: readonly string[];
  readonly actions: readonly string[];
  /** Why the file (or part of it) was refused; the rest of it may still have loaded. */
  readonly problems: readonly string[];
}

/** Options of {@linkcode loadPlugins}. */
export interface LoadPluginsOptions {
  /** Longest wait for one file's module to evaluate, ms [10000]. */
  importTimeoutMs?: number;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function importWithTimeout(path: string, timeoutMs: number): Promise<unknown> {
  const info = await Deno.stat(path);
  // A changing query makes a reload (SIGHUP) import the edited file instead of the cached module.
  const url = new URL("file:///");
  url.pathname = path;
  url.search = `mtime=${info.mtime?.getTime() ?? 0}`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`No result after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([import(url.href), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function register(
  registry: PluginRegistry,
  file: string,
  module: Record<string, unknown>,
): PluginLoadReport {
  const problems: string[] = [];
  const filters: string[] = [];
  const actions: string[] = [];
  const lists: [string, (value: unknown) => string | undefined][] = [
    ["filters", filterShapeProblem],
    ["actions", actionShapeProblem],
  ];
  for (const [key, shapeProblem] of lists) {
    const list = module[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      problems.push(`Export "${key}" must be an array`);
      continue;
    }
    for (const item of list) {
      const problem = shapeProblem(item);
      if (problem) {
        problems.push(problem);
        continue;
      }
      try {
        if (key === "filters") {
          registry.addFilter(item as FilterPlugin, file);
          filters.push((item as FilterPlugin).name);
        } else {
          registry.addAction(item as ActionPlugin, file);
          actions.push((item as ActionPlugin).name);
        }
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        problems.push(error.message);
      }
    }
  }
  if (module.filters === undefined && module.actions === undefined) {
    problems.push(`Exports neither "filters" nor "actions"`);
  }
  return { file, filters, actions, problems };
}

/**
 * Imports every `*.ts` file of a plug-in directory (sorted) and registers its filters and
 * actions. A missing directory means no plug-ins; a file that fails is reported, never thrown.
 */
export async function loadPlugins(
  dir: string,
  registry: PluginRegistry,
  options: LoadPluginsOptions = {},
): Promise<PluginLoadReport[]> {
  const files: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.name.endsWith(".ts")) continue;
      // A symbolic link to a plug-in file counts too (as for conf.d).
      const isFile = entry.isFile ||
        (entry.isSymlink &&
          await Deno.stat(`${dir}/${entry.name}`).then((s) => s.isFile, () => false));
      if (isFile) files.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  files.sort();
  const reports: PluginLoadReport[] = [];
  const base = await Deno.realPath(dir);
  for (const file of files) {
    let report: PluginLoadReport;
    try {
      const module = await importWithTimeout(`${base}/${file}`, options.importTimeoutMs ?? 10_000);
      report = register(registry, file, module as Record<string, unknown>);
    } catch (error) {
      report = { file, filters: [], actions: [], problems: [`Cannot load: ${errorText(error)}`] };
    }
    if (report.problems.length > 0) {
      registry.addFailure(file, report.problems.join("; "));
      log.error("Plug-in {file} has problems: {problems}", { ...report });
    } else {
      log.info("Loaded plug-in {file}", { ...report });
    }
    reports.push(report);
  }
  return reports;
}

/** Loads the configuration at start (exit 2 when invalid) and on SIGHUP (keeps the old one). */
import { getLogger } from "@logtape/logtape";
import { type CompiledConfig, loadConfig } from "../config/mod.ts";
import type { EventBus } from "../events/bus.ts";
import { RuleEngine } from "../rules/mod.ts";
import type { DaemonOptions } from "./options.ts";

const log = getLogger(["sshlog", "daemon"]);

/** The running rules, as the daemon controls them. */
export interface RunningRules {
  reload(): Promise<void>;
  stop(): Promise<void>;
  /** The folders the running configuration's session logs record into. */
  recordingDirs(): string[];
}

/** The `log_directory` of every sessionlog_action binding of `config`, without duplicates. */
function recordingDirsOf(config: CompiledConfig): string[] {
  const dirs = config.actions
    .filter((a) => a.plugin.name === "sessionlog_action")
    .map((a) => String(a.params.log_directory).replace(/\/+$/, "") || "/");
  return [...new Set(dirs)];
}

/** Starts the rule engine; returns the exit code (2) when the configuration is invalid. */
export async function startRules(
  options: DaemonOptions,
  bus: EventBus,
): Promise<RunningRules | number> {
  const load = () => loadConfig(options.configDir, { pluginDir: options.pluginDir });
  const first = await load();
  if (!first.ok) {
    for (const e of first.errors) {
      Deno.stderr.writeSync(new TextEncoder().encode(`${e.toString()}\n`));
    }
    Deno.stderr.writeSync(
      new TextEncoder().encode(`Invalid configuration in "${options.configDir}": not starting\n`),
    );
    return 2;
  }
  for (const w of first.config.warnings) log.warn("{problem}", { problem: w.toString() });
  let current = first.config;
  const engine = new RuleEngine(current);
  await engine.start(bus);
  return {
    async reload() {
      const next = await load();
      if (!next.ok) {
        for (const e of next.errors) log.error("{problem}", { problem: e.toString() });
        log.error("Configuration reload rejected: keeping the running rules");
        return;
      }
      for (const w of next.config.warnings) log.warn("{problem}", { problem: w.toString() });
      await engine.reload(next.config);
      current = next.config;
      log.info("Configuration reloaded");
    },
    stop: () => engine.stop(),
    recordingDirs: () => recordingDirsOf(current),
  };
}

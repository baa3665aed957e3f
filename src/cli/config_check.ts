/** `sshlog config check`: validates the configuration, printing every problem as FILE:LINE:COL. */

import { type ConfigError, DEFAULT_CONFIG_DIR, loadConfig } from "../config/mod.ts";
import { escapeText } from "../events/mod.ts";
import {
  EXIT_OK,
  EXIT_USAGE,
  parseVerbArgs,
  usageFailure,
  type VerbHelp,
  writeStderr,
  writeStdout,
} from "./_common.ts";

/** The help of `sshlog config check`. */
export const HELP: VerbHelp = {
  name: "config check",
  summary: "Check the rule configuration (conf.d/*.yaml) and the plug-ins, printing every problem.",
  usage: "config check [--config-dir DIR] [--plugin-dir DIR]",
  flags: [
    [
      "--config-dir DIR",
      `folder holding conf.d/ (env SSHLOG_CONFIG_DIR; default ${DEFAULT_CONFIG_DIR})`,
    ],
    ["--plugin-dir DIR", "folder of *.ts plug-ins (default DIR/plugins)"],
    ["-h, --help", "show this help"],
  ],
  examples: [
    "sshlog config check",
    "sshlog config check --config-dir /tmp/sshlog-test",
    "sudo sshlog config check && sudo systemctl reload sshlog",
  ],
};

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function problemLines(errors: readonly ConfigError[], warnings: readonly ConfigError[]): string {
  const lines = [
    ...errors.map((error) => escapeText(error.toString())),
    ...warnings.map((warning) => {
      const text = warning.toString();
      const at = text.indexOf(": ");
      return escapeText(`${text.slice(0, at)}: warning: ${text.slice(at + 2)}`);
    }),
  ];
  return lines.map((line) => `${line}\n`).join("");
}

/**
 * Runs `sshlog config check`; `args` are the words after `config check` (a leading `config` and
 * `check` are skipped). Exit 0 with a one-line summary, or 2 on any error.
 */
export async function run(args: string[]): Promise<number> {
  const rest = [...args];
  if (rest[0] === "config") rest.shift();
  const parsed = await parseVerbArgs(HELP, rest, {
    "config-dir": { type: "string" },
    "plugin-dir": { type: "string" },
  }, { max: 1 });
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  // `check` may come before or after the flags.
  if (positionals[0] !== undefined && positionals[0] !== "check") {
    return await usageFailure(HELP, `Unexpected argument "${positionals[0]}"`);
  }
  const dir = values["config-dir"] ?? (Deno.env.get("SSHLOG_CONFIG_DIR") || DEFAULT_CONFIG_DIR);
  const pluginDir = values["plugin-dir"];
  const result = await loadConfig(dir, pluginDir === undefined ? {} : { pluginDir });
  if (!result.ok) {
    await writeStderr(problemLines(result.errors, result.warnings));
    await writeStderr(
      `Configuration is invalid: ${plural(result.errors.length, "error")}, ` +
        `${plural(result.warnings.length, "warning")}\n`,
    );
    return EXIT_USAGE;
  }
  const { config } = result;
  await writeStderr(problemLines([], config.warnings));
  const plugins = config.plugins.filter((report) => report.problems.length === 0).length;
  await writeStdout(
    `Configuration OK: ${plural(config.files.length, "file")}, ${
      plural(config.rules.length, "rule")
    }, ` +
      `${plural(config.actions.length, "action")}, ${plural(plugins, "plug-in")}, ` +
      `${plural(config.warnings.length, "warning")}\n`,
  );
  return EXIT_OK;
}

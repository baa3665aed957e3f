/** `sshlog help`: the overview of every command. `sshlog help CMD` is `sshlog CMD --help`. */

import { escapeText } from "../events/mod.ts";
import { DEFAULT_SOCKET_PATH } from "../ipc/mod.ts";
import {
  EXIT_OK,
  EXIT_USAGE,
  printHelp,
  type VerbHelp,
  writeStderr,
  writeStdout,
} from "./_common.ts";

/** Each command with its one-line summary, in the order `sshlog help` lists them. */
export const COMMAND_SUMMARIES: ReadonlyArray<readonly [string, string]> = [
  ["daemon", "run the monitoring daemon (as root)"],
  ["sessions", "list the live SSH sessions"],
  ["watch", "print events live, one line each"],
  ["attach", "see a live session's screen and output; type into it if allowed"],
  ["kill", "end a live session (its sshd is stopped)"],
  ["replay", "play a session recording with its original timing"],
  ["recordings", "list and search the session recordings"],
  ["config", "check the configuration (sshlog config check)"],
  ["doctor", "check that this machine can run sshlog, and how to fix it"],
  ["version", "print the version of sshlog and of the running daemon"],
  ["help", "show this overview, or a command's help"],
];

/** Help of `sshlog help`. */
export const HELP: VerbHelp = {
  name: "help",
  summary: "Show an overview of the sshlog commands, or the help of one.",
  usage: "help [COMMAND]",
  flags: [["-h, --help", "show this help"]],
  examples: ["sshlog help", "sshlog help watch", "sshlog watch --help"],
};

/** The `sshlog help` overview text. */
export function formatOverview(): string {
  const width = Math.max(...COMMAND_SUMMARIES.map(([name]) => name.length));
  return [
    "sshlog records and watches SSH sessions with eBPF.",
    "",
    "Usage: sshlog COMMAND [FLAGS]",
    "       sshlog --version | sshlog help [COMMAND] | sshlog COMMAND --help",
    "",
    "Commands:",
    ...COMMAND_SUMMARIES.map(([name, summary]) => `  ${name.padEnd(width)}  ${summary}`),
    "",
    "Environment:",
    `  SSHLOG_SOCKET  daemon socket of every client command (default ${DEFAULT_SOCKET_PATH})`,
    "",
    'Run "sshlog help COMMAND" for the flags and examples of a command.',
    "",
  ].join("\n");
}

/**
 * Runs `sshlog help [COMMAND]`: the overview on stdout (exit 0); for an unknown COMMAND, an error
 * and the overview on stderr (exit 2). The entry point routes `help KNOWN` to `KNOWN --help`.
 */
export async function run(args: string[]): Promise<number> {
  const [first] = args;
  if (first === "--help" || first === "-h") return await printHelp(HELP);
  if (first === undefined || COMMAND_SUMMARIES.some(([name]) => name === first)) {
    await writeStdout(formatOverview());
    return EXIT_OK;
  }
  await writeStderr(`sshlog: Unknown command "${escapeText(first)}"\n\n${formatOverview()}`);
  return EXIT_USAGE;
}

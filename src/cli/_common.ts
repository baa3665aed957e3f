/** What every CLI verb shares: output writers, exit codes, help layout, usage and runtime errors. */

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { escapeText } from "../events/mod.ts";
import { DEFAULT_SOCKET_PATH, IpcError } from "../ipc/mod.ts";
import { errorMessage } from "../error_message.ts";

/** Exit code: success. */
export const EXIT_OK = 0;
/** Exit code: runtime failure (daemon unreachable, session not found, permission denied). */
export const EXIT_FAILURE = 1;
/** Exit code: bad usage. */
export const EXIT_USAGE = 2;

/** The `--socket` option every client verb accepts (node:util parseArgs shape). */
export const CLIENT_OPTIONS = {
  socket: { type: "string" },
} as const;

/** The help text of one verb. */
export interface VerbHelp {
  /** The verb as typed, e.g. "sessions". */
  name: string;
  /** One sentence saying what the verb does. */
  summary: string;
  /** The synopsis after "sshlog", e.g. "sessions [--json] [--socket PATH]". */
  usage: string;
  /** Flag spelling and its description, one pair per flag. */
  flags: ReadonlyArray<readonly [string, string]>;
  /** Two to four example command lines. */
  examples: readonly string[];
}

/** Flag help line for `--socket`, naming its environment variable and default. */
export const SOCKET_FLAG_HELP = [
  "--socket PATH",
  `daemon socket (env SSHLOG_SOCKET; default ${DEFAULT_SOCKET_PATH})`,
] as const;

const ENCODER = new TextEncoder();

async function writeAll(target: typeof Deno.stdout, text: string): Promise<void> {
  const bytes = ENCODER.encode(text);
  let written = 0;
  while (written < bytes.length) written += await target.write(bytes.subarray(written));
}

/**
 * Writes text to stdout (data only).
 * @throws {Deno.errors.BrokenPipe} when the reader went away
 */
export function writeStdout(text: string): Promise<void> {
  return writeAll(Deno.stdout, text);
}

/** Writes text to stderr (diagnostics), ignoring a closed stderr. */
export async function writeStderr(text: string): Promise<void> {
  try {
    await writeAll(Deno.stderr, text);
  } catch (error) {
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
  }
}

/** Formats a verb's `--help`: summary, usage, flags, examples. */
export function formatHelp(help: VerbHelp): string {
  const width = Math.max(...help.flags.map(([flag]) => flag.length));
  const flags = help.flags.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
  const examples = help.examples.map((example) => `  ${example}`);
  return [
    help.summary,
    "",
    `Usage: sshlog ${help.usage}`,
    "",
    "Flags:",
    ...flags,
    "",
    "Examples:",
    ...examples,
    "",
  ].join("\n");
}

/** Prints a verb's help on stdout and returns exit code 0. */
export async function printHelp(help: VerbHelp): Promise<number> {
  await writeStdout(formatHelp(help));
  return EXIT_OK;
}

function usageMessage(problem: unknown): string {
  if (typeof problem === "string") return problem;
  if (problem instanceof TypeError) {
    const sentence = problem.message.split(". ")[0] ?? problem.message;
    return sentence.replace(/'([^']*)'/g, '"$1"');
  }
  throw problem;
}

/**
 * Prints a usage error (the problem, the usage line, where to get help) on stderr; returns 2.
 * @param problem a message, or the TypeError node:util parseArgs threw (anything else is rethrown)
 */
export async function usageFailure(help: VerbHelp, problem: unknown): Promise<number> {
  const message = escapeText(usageMessage(problem));
  await writeStderr(
    `sshlog ${help.name}: ${message}\nUsage: sshlog ${help.usage}\n` +
      `Run "sshlog ${help.name} --help" for more.\n`,
  );
  return EXIT_USAGE;
}

/** The positional arguments a verb takes: at most `max`; `missing` says what the first one is. */
export interface PositionalRule {
  max: number;
  /** When set, the first positional is required and this is the usage error without it. */
  missing?: string;
}

const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const;

/** What {@linkcode parseVerbArgs} gives a verb whose options are `O`: flag values, positionals. */
export type ParsedVerbArgs<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{
    args: string[];
    options: O & typeof HELP_OPTION;
    strict: true;
    allowPositionals: true;
  }>
>;

/**
 * Parses a verb's arguments (flags anywhere, `-h`/`--help` added) and checks the positionals.
 * Returns the exit code instead when it already answered: a usage error (2) or the help (0).
 */
export async function parseVerbArgs<const O extends ParseArgsOptionsConfig>(
  help: VerbHelp,
  args: string[],
  options: O,
  rule: PositionalRule = { max: 0 },
): Promise<ParsedVerbArgs<O> | number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...options, ...HELP_OPTION },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    return await usageFailure(help, error);
  }
  if ((parsed.values as { help?: boolean }).help) return await printHelp(help);
  const { positionals } = parsed;
  if (rule.missing !== undefined && positionals.length === 0) {
    return await usageFailure(help, rule.missing);
  }
  if (positionals.length > rule.max) {
    return await usageFailure(help, `Unexpected argument "${positionals[rule.max]}"`);
  }
  return parsed;
}

/** An environment variable's value; undefined when unset, empty or not readable. */
export function envValue(name: string): string | undefined {
  try {
    const value = Deno.env.get(name);
    return value === "" ? undefined : value;
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      return undefined;
    }
    throw error;
  }
}

/** True when an environment variable is `1`, `true` or `yes` (any case). */
export function envTruthy(name: string): boolean {
  return /^(1|true|yes)$/i.test(envValue(name) ?? "");
}

/** The socket path: `--socket`, else `SSHLOG_SOCKET`, else the default. */
export function resolveSocketPath(flag: string | undefined): string {
  return flag ?? envValue("SSHLOG_SOCKET") ?? DEFAULT_SOCKET_PATH;
}

/** Prints a runtime failure as one sentence on stderr (stack only with SSHLOG_DEBUG); returns 1. */
export async function runtimeFailure(error: unknown): Promise<number> {
  if (error instanceof IpcError) {
    await writeStderr(`${escapeText(error.message)}\n`);
  } else {
    const message = errorMessage(error);
    await writeStderr(`Unexpected error: ${escapeText(message)}\n`);
  }
  if (envTruthy("SSHLOG_DEBUG") && error instanceof Error && error.stack) {
    await writeStderr(`${error.stack}\n`);
  }
  return EXIT_FAILURE;
}

/**
 * The `sshlog` executable: daemon, CLI and attach client in one, chosen by subcommand. This file
 * only maps each verb to its module (loaded lazily, so a verb costs nothing until it runs).
 * @module
 */

import { VERSION } from "./src/version.ts";

/** What a verb module exports: `run(args)` resolves to the process exit code. */
export interface VerbModule {
  run(args: string[]): Promise<number>;
}

/** Verb → loader of the module that implements it. */
export const VERBS: Readonly<Record<string, () => Promise<unknown>>> = {
  daemon: () => import("./src/daemon/daemon.ts"),
  sessions: () => import("./src/cli/sessions.ts"),
  watch: () => import("./src/cli/watch.ts"),
  replay: () => import("./src/cli/replay.ts"),
  recordings: () => import("./src/cli/recordings.ts"),
  kill: () => import("./src/cli/kill.ts"),
  attach: () => import("./src/cli/attach.ts"),
  doctor: () => import("./src/daemon/doctor.ts"),
  config: () => import("./src/cli/config_check.ts"),
  version: () => import("./src/cli/version.ts"),
  help: () => import("./src/cli/help.ts"),
};

const ENCODER = new TextEncoder();

async function write(target: typeof Deno.stdout, text: string): Promise<void> {
  const bytes = ENCODER.encode(text);
  let written = 0;
  while (written < bytes.length) written += await target.write(bytes.subarray(written));
}

function isVerbModule(value: unknown): value is VerbModule {
  return typeof value === "object" && value !== null && "run" in value &&
    typeof value.run === "function";
}

async function dispatch(verb: string, args: string[]): Promise<number> {
  const load = Object.hasOwn(VERBS, verb) ? VERBS[verb] : undefined;
  if (load === undefined) return await dispatch("help", [verb]);
  let module: unknown;
  try {
    module = await load();
  } catch (error) {
    if (!(error instanceof TypeError && "code" in error && error.code === "ERR_MODULE_NOT_FOUND")) {
      throw error;
    }
    // deno-lint-ignore no-control-regex
    const detail = (error.message.split("\n")[0] ?? "").replace(/\x1b\[[0-9;]*m/g, "");
    await write(
      Deno.stderr,
      `Cannot run "sshlog ${verb}": this build lacks a module (${detail})\n`,
    );
    return 1;
  }
  if (!isVerbModule(module)) {
    await write(Deno.stderr, `Cannot run "sshlog ${verb}": its module does not export run(args)\n`);
    return 1;
  }
  return await module.run(args);
}

/** Flags of any command that take a value (the next word, unless written `--flag=value`). */
export const VALUE_FLAGS: ReadonlySet<string> = new Set([
  "--socket",
  "--config-dir",
  "--plugin-dir",
  "--logfile",
  "--diagnostic-web-ip",
  "--diagnostic-web-port",
  "--diagnostic-web-tls-cert",
  "--diagnostic-web-tls-key",
  "--type",
  "--user",
  "--session",
  "--speed",
  "--idle-limit",
  "--dir",
  "--since",
  "--grep",
]);

/** Where the command name is in `argv`: the first word that is neither a flag nor its value. */
function commandIndex(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (VALUE_FLAGS.has(word)) i++;
    else if (!word.startsWith("-")) return i;
  }
  return -1;
}

/** Runs the command line `argv` (without the program name); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--version" || first === "-V") {
    await write(Deno.stdout, `sshlog ${VERSION}\n`);
    return 0;
  }
  if (first === undefined) {
    const overview = await import("./src/cli/help.ts");
    await write(Deno.stderr, overview.formatOverview());
    return 2;
  }
  if (first === "--help" || first === "-h") return await dispatch("help", []);
  if (first.startsWith("-")) {
    // Flags before the command (`sshlog --socket PATH sessions`): the first word that is no
    // flag's value names the command.
    const at = commandIndex(argv);
    if (at > 0) return await dispatch(argv[at]!, argv.toSpliced(at, 1));
  }
  const topic = rest[0];
  if (first === "help" && topic !== undefined && topic !== "help" && Object.hasOwn(VERBS, topic)) {
    return await dispatch(topic, ["--help"]);
  }
  return await dispatch(first, rest);
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (error) {
    const debug = /^(1|true|yes)$/i.test(Deno.env.get("SSHLOG_DEBUG") ?? "");
    const text = debug && error instanceof Error ? error.stack : String(error);
    await write(Deno.stderr, `Unexpected error: ${text}\n`);
    code = 1;
  }
  // Exit now: a verb may leave a read pending (attach's keystroke reader after the session ended).
  Deno.exit(code);
}

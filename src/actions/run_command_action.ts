import type {
  ActionHandler,
  ActionPlugin,
  ParamValues,
  PluginLogger,
  SshlogEvent,
} from "../plugins/mod.ts";
import { eventEnvironment, substituteFields } from "./_event_env.ts";

/** Parameters of `run_command_action` (SPEC §5). */
export const RUN_COMMAND_PARAMS = {
  command: { type: "string", required: true, description: "Program to run (no shell)" },
  args: { type: "string_list", default: [], description: "Arguments; {{field}} is replaced" },
  timeout: { type: "number", default: 30, min: 0.01, description: "Seconds before it is killed" },
} as const;

/** Options of {@linkcode runCommand}, as validated from YAML. */
export type RunCommandOptions = ParamValues<typeof RUN_COMMAND_PARAMS>;

const SHELLS = new Set([
  "sh",
  "bash",
  "dash",
  "zsh",
  "ksh",
  "mksh",
  "ash",
  "busybox",
  "fish",
  "csh",
  "tcsh",
]);

/**
 * Finds a `{{field}}` inside a shell's `-c` script: SSH users control field values, so they would
 * run commands (SPEC §8). Returns the complaint, or undefined.
 */
export function shellTemplateProblem(command: string, args: readonly string[]): string | undefined {
  if (!SHELLS.has(command.slice(command.lastIndexOf("/") + 1))) return undefined;
  const flag = args.findIndex((arg) => /^-[a-zA-Z]*c[a-zA-Z]*$/.test(arg));
  const script = flag >= 0 ? args[flag + 1] : undefined;
  if (script === undefined || !/\{\{\s*[A-Za-z0-9_.]+\s*\}\}/.test(script)) return undefined;
  return `"{{…}}" inside a "${command} -c" script would let SSH users run commands: pass the value ` +
    `as an argument of its own (after the script, as $1) or read $SSHLOG_<FIELD> in the script`;
}

/** Variables of the daemon's own environment a command inherits; nothing else (no secrets). */
const INHERITED = ["PATH", "LANG", "LC_ALL", "TZ", "HOME"];
const KILL_GRACE_MS = 2000;

function baseEnvironment(): Record<string, string> {
  const env: Record<string, string> = {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  };
  for (const name of INHERITED) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

function killGroup(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    // The child leads its own process group (detached), so its children die with it.
    Deno.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch { /* already gone */ }
  }
}

async function feedStdin(child: Deno.ChildProcess, event: SshlogEvent): Promise<void> {
  const writer = child.stdin.getWriter();
  try {
    await writer.write(new TextEncoder().encode(JSON.stringify(event) + "\n"));
    await writer.close();
  } catch { /* the command need not read its input */ }
}

/**
 * Runs a program per event without a shell: `{{field}}` in an argument becomes the field's value
 * inside that one argument; the event is in `SSHLOG_*` variables and as JSON on stdin.
 */
export function runCommand(options: RunCommandOptions, logger?: PluginLogger): ActionHandler {
  const timeoutMs = options.timeout * 1000;
  const base = baseEnvironment();
  return {
    timeoutMs: timeoutMs + KILL_GRACE_MS + 1000,
    concurrency: 4,
    async handle(event, call) {
      const args = options.args.map((arg) => substituteFields(arg, event));
      const child = new Deno.Command(options.command, {
        args,
        env: { ...base, ...eventEnvironment(event) },
        clearEnv: true,
        stdin: "piped",
        stdout: "null",
        stderr: "null",
        detached: true,
      }).spawn();
      let timedOut = false;
      const stop = () => {
        timedOut = true;
        killGroup(child, "SIGTERM");
        setTimeout(() => killGroup(child, "SIGKILL"), KILL_GRACE_MS);
      };
      const timer = setTimeout(stop, timeoutMs);
      call.signal.addEventListener("abort", stop, { once: true });
      await feedStdin(child, event);
      const status = await child.status;
      clearTimeout(timer);
      call.signal.removeEventListener("abort", stop);
      const properties = {
        command: options.command,
        rule: call.rule,
        sessionId: (event as { session_id?: string }).session_id ?? null,
        code: status.code,
        signal: status.signal,
      };
      if (timedOut) {
        logger?.warn("Command {command} timed out after {seconds} s and was killed", {
          ...properties,
          seconds: options.timeout,
        });
      } else if (status.success) {
        logger?.info("Command {command} exited with status {code}", properties);
      } else {
        logger?.warn("Command {command} failed with status {code} (signal {signal})", properties);
      }
    },
  };
}

/** `run_command_action`: runs a program for each event, with no shell and no re-expansion. */
export function runCommandAction(): ActionPlugin<typeof RUN_COMMAND_PARAMS> {
  return {
    kind: "action",
    name: "run_command_action",
    description: "Runs a program per event; the event is in SSHLOG_* variables and on stdin",
    params: RUN_COMMAND_PARAMS,
    check(params) {
      const problem = shellTemplateProblem(params.command, params.args);
      return problem === undefined ? [] : [problem];
    },
    create: (params, context) => runCommand(params, context.logger),
  };
}

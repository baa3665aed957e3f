/** The daemon's settings, resolved once: flag, then environment, then default (SPEC §2). */
import { parseArgs } from "node:util";
import { errorMessage } from "../error_message.ts";

/** Resolved daemon settings. */
export interface DaemonOptions {
  configDir: string;
  pluginDir: string;
  socket: string;
  logfile?: string;
  debug: boolean;
  web: { enabled: boolean; ip: string; port: number };
  sessionInjection: boolean;
  bpfObject: string;
}

/** Raised for bad daemon flags (exit 2). */
export class UsageError extends TypeError {}

function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes)$/i.test(v.trim());
}

/** The BPF object: $SSHLOG_BPF_OBJECT, beside the program, or the packaged path. */
export function findBpfObject(env: (name: string) => string | undefined): string {
  const candidates = [
    env("SSHLOG_BPF_OBJECT"),
    new URL("../../build/sshtrace.bpf.o", import.meta.url).pathname,
    "/usr/lib/sshlog/sshtrace.bpf.o",
  ];
  for (const c of candidates) {
    if (!c) continue;
    try {
      if (Deno.statSync(c).isFile) return c;
    } catch { /* next */ }
  }
  return candidates[1]!;
}

/** Parses `sshlog daemon` arguments and the SSHLOG_* environment. */
export function parseDaemonOptions(
  args: string[],
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): DaemonOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        "config-dir": { type: "string" },
        "plugin-dir": { type: "string" },
        socket: { type: "string" },
        logfile: { type: "string" },
        debug: { type: "boolean" },
        "enable-diagnostic-web": { type: "boolean" },
        "diagnostic-web-ip": { type: "string" },
        "diagnostic-web-port": { type: "string" },
        "enable-session-injection": { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  const configDir = values["config-dir"] ?? env("SSHLOG_CONFIG_DIR") ?? "/etc/sshlog";
  const port = Number(values["diagnostic-web-port"] ?? env("SSHLOG_DIAGNOSTIC_WEB_PORT") ?? 5000);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`Invalid --diagnostic-web-port "${port}": use 1 to 65535`);
  }
  const logfile = values.logfile ?? env("SSHLOG_LOGFILE");
  return {
    configDir,
    pluginDir: values["plugin-dir"] ?? `${configDir}/plugins`,
    socket: values.socket ?? env("SSHLOG_SOCKET") ?? "/var/run/sshlogd.sock",
    ...(logfile ? { logfile } : {}),
    debug: values.debug ?? truthy(env("SSHLOG_DEBUG")),
    web: {
      enabled: values["enable-diagnostic-web"] ?? truthy(env("SSHLOG_ENABLE_DIAGNOSTIC_WEB")),
      ip: values["diagnostic-web-ip"] ?? env("SSHLOG_DIAGNOSTIC_WEB_IP") ?? "127.0.0.1",
      port,
    },
    sessionInjection: values["enable-session-injection"] ??
      truthy(env("SSHLOG_ENABLE_SESSION_INJECTION")),
    bpfObject: findBpfObject(env),
  };
}

/** The daemon's settings, resolved once: flag, then environment, then default (SPEC §2). */
import { parseArgs } from "node:util";
import { errorMessage } from "../error_message.ts";
import { firstInstalled } from "../installed_file.ts";

/** Resolved daemon settings. */
export interface DaemonOptions {
  configDir: string;
  pluginDir: string;
  socket: string;
  logfile?: string;
  debug: boolean;
  web: WebOptions;
  sessionInjection: boolean;
  bpfObject: string;
}

/** How the diagnostic web interface is served (SPEC §7). */
export interface WebOptions {
  enabled: boolean;
  ip: string;
  port: number;
  /** SSHLOG_WEB_USER, default "admin". */
  user: string;
  /** SSHLOG_WEB_PASS, or the first line of the file SSHLOG_WEB_PASS_FILE; never a flag. */
  password: string;
  /** PEM files: HTTPS when both are set. */
  tls?: { certFile: string; keyFile: string };
}

/** Raised for bad daemon flags (exit 2). */
export class UsageError extends TypeError {}

function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes)$/i.test(v.trim());
}

/** The BPF object: $SSHLOG_BPF_OBJECT, beside the program, or the packaged path. */
export function findBpfObject(env: (name: string) => string | undefined): string {
  return firstInstalled([
    env("SSHLOG_BPF_OBJECT"),
    new URL("../../build/sshtrace.bpf.o", import.meta.url).pathname,
    "/usr/lib/sshlog/sshtrace.bpf.o",
  ]);
}

/** Parses `sshlog daemon` arguments and the SSHLOG_* environment. */
export function parseDaemonOptions(
  args: string[],
  rawEnv: (name: string) => string | undefined = (n) => Deno.env.get(n),
): DaemonOptions {
  // An empty variable (`SSHLOG_SOCKET=` in /etc/default/sshlog) is unset, as for the CLI.
  const env = (name: string) => rawEnv(name) || undefined;
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      // --no-debug, --no-enable-session-injection… turn off what the environment turned on.
      allowNegative: true,
      options: {
        "config-dir": { type: "string" },
        "plugin-dir": { type: "string" },
        socket: { type: "string" },
        logfile: { type: "string" },
        debug: { type: "boolean" },
        "enable-diagnostic-web": { type: "boolean" },
        "diagnostic-web-ip": { type: "string" },
        "diagnostic-web-port": { type: "string" },
        "diagnostic-web-tls-cert": { type: "string" },
        "diagnostic-web-tls-key": { type: "string" },
        "enable-session-injection": { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  const configDir = values["config-dir"] ?? env("SSHLOG_CONFIG_DIR") ?? "/etc/sshlog";
  const portText = values["diagnostic-web-port"] ?? env("SSHLOG_DIAGNOSTIC_WEB_PORT") ?? "5000";
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`Invalid --diagnostic-web-port "${portText}": use 1 to 65535`);
  }
  const logfile = values.logfile ?? env("SSHLOG_LOGFILE");
  const web = webOptions(values, env, port);
  return {
    configDir,
    pluginDir: values["plugin-dir"] ?? `${configDir}/plugins`,
    socket: values.socket ?? env("SSHLOG_SOCKET") ?? "/var/run/sshlogd.sock",
    ...(logfile ? { logfile } : {}),
    debug: values.debug ?? truthy(env("SSHLOG_DEBUG")),
    web,
    sessionInjection: values["enable-session-injection"] ??
      truthy(env("SSHLOG_ENABLE_SESSION_INJECTION")),
    bpfObject: findBpfObject(env),
  };
}

function readPasswordFile(path: string): string {
  try {
    return Deno.readTextFileSync(path).split("\n")[0] ?? "";
  } catch (error) {
    throw new UsageError(`Cannot read SSHLOG_WEB_PASS_FILE "${path}": ${errorMessage(error)}`);
  }
}

function webOptions(
  values: Record<string, string | boolean | undefined>,
  env: (name: string) => string | undefined,
  port: number,
): WebOptions {
  const flag = (name: string) => values[name] as string | undefined;
  const enabled = (values["enable-diagnostic-web"] as boolean | undefined) ??
    truthy(env("SSHLOG_ENABLE_DIAGNOSTIC_WEB"));
  const passFile = env("SSHLOG_WEB_PASS_FILE");
  const password = env("SSHLOG_WEB_PASS") ||
    (enabled && passFile ? readPasswordFile(passFile) : "");
  if (enabled && password === "") {
    throw new UsageError(
      "The diagnostic web interface needs a password: set SSHLOG_WEB_USER and SSHLOG_WEB_PASS " +
        "(or SSHLOG_WEB_PASS_FILE)",
    );
  }
  const certFile = flag("diagnostic-web-tls-cert") ?? env("SSHLOG_WEB_TLS_CERT");
  const keyFile = flag("diagnostic-web-tls-key") ?? env("SSHLOG_WEB_TLS_KEY");
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new UsageError("HTTPS needs both --diagnostic-web-tls-cert and --diagnostic-web-tls-key");
  }
  return {
    enabled,
    ip: flag("diagnostic-web-ip") ?? env("SSHLOG_DIAGNOSTIC_WEB_IP") ?? "127.0.0.1",
    port,
    user: env("SSHLOG_WEB_USER") || "admin",
    password,
    ...(certFile && keyFile ? { tls: { certFile, keyFile } } : {}),
  };
}

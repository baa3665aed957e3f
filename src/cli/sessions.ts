/** `sshlog sessions`: list the live SSH sessions the daemon tracks. */

import { formatSessionsJson, formatSessionsTable } from "../events/mod.ts";
import { IpcClient } from "../ipc/mod.ts";
import {
  CLIENT_OPTIONS,
  EXIT_OK,
  parseVerbArgs,
  resolveSocketPath,
  runtimeFailure,
  SOCKET_FLAG_HELP,
  type VerbHelp,
  writeStdout,
} from "./_common.ts";

/** Help of `sshlog sessions`. */
export const HELP: VerbHelp = {
  name: "sessions",
  summary: "List the live SSH sessions the daemon tracks.",
  usage: "sessions [--json] [--socket PATH]",
  flags: [
    ["--json", 'print {"sessions":[…]} as JSON instead of a table'],
    SOCKET_FLAG_HELP,
    ["-h, --help", "show this help"],
  ],
  examples: [
    "sshlog sessions",
    "sshlog sessions --json | jq -r '.sessions[].username'",
    "SSHLOG_SOCKET=/tmp/sshlogd.sock sshlog sessions",
  ],
};

/** Runs `sshlog sessions ARGS…`; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  const parsed = await parseVerbArgs(HELP, args, { ...CLIENT_OPTIONS, json: { type: "boolean" } });
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  let client: IpcClient | undefined;
  try {
    client = await IpcClient.connect(resolveSocketPath(values.socket));
    const sessions = await client.sessions();
    await writeStdout(
      values.json ? formatSessionsJson(sessions) : formatSessionsTable(sessions, Date.now()),
    );
    return EXIT_OK;
  } catch (error) {
    return await runtimeFailure(error);
  } finally {
    client?.close();
  }
}

/** `sshlog version`: print the version of sshlog and, when it answers, of the running daemon. */

import { escapeText } from "../events/mod.ts";
import { IpcClient } from "../ipc/mod.ts";
import { VERSION } from "../version.ts";
import {
  CLIENT_OPTIONS,
  EXIT_OK,
  parseVerbArgs,
  resolveSocketPath,
  SOCKET_FLAG_HELP,
  type VerbHelp,
  writeStdout,
} from "./_common.ts";

/** Help of `sshlog version`. */
export const HELP: VerbHelp = {
  name: "version",
  summary: "Print the version of sshlog and, when it answers, of the running daemon.",
  usage: "version [--socket PATH]",
  flags: [SOCKET_FLAG_HELP, ["-h, --help", "show this help"]],
  examples: ["sshlog version", "sshlog --version"],
};

async function daemonVersion(socket: string): Promise<string | undefined> {
  let client: IpcClient | undefined;
  try {
    client = await IpcClient.connect(socket);
    return await client.version();
  } catch {
    return undefined;
  } finally {
    client?.close();
  }
}

/** Runs `sshlog version ARGS…`: `sshlog X.Y.Z`, then `daemon X.Y.Z` if one answers; exit 0. */
export async function run(args: string[]): Promise<number> {
  const parsed = await parseVerbArgs(HELP, args, CLIENT_OPTIONS);
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  const daemon = await daemonVersion(resolveSocketPath(values.socket));
  await writeStdout(
    `sshlog ${VERSION}\n` + (daemon === undefined ? "" : `daemon ${escapeText(daemon)}\n`),
  );
  return EXIT_OK;
}

/** `sshlog kill`: end a live SSH session the daemon tracks. */

import { parseArgs } from "node:util";
import type { SessionSnapshot } from "../events/mod.ts";
import { escapeText } from "../events/mod.ts";
import { IpcClient } from "../ipc/mod.ts";
import { type IdentityFields, identityFields, removeProof } from "./_identity.ts";
import {
  CLIENT_OPTIONS,
  EXIT_OK,
  printHelp,
  resolveSocketPath,
  runtimeFailure,
  SOCKET_FLAG_HELP,
  usageFailure,
  type VerbHelp,
  writeStdout,
} from "./_common.ts";

/** Help of `sshlog kill`. */
export const HELP: VerbHelp = {
  name: "kill",
  summary: "End a live SSH session: its sshd is stopped, the client disconnected.",
  usage: "kill SESSION [--socket PATH]   (SESSION = session_id, TTY number or ptm_pid)",
  flags: [SOCKET_FLAG_HELP, ["-h, --help", "show this help"]],
  examples: [
    "sshlog kill 3",
    "sshlog kill 20261127T174212Z-29903-29910",
    "sshlog sessions --json | jq -r '.sessions[0].session_id' | xargs sshlog kill",
  ],
};

/** Runs `sshlog kill ARGS…`; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: CLIENT_OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    return await usageFailure(HELP, error);
  }
  const { values, positionals } = parsed;
  if (values.help) return await printHelp(HELP);
  if (positionals.length !== 1) {
    return await usageFailure(HELP, positionals.length ? "Give one session" : "Give a session");
  }
  const socket = resolveSocketPath(values.socket);
  let client: IpcClient | undefined;
  let identity: IdentityFields | undefined;
  try {
    client = await IpcClient.connect(socket);
    identity = await identityFields(socket);
    const answer = await client.request({ op: "kill", session: positionals[0], ...identity });
    const s = answer.session as SessionSnapshot;
    await writeStdout(
      `Killed session ${escapeText(s.session_id)} of ${escapeText(s.username)} from ` +
        `${escapeText(s.tcp_info.client_ip)}\n`,
    );
    return EXIT_OK;
  } catch (error) {
    return await runtimeFailure(error);
  } finally {
    client?.close();
    if (identity) await removeProof(socket, identity);
  }
}

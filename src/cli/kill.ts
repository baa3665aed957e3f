/** `sshlog kill`: end a live SSH session the daemon tracks. */

import type { SessionSnapshot } from "../events/mod.ts";
import { escapeText } from "../events/mod.ts";
import { IpcClient } from "../ipc/mod.ts";
import { type IdentityFields, identityFields, removeProof } from "./_identity.ts";
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
  const parsed = await parseVerbArgs(HELP, args, CLIENT_OPTIONS, {
    max: 1,
    missing: "Give a session",
  });
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
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

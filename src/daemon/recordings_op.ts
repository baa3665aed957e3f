/**
 * The `recordings` op of the daemon socket: lists the recordings of every folder the running
 * configuration records sessions into, so `sshlog recordings` (and `replay SESSION`) find them
 * wherever `log_directory` points, and members of group `sshlog` can list them without reading
 * the root-only folders themselves.
 */
import { type IpcEnvelope, type IpcServer, optionalText } from "../ipc/mod.ts";
import { type ListOptions, listRecordingsIn } from "../recorder/mod.ts";

/** Longest `grep` text (a user or session is a name: the protocol's usual limit). */
const MAX_GREP_LENGTH = 4096;

/**
 * Parses the filters of a `recordings` request: `user`, `grep`, `session` (strings) and `since`
 * (epoch ms).
 * @throws {TypeError} when a field has the wrong shape
 */
export function parseRecordingsRequest(envelope: IpcEnvelope): ListOptions {
  const options: ListOptions = {};
  const user = optionalText(envelope, "user");
  if (user !== undefined) options.user = user;
  const grep = optionalText(envelope, "grep", MAX_GREP_LENGTH);
  if (grep !== undefined) options.grep = grep;
  const session = optionalText(envelope, "session");
  if (session !== undefined) options.session = session;
  const since = envelope.since;
  if (since !== undefined && since !== null) {
    if (typeof since !== "number" || !Number.isFinite(since)) {
      throw new TypeError('Malformed "recordings" request: "since" must be epoch milliseconds');
    }
    options.since = since;
  }
  return options;
}

/** Adds the `recordings` op to the daemon's socket; `dirs` gives the folders recorded into now. */
export function registerRecordingsOp(server: IpcServer, dirs: () => string[]): void {
  server.handle("recordings", {
    parse: parseRecordingsRequest,
    run: async (options, connection) => {
      connection.send({ ok: true, recordings: await listRecordingsIn(dirs(), options) });
    },
  });
}

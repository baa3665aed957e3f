/**
 * Who a socket client is, for the audit fields of attach and kill. A client names its user and
 * pid and a proof file (proofDirOf in the IPC protocol) whose owner the kernel set: the uid is
 * that owner, never what the request says. A non-root client is named by its uid; root's name is
 * what it says (root could forge anything anyway, and `sudo` callers name themselves). Without a
 * valid proof the identity is recorded as unverified.
 */
import { type IpcEnvelope, PROOF_NAME, proofDirOf, proofText } from "../ipc/mod.ts";
import { userName } from "../sessions/users.ts";

/** How old a proof file may be, ms. */
const PROOF_MAX_AGE_MS = 60_000;

/** A socket client's identity as the daemon records it. */
export interface ClientIdentity {
  "admin_user": string;
  /** The uid proven by the client, or -1 when it gave no valid proof. */
  "admin_uid": number;
  /** The client's pid as it says (used to refuse attaching to one's own session). */
  clientPid: number;
}

/** The owner of a valid proof file `name` of process `pid` in `dir` (then removed), or undefined. */
async function proofOwner(dir: string, name: unknown, pid: number): Promise<number | undefined> {
  if (typeof name !== "string" || !PROOF_NAME.test(name)) return undefined;
  const path = `${dir}/${name}`;
  try {
    const stat = await Deno.lstat(path);
    const fresh = Date.now() - (stat.mtime?.getTime() ?? 0) < PROOF_MAX_AGE_MS;
    const single = stat.isFile && stat.nlink === 1 && (stat.mode! & 0o077) === 0;
    if (!single || !fresh || stat.size > 64) return undefined;
    if (await Deno.readTextFile(path) !== proofText(pid)) return undefined;
    await Deno.remove(path);
    return stat.uid ?? undefined;
  } catch {
    return undefined; // gone, or not readable
  }
}

/** The identity of the client that sent `envelope` (`admin_user`, `client_pid`, `proof`). */
export async function identifyClient(
  envelope: IpcEnvelope,
  socketPath: string,
): Promise<ClientIdentity> {
  const clientPid = Number.isInteger(envelope.client_pid) ? envelope.client_pid as number : 0;
  const said = typeof envelope.admin_user === "string" && envelope.admin_user !== ""
    ? envelope.admin_user.slice(0, 256)
    : "unknown";
  const uid = clientPid > 0
    ? await proofOwner(proofDirOf(socketPath), envelope.proof, clientPid)
    : undefined;
  if (uid === undefined) return { admin_user: `${said} (unverified)`, admin_uid: -1, clientPid };
  return { admin_user: uid === 0 ? said : userName(uid), admin_uid: uid, clientPid };
}

/**
 * Who a socket client is, for the audit fields of attach and kill. A client names its user and
 * pid and a proof file in the socket's proof folder (proofDirOf in the IPC protocol) whose owner
 * the kernel set: the uid is that owner, never what the request says. A non-root client is named
 * by its uid; root's name is what it says (root could forge anything anyway, and `sudo` callers
 * name themselves). Without a valid proof the identity is recorded as unverified.
 */
import {
  type IpcEnvelope,
  PROOF_CHECKED_DIR,
  PROOF_NAME,
  proofDirOf,
  proofText,
} from "../ipc/mod.ts";
import { userName } from "../sessions/users.ts";

/** How old a proof file may be, ms; older files left by crashed clients are swept. */
const PROOF_MAX_AGE_MS = 60_000;
/** A proof's size limit: `sshlog-proof <pid>\n`. */
const PROOF_MAX_BYTES = 64;

/** A socket client's identity as the daemon records it. */
export interface ClientIdentity {
  "admin_user": string;
  /** The uid proven by the client, or -1 when it gave no valid proof. */
  "admin_uid": number;
  /** The client's pid as it says (used to refuse attaching to one's own session). */
  clientPid: number;
}

/**
 * The owner of the proof file `name` in `dir` if it is a small regular file of mode 0600 or less
 * holding the proof text of `pid` (the client's own statement, binding the proof to the request);
 * undefined otherwise. The file is first moved into the root-only folder, so the client can no
 * longer swap it (for a symlink, a FIFO or a growing file) while it is checked; it is then removed.
 */
async function proofOwner(dir: string, name: unknown, pid: number): Promise<number | undefined> {
  if (typeof name !== "string" || !PROOF_NAME.test(name)) return undefined;
  const path = `${dir}/${name}`;
  if (!(await Deno.lstat(path).catch(() => undefined))?.isFile) return undefined;
  const staged = `${dir}/${PROOF_CHECKED_DIR}/${crypto.randomUUID()}`;
  try {
    await Deno.rename(path, staged);
  } catch {
    return undefined; // no such proof
  }
  try {
    const stat = await Deno.lstat(staged);
    const fresh = Date.now() - (stat.mtime?.getTime() ?? 0) < PROOF_MAX_AGE_MS;
    const plain = stat.isFile && stat.nlink === 1 && (stat.mode! & 0o077) === 0;
    if (!plain || !fresh || stat.size > PROOF_MAX_BYTES) return undefined;
    const file = await Deno.open(staged, { read: true });
    const bytes = new Uint8Array(PROOF_MAX_BYTES + 1);
    let length: number | null;
    try {
      length = await file.read(bytes);
    } finally {
      file.close();
    }
    const text = new TextDecoder().decode(bytes.subarray(0, length ?? 0));
    return text === proofText(pid) ? stat.uid ?? undefined : undefined;
  } catch {
    return undefined;
  } finally {
    await Deno.remove(staged, { recursive: true }).catch(() => {});
  }
}

let lastSweep = 0;

/**
 * Removes, once a minute, what clients left behind in `dir` and its checking folder: proofs of
 * clients that crashed, and anything older than a minute or dated in the future (a member may set
 * any time on their own file).
 */
async function sweep(dir: string, now: number): Promise<void> {
  if (now - lastSweep < PROOF_MAX_AGE_MS) return;
  lastSweep = now;
  for (const folder of [dir, `${dir}/${PROOF_CHECKED_DIR}`]) {
    try {
      for await (const entry of Deno.readDir(folder)) {
        if (folder === dir && entry.name === PROOF_CHECKED_DIR) continue;
        const path = `${folder}/${entry.name}`;
        const age = now - ((await Deno.lstat(path).catch(() => undefined))?.mtime?.getTime() ?? 0);
        if (age >= PROOF_MAX_AGE_MS || age < -PROOF_MAX_AGE_MS) {
          await Deno.remove(path, { recursive: true }).catch(() => {});
        }
      }
    } catch { /* no proof folder: nothing to sweep */ }
  }
}

/** The identity of the client that sent `envelope` (`admin_user`, `client_pid`, `proof`). */
export async function identifyClient(
  envelope: IpcEnvelope,
  socketPath: string,
): Promise<ClientIdentity> {
  const dir = proofDirOf(socketPath);
  await sweep(dir, Date.now());
  const clientPid = Number.isInteger(envelope.client_pid) ? envelope.client_pid as number : 0;
  const said = typeof envelope.admin_user === "string" && envelope.admin_user !== ""
    ? envelope.admin_user.slice(0, 256)
    : "unknown";
  const uid = clientPid > 0 ? await proofOwner(dir, envelope.proof, clientPid) : undefined;
  if (uid === undefined) return { admin_user: `${said} (unverified)`, admin_uid: -1, clientPid };
  return { admin_user: uid === 0 ? said : userName(uid), admin_uid: uid, clientPid };
}

/**
 * The socket file's life: clear a stale one, refuse to steal a live one, set its mode and group.
 *
 * Access control is the file itself: connecting to a Unix socket needs write permission on it, so
 * mode 0660 with owner root and group `sshlog` admits exactly root and members of `sshlog` (without
 * that group, only root). The daemon does not read peer credentials: Deno has no SO_PEERCRED, and
 * the file mode gives the same answer; who a client is, when that matters (attach, kill), it
 * proves with a file in the socket's proof folder. Put the socket in a directory only root can write
 * (/var/run), so nobody can swap the file.
 */

import { getLogger } from "@logtape/logtape";
import { IpcError } from "./ipc_error.ts";
import { PROOF_CHECKED_DIR } from "./protocol.ts";

const logger = getLogger(["sshlog", "ipc"]);

/** Removes a stale socket at `path`; throws when a live daemon answers there or a non-socket is in the way. */
export async function claimSocketPath(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  if (!info.isSocket) {
    throw new IpcError(
      `Cannot listen on "${path}": a file that is not a socket is in the way`,
      "in_use",
    );
  }
  let probe: Deno.UnixConn;
  try {
    probe = await Deno.connect({ transport: "unix", path });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    if (!(error instanceof Deno.errors.ConnectionRefused)) throw error;
    logger.info("Removing the stale socket {path}", { path });
    await Deno.remove(path);
    return;
  }
  probe.close();
  throw new IpcError(
    `Cannot listen on "${path}": another sshlog daemon answers on it (stop it first)`,
    "in_use",
  );
}

/** Finds a group's id in a group(5) file; undefined when it has no such group or cannot be read. */
export async function lookupGroupId(
  name: string,
  groupFile = "/etc/group",
): Promise<number | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(groupFile);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  for (const line of text.split("\n")) {
    const [groupName, , gid] = line.split(":");
    if (groupName === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

/** Sets the socket's mode and, when the group exists, its group; logs when the group is missing. */
export async function secureSocketFile(path: string, mode: number, group: string): Promise<void> {
  await Deno.chmod(path, mode);
  const gid = await lookupGroupId(group);
  if (gid === undefined) {
    logger.info("No group {group}: only root can use the socket {path}", { group, path });
    return;
  }
  try {
    await Deno.chown(path, null, gid);
  } catch (error) {
    if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
    logger.warn("Cannot give the socket {path} to group {group}: {error}", { path, group, error });
  }
}

/**
 * Throws unless only this process's user may rename entries of `dir` and of every folder above
 * it: each owned by that user (root), and not writable by others unless sticky (/tmp is fine).
 */
async function checkOnlyOwnerRenames(dir: string): Promise<void> {
  const uid = Deno.uid();
  for (let at = dir;; at = at.slice(0, at.lastIndexOf("/")) || "/") {
    const info = await Deno.lstat(at);
    const sticky = (info.mode! & 0o1000) !== 0;
    if (info.uid !== uid || ((info.mode! & 0o022) !== 0 && !sticky)) {
      throw new Error(`others may replace entries of ${at}`);
    }
    if (at === "/") return;
  }
}

/**
 * Makes the proof folder of a socket (see proofDirOf): mode 1730 with group `group` (members and
 * root create files, nobody lists them, each removes only their own), or 1700 when the group is
 * missing or cannot be set; inside it the folder, the daemon's only, where proofs are checked. A
 * stale folder from an earlier daemon is replaced. Made only where nobody else can swap the path
 * (every folder above it checked, symlinks resolved), by this mkdir (never an existing one);
 * returns the real path of the folder.
 * @throws {Error} when that cannot be ensured: clients then go unverified
 */
export async function prepareProofDir(dir: string, group: string): Promise<string> {
  const slash = dir.lastIndexOf("/");
  const parent = await Deno.realPath(slash < 0 ? "." : dir.slice(0, slash) || "/");
  await checkOnlyOwnerRenames(parent);
  const real = `${parent === "/" ? "" : parent}/${dir.slice(slash + 1)}`;
  await removeProofDir(real);
  await Deno.mkdir(real, { mode: 0o700 });
  await Deno.mkdir(`${real}/${PROOF_CHECKED_DIR}`, { mode: 0o700 });
  let gid = await lookupGroupId(group);
  if (gid !== undefined) {
    try {
      await Deno.chown(real, null, gid);
    } catch (error) {
      if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
      gid = undefined;
    }
  }
  await Deno.chmod(real, gid === undefined ? 0o1700 : 0o1730);
  return real;
}

/** Removes a proof folder and what is in it (a non-folder in its place too, never followed). */
export async function removeProofDir(dir: string): Promise<void> {
  try {
    const info = await Deno.lstat(dir);
    await Deno.remove(dir, { recursive: info.isDirectory });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * The e2e harness: runs a REAL OpenSSH sshd as root on loopback (127.0.0.1 and ::1, a free port,
 * a throwaway host key) and drives the real ssh, scp and sftp clients against it.
 *
 * ```ts
 * await using sshd = await startSshd();
 * await sshd.ensureUser("alice");
 * const result = await sshd.ssh("alice", ["echo", "hi"]);
 * ```
 * @module
 */
import { launchSshd, type SshdHandle, type SshdOptions } from "./_launch.ts";

export type { SshdHandle, SshdOptions } from "./_launch.ts";
export type { CommandResult, WaitOptions } from "./_process.ts";
export { waitFor } from "./_process.ts";
export {
  type ClientOptions,
  scp,
  type ScpOptions,
  type ScpTransfer,
  sftp,
  spawnSsh,
  ssh,
  type SshOptions,
  SshSession,
  type SshTarget,
} from "./client.ts";
export {
  CACHE_DIR,
  CLIENT_KEY_PATH,
  clientPublicKey,
  ensureUser,
  findUser,
  setPassword,
  type TestUser,
  type UserOptions,
} from "./users.ts";
export { debianMirror, ensureTrixieRoot, startTrixieSshd, TRIXIE_ROOT } from "./trixie.ts";

/**
 * Starts the host's OpenSSH sshd (`/usr/sbin/sshd -D -f CONFIG -E LOG`) on a free port of
 * 127.0.0.1 and ::1 with `UsePAM yes`, password and root login allowed, `StrictModes no`.
 * Stop it with `handle.stop()` or `await using`.
 * @throws {Error} with sshd's message when it refuses the config or does not start
 */
export function startSshd(options: SshdOptions = {}): Promise<SshdHandle> {
  return launchSshd({ root: "/", wrap: (argv) => argv, versionConfig: [] }, options);
}

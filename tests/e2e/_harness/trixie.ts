/**
 * OpenSSH 10 from a Debian 13 (trixie) root: made once with debootstrap into the harness cache,
 * then its sshd runs chrooted, in a private mount namespace that holds the host's /dev (with
 * /dev/pts) and a fresh /proc, so no mount outlives it.
 */
import { join } from "node:path";
import { launchSshd, type SshdHandle, type SshdOptions } from "./_launch.ts";
import { chrootArgv, ensureDebianRoot } from "./debian_root.ts";
import { CACHE_DIR } from "./users.ts";

export { debianMirror } from "./debian_root.ts";

/** Where the trixie root is kept between runs. */
export const TRIXIE_ROOT = join(CACHE_DIR, "trixie");

/** Returns the trixie root (OpenSSH 10), making it first when missing. */
export function ensureTrixieRoot(): Promise<string> {
  return ensureDebianRoot({
    suite: "trixie",
    include: ["openssh-server", "bash"],
    markers: ["usr/lib/openssh/sshd-session", "usr/sbin/sshd", "bin/bash"],
  });
}

/**
 * Starts OpenSSH 10 (Debian trixie) chrooted in the cached trixie root, making that root first if
 * needed. Its users live in the root's /etc/passwd: create them with `handle.ensureUser()`.
 * @throws {Error} when the root cannot be made or sshd does not start
 */
export async function startTrixieSshd(options: SshdOptions = {}): Promise<SshdHandle> {
  const root = await ensureTrixieRoot();
  return await launchSshd({
    root,
    wrap: (argv) => chrootArgv(root, argv),
    // OpenSSH 9.8+ would refuse loopback for a while after failed logins, which tests make.
    versionConfig: ["PerSourcePenalties no"],
  }, options);
}

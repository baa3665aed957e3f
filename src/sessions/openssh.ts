/** What the OpenSSH process layouts look like: which images are sshd itself, which move files. */

/** Images of the OpenSSH server: 9.x `sshd` (rexec'd `sshd -R`), 10.x `sshd-session`, `sshd-auth`. */
const DAEMON_NAMES = new Set(["sshd", "sshd-session", "sshd-auth"]);

/** The last component of a path. */
export function baseName(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? path : path.slice(i + 1);
}

/** True for an image of the OpenSSH server itself. */
export function isOpenSshDaemon(path: string): boolean {
  return DAEMON_NAMES.has(baseName(path));
}

/** True for the programs that move files for scp and sftp: `sftp-server`, `scp -t`, `scp -f`. */
export function isTransferProgram(path: string, argv: string[]): boolean {
  const name = baseName(path);
  if (name === "sftp-server") return true;
  return name === "scp" && argv.some((a) => /^-[a-zA-Z]*[tf]/.test(a) && !a.startsWith("--"));
}

/**
 * True when a session's first command line runs a file transfer: sshd starts `sftp-server` and
 * `scp -t`/`scp -f` through the user's shell (`bash -c "scp -t /dir"`), so the words are checked.
 */
export function isTransferCommand(argv: string[]): boolean {
  const words = argv.join(" ").split(/\s+/);
  return words.some((w, i) =>
    baseName(w) === "sftp-server" ||
    (baseName(w) === "scp" && words.slice(i + 1).some((a) => /^-[a-zA-Z]*[tf]/.test(a)))
  );
}

/** Paths, relative to a listener's root, of the OpenSSH binaries whose I/O is hooked. */
export const HOOKED_BINARIES = [
  "/usr/sbin/sshd",
  "/usr/lib/openssh/sshd-session",
  "/usr/lib/openssh/sftp-server",
  "/usr/bin/scp",
];

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

/* How sshd starts a transfer through the user's shell (`shell -c CMD`): CMD is the subsystem's
 * path (`sftp-server`, with options) or the scp the client asked for (`scp -t DIR`, `scp -f
 * FILE`). Any shell syntax beyond that (`;`, `|`, `$`, …) makes it an ordinary command. */
const SHELL_SAFE = String.raw`[^\s;&|` + "`" + String.raw`$<>(){}\\'"]`;
const SFTP_SERVER_COMMAND = new RegExp(
  String.raw`^(?:${SHELL_SAFE}*\/)?sftp-server(?: ${SHELL_SAFE}+)*$`,
);
const SCP_COMMAND = new RegExp(
  String
    .raw`^(?:${SHELL_SAFE}*\/)?scp(?: -[a-zA-Z]+)* -[a-zA-Z]*[tf][a-zA-Z]*(?: -[a-zA-Z]+)* ${SHELL_SAFE}+$`,
);

/**
 * True when a session without a terminal runs exactly a file transfer as its command: then its
 * data is the transfer's protocol and file contents, not a screen.
 */
export function isTransferCommand(argv: string[], hasTerminal: boolean): boolean {
  if (hasTerminal) return false;
  const command = argv.length === 3 && argv[1] === "-c" ? argv[2]! : argv.join(" ");
  const name = baseName(command.split(" ")[0] ?? "");
  if (name === "sftp-server") return SFTP_SERVER_COMMAND.test(command);
  return name === "scp" && SCP_COMMAND.test(command);
}

/** Paths, relative to a listener's root, of the OpenSSH binaries whose I/O is hooked. */
export const HOOKED_BINARIES = [
  "/usr/sbin/sshd",
  "/usr/lib/openssh/sshd-session",
  "/usr/lib/openssh/sftp-server",
  "/usr/bin/scp",
];

/**
 * Test users and the harness's client key: local accounts (on the host or inside a chroot) whose
 * authorized_keys accept the one client key the harness generates and caches.
 */
import { join } from "node:path";
import { run } from "./_process.ts";

/** Where the harness keeps what outlives a test run: the client key and the trixie root. */
export const CACHE_DIR = Deno.env.get("SSHLOG_TEST_CACHE") ?? "/var/cache/sshlog-test";

/** Path of the harness's private client key (ed25519, no passphrase). */
export const CLIENT_KEY_PATH = join(CACHE_DIR, "client_key");

/** A local account as found in `/etc/passwd` of the root it lives in. */
export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  /** Home directory as seen from inside its root. */
  home: string;
}

/** Options of {@linkcode ensureUser} and {@linkcode setPassword}. */
export interface UserOptions {
  /** The root directory whose /etc/passwd holds the user (a chroot). Default "/". */
  root?: string;
}

let publicKey: Promise<string> | undefined;

/**
 * Creates the cached client key if missing and returns its public key line. Safe to call from
 * parallel processes: the first key linked into place wins and the others discard theirs.
 */
export function clientPublicKey(): Promise<string> {
  publicKey ??= (async () => {
    await Deno.mkdir(CACHE_DIR, { recursive: true, mode: 0o700 });
    if (!(await exists(CLIENT_KEY_PATH))) {
      const scratch = `${CLIENT_KEY_PATH}.tmp-${Deno.pid}`;
      await Deno.remove(scratch).catch(() => {});
      await run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "sshlog-test", "-f", scratch],
        {
          check: true,
        },
      );
      try {
        await Deno.link(scratch, CLIENT_KEY_PATH);
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      }
      await Deno.remove(scratch);
      await Deno.remove(`${scratch}.pub`);
    }
    const derived = await run(["ssh-keygen", "-y", "-f", CLIENT_KEY_PATH], { check: true });
    return `${derived.stdout.trim()} sshlog-test`;
  })();
  return publicKey;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Reads a user from `ROOT/etc/passwd`; `undefined` when there is none of that name. */
export async function findUser(
  name: string,
  options: UserOptions = {},
): Promise<TestUser | undefined> {
  const passwd = await Deno.readTextFile(join(options.root ?? "/", "etc/passwd"));
  for (const line of passwd.split("\n")) {
    const [user, , uid, gid, , home] = line.split(":");
    if (user === name && home !== undefined) {
      return { name, uid: Number(uid), gid: Number(gid), home };
    }
  }
  return undefined;
}

function inRoot(root: string, argv: string[]): string[] {
  return root === "/" ? argv : ["chroot", root, ...argv];
}

/**
 * Makes sure a local user exists (`useradd -m -s /bin/bash`, run inside the chroot when `root` is
 * given) and that its `~/.ssh/authorized_keys` holds the client key. Works for root too.
 * @throws {Error} when useradd fails for another reason than a concurrent creation
 */
export async function ensureUser(name: string, options: UserOptions = {}): Promise<TestUser> {
  if (!/^[a-z_][a-z0-9_-]{0,30}$/.test(name)) {
    throw new RangeError(`Cannot create user "${name}": not a portable user name`);
  }
  const key = await clientPublicKey();
  // Parallel test processes would race between useradd writing passwd and creating the home.
  using lock = await Deno.open(join(CACHE_DIR, "users.lock"), { create: true, write: true });
  await lock.lock(true);
  return await ensureUserLocked(name, options.root ?? "/", key);
}

async function ensureUserLocked(name: string, root: string, key: string): Promise<TestUser> {
  let user = await findUser(name, { root });
  if (user === undefined) {
    const created = await run(inRoot(root, ["useradd", "-m", "-s", "/bin/bash", name]));
    user = await findUser(name, { root });
    if (user === undefined) {
      throw new Error(`Cannot create user "${name}" in "${root}": ${created.stderr.trim()}`);
    }
  }
  const home = join(root, user.home);
  const sshDir = join(home, ".ssh");
  const keysPath = join(sshDir, "authorized_keys");
  await Deno.mkdir(sshDir, { recursive: true, mode: 0o700 });
  let current = "";
  try {
    current = await Deno.readTextFile(keysPath);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const keyBody = key.split(" ").slice(0, 2).join(" ");
  if (!current.split("\n").some((line) => line.includes(keyBody))) {
    const separator = current === "" || current.endsWith("\n") ? "" : "\n";
    await Deno.writeTextFile(keysPath, `${separator}${key}\n`, { append: true, mode: 0o600 });
  }
  if (user.uid !== 0) {
    // sshd reads authorized_keys as the user: the home must be theirs to enter.
    if ((await Deno.stat(home)).uid === 0) await Deno.chown(home, user.uid, user.gid);
    await Deno.chown(sshDir, user.uid, user.gid);
    await Deno.chown(keysPath, user.uid, user.gid);
  }
  return user;
}

/**
 * Sets a user's password with `chpasswd` (inside the chroot when `root` is given).
 * @throws {Error} when chpasswd fails
 */
export async function setPassword(
  name: string,
  password: string,
  options: UserOptions = {},
): Promise<void> {
  if (/[:\n]/.test(password)) {
    throw new RangeError("Cannot set a password holding a colon or a newline");
  }
  await run(inRoot(options.root ?? "/", ["chpasswd"]), {
    stdin: `${name}:${password}\n`,
    check: true,
  });
}

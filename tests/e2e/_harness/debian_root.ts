/**
 * Debian roots for end-to-end tests, made once with debootstrap into the harness cache: a trixie
 * root runs OpenSSH 10, a bookworm root is a clean machine to install the packages into.
 */
import { join } from "node:path";
import { run, waitFor } from "./_process.ts";
import { CACHE_DIR } from "./users.ts";

/**
 * Returns the Debian mirror this machine's apt uses (the only one reachable here), read from
 * /etc/apt/sources.list and sources.list.d; `SSHLOG_TEST_DEBIAN_MIRROR` overrides it.
 * @throws {Error} when no Debian (non-security) source is configured
 */
export async function debianMirror(): Promise<string> {
  const override = Deno.env.get("SSHLOG_TEST_DEBIAN_MIRROR");
  if (override) return override;
  const files = ["/etc/apt/sources.list"];
  try {
    for await (const entry of Deno.readDir("/etc/apt/sources.list.d")) {
      if (/\.(list|sources)$/.test(entry.name)) files.push(`/etc/apt/sources.list.d/${entry.name}`);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const uris: string[] = [];
  for (const file of files.sort()) {
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    uris.push(...(file.endsWith(".sources") ? deb822Uris(text) : oneLineUris(text)));
  }
  const mirror = uris.find((uri) => /^https?:\/\/.*debian/.test(uri) && !/security/.test(uri));
  if (mirror === undefined) {
    throw new Error(
      "Cannot find a Debian mirror in /etc/apt sources: set SSHLOG_TEST_DEBIAN_MIRROR",
    );
  }
  return mirror;
}

function oneLineUris(text: string): string[] {
  const uris: string[] = [];
  for (const line of text.split("\n")) {
    const words = line.replace(/#.*/, "").replace(/\[[^\]]*\]/, "").trim().split(/\s+/);
    if (words[0] === "deb" && words[1] !== undefined) uris.push(words[1]);
  }
  return uris;
}

function deb822Uris(text: string): string[] {
  const uris: string[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split("\n")) {
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (match) fields.set(match[1]!.toLowerCase(), match[2]!.trim());
    }
    if (fields.get("enabled")?.toLowerCase() === "no") continue;
    if (!(fields.get("types") ?? "").split(/\s+/).includes("deb")) continue;
    uris.push(...(fields.get("uris") ?? "").split(/\s+/).filter((uri) => uri !== ""));
  }
  return uris;
}

/** A Debian root to make with debootstrap. */
export interface DebianRootSpec {
  /** The suite (bookworm, trixie); also the folder name in the cache. */
  suite: string;
  /** Packages added to the minbase variant. */
  include: string[];
  /** Files (relative to the root) whose presence says the root is complete. */
  markers: string[];
}

async function isComplete(root: string, spec: DebianRootSpec): Promise<boolean> {
  try {
    for (const marker of spec.markers) await Deno.stat(join(root, marker));
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Lazily unmounts everything mounted below `path` (an interrupted debootstrap leaves /proc). */
export async function unmountUnder(path: string): Promise<void> {
  const mounts = (await Deno.readTextFile("/proc/self/mounts")).split("\n")
    .map((line) => line.split(" ")[1] ?? "")
    .filter((point) => point.startsWith(path + "/"))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) await run(["umount", "-l", point]);
}

/** Takes the creation lock, or returns false when another live process holds it. */
async function tryLock(lockDir: string): Promise<boolean> {
  try {
    await Deno.mkdir(lockDir);
    await Deno.writeTextFile(join(lockDir, "pid"), String(Deno.pid));
    return true;
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  const holder = Number(await Deno.readTextFile(join(lockDir, "pid")).catch(() => "0"));
  let alive = false;
  try {
    await Deno.stat(`/proc/${holder}`);
    alive = holder > 0;
  } catch {
    alive = false;
  }
  const age = Date.now() - ((await Deno.stat(lockDir)).mtime?.getTime() ?? 0);
  if (!alive && age > 5_000) await Deno.remove(lockDir, { recursive: true }).catch(() => {});
  return false;
}

/**
 * Returns the cached root of `spec`, first making it with `debootstrap --variant=minbase
 * --include=…` when missing (about 0.5–1.5 min, 250 MB). Parallel callers wait for one creation.
 * @throws {Error} with the end of debootstrap's log when it fails
 */
export async function ensureDebianRoot(spec: DebianRootSpec): Promise<string> {
  const root = join(CACHE_DIR, spec.suite);
  const lockDir = `${root}.lock`;
  if (await isComplete(root, spec)) return root;
  await Deno.mkdir(CACHE_DIR, { recursive: true, mode: 0o700 });
  await waitFor(`the ${spec.suite} root lock`, async () => {
    if (await isComplete(root, spec)) return true;
    return (await tryLock(lockDir)) ? true : undefined;
  }, { timeoutMs: 15 * 60_000, intervalMs: 500 });
  try {
    if (await isComplete(root, spec)) return root;
    const scratch = `${root}.tmp`;
    for (const stale of [scratch, root]) {
      await unmountUnder(stale);
      await Deno.remove(stale, { recursive: true }).catch(() => {});
    }
    const logPath = join(CACHE_DIR, `${spec.suite}-debootstrap.log`);
    const argv = [
      "debootstrap",
      "--variant=minbase",
      `--include=${spec.include.join(",")}`,
      spec.suite,
      scratch,
      await debianMirror(),
    ];
    const result = await run(argv, { timeoutMs: 10 * 60_000 }).finally(() => unmountUnder(scratch));
    await Deno.writeTextFile(logPath, result.stdout + result.stderr);
    if (result.code !== 0 || !(await isComplete(scratch, spec))) {
      const tail = (result.stdout + result.stderr).trim().split("\n").slice(-5).join(" / ");
      throw new Error(`Cannot make the ${spec.suite} root with "${argv.join(" ")}": ${tail}`);
    }
    await Deno.rename(scratch, root);
    return root;
  } finally {
    await Deno.remove(lockDir, { recursive: true }).catch(() => {});
  }
}

/** What {@linkcode chrootArgv} mounts into the root besides the host's /dev and a new /proc. */
export interface ChrootMounts {
  /** Also the host's /sys (BPF needs it). Default false. */
  sys?: boolean;
  /** Host folders bind-mounted at paths inside the root (which must exist there). */
  binds?: [host: string, inRoot: string][];
}

/**
 * argv that runs `argv` chrooted in `root`, in a private mount namespace that holds the host's
 * /dev (with /dev/pts), a new /proc and what `mounts` asks for: no mount outlives the command.
 */
export function chrootArgv(
  root: string,
  argv: readonly string[],
  mounts: ChrootMounts = {},
): string[] {
  const steps = ['r="$1"', "shift", 'mount --rbind /dev "$r/dev"', 'mount -t proc proc "$r/proc"'];
  if (mounts.sys) steps.push('mount --rbind /sys "$r/sys"');
  for (const [host, inRoot] of mounts.binds ?? []) {
    if (/'/.test(host + inRoot)) throw new TypeError(`Cannot bind-mount a path with a quote`);
    steps.push(`mount --bind '${host}' "$r"'${inRoot}'`);
  }
  const script = `${steps.slice(0, 2).join("; ")}; ${steps.slice(2).join(" && ")} && ` +
    'exec chroot "$r" "$@"';
  return [
    "unshare",
    "--mount",
    "--propagation",
    "private",
    "--",
    "sh",
    "-c",
    script,
    "sh",
    root,
    ...argv,
  ];
}

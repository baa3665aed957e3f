/**
 * OpenSSH 10 from a Debian 13 (trixie) root: made once with debootstrap into the harness cache,
 * then its sshd runs chrooted, in a private mount namespace that holds the host's /dev (with
 * /dev/pts) and a fresh /proc, so no mount outlives it.
 */
import { join } from "node:path";
import { run, waitFor } from "./_process.ts";
import { launchSshd, type SshdHandle, type SshdOptions } from "./_launch.ts";
import { CACHE_DIR } from "./users.ts";

/** Where the trixie root is kept between runs. */
export const TRIXIE_ROOT = join(CACHE_DIR, "trixie");

const LOCK_DIR = join(CACHE_DIR, "trixie.lock");

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

async function isComplete(root: string): Promise<boolean> {
  try {
    await Deno.stat(join(root, "usr/lib/openssh/sshd-session"));
    await Deno.stat(join(root, "usr/sbin/sshd"));
    await Deno.stat(join(root, "bin/bash"));
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Lazily unmounts everything mounted below `path` (an interrupted debootstrap leaves /proc). */
async function unmountUnder(path: string): Promise<void> {
  const mounts = (await Deno.readTextFile("/proc/self/mounts")).split("\n")
    .map((line) => line.split(" ")[1] ?? "")
    .filter((point) => point.startsWith(path + "/"))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) await run(["umount", "-l", point]);
}

/** Takes the creation lock, or returns false when another live process holds it. */
async function tryLock(): Promise<boolean> {
  try {
    await Deno.mkdir(LOCK_DIR);
    await Deno.writeTextFile(join(LOCK_DIR, "pid"), String(Deno.pid));
    return true;
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  const holder = Number(await Deno.readTextFile(join(LOCK_DIR, "pid")).catch(() => "0"));
  let alive = false;
  try {
    await Deno.stat(`/proc/${holder}`);
    alive = holder > 0;
  } catch {
    alive = false;
  }
  const age = Date.now() - ((await Deno.stat(LOCK_DIR)).mtime?.getTime() ?? 0);
  if (!alive && age > 5_000) await Deno.remove(LOCK_DIR, { recursive: true }).catch(() => {});
  return false;
}

/**
 * Returns the trixie root, first making it with `debootstrap --variant=minbase
 * --include=openssh-server,bash` when missing (about 0.5–1.5 min, 260 MB). Parallel callers wait
 * for one creation.
 * @throws {Error} with the end of debootstrap's log when it fails
 */
export async function ensureTrixieRoot(): Promise<string> {
  if (await isComplete(TRIXIE_ROOT)) return TRIXIE_ROOT;
  await Deno.mkdir(CACHE_DIR, { recursive: true, mode: 0o700 });
  await waitFor("the trixie root lock", async () => {
    if (await isComplete(TRIXIE_ROOT)) return true;
    return (await tryLock()) ? true : undefined;
  }, { timeoutMs: 15 * 60_000, intervalMs: 500 });
  try {
    if (await isComplete(TRIXIE_ROOT)) return TRIXIE_ROOT;
    const scratch = `${TRIXIE_ROOT}.tmp`;
    for (const stale of [scratch, TRIXIE_ROOT]) {
      await unmountUnder(stale);
      await Deno.remove(stale, { recursive: true }).catch(() => {});
    }
    const logPath = join(CACHE_DIR, "trixie-debootstrap.log");
    const argv = [
      "debootstrap",
      "--variant=minbase",
      "--include=openssh-server,bash",
      "trixie",
      scratch,
      await debianMirror(),
    ];
    const result = await run(argv, { timeoutMs: 10 * 60_000 }).finally(() => unmountUnder(scratch));
    await Deno.writeTextFile(logPath, result.stdout + result.stderr);
    if (result.code !== 0 || !(await isComplete(scratch))) {
      const tail = (result.stdout + result.stderr).trim().split("\n").slice(-5).join(" / ");
      throw new Error(`Cannot make the trixie root with "${argv.join(" ")}": ${tail}`);
    }
    await Deno.rename(scratch, TRIXIE_ROOT);
    return TRIXIE_ROOT;
  } finally {
    await Deno.remove(LOCK_DIR, { recursive: true }).catch(() => {});
  }
}

/** Mounts the host's /dev and a new /proc into the root, then execs chroot with the argv. */
const ENTER_ROOT = 'r="$1"; shift; mount --rbind /dev "$r/dev" && mount -t proc proc "$r/proc" ' +
  '&& exec chroot "$r" "$@"';

/**
 * Starts OpenSSH 10 (Debian trixie) chrooted in the cached trixie root, making that root first if
 * needed. Its users live in the root's /etc/passwd: create them with `handle.ensureUser()`.
 * @throws {Error} when the root cannot be made or sshd does not start
 */
export async function startTrixieSshd(options: SshdOptions = {}): Promise<SshdHandle> {
  const root = await ensureTrixieRoot();
  return await launchSshd({
    root,
    wrap: (argv) => [
      "unshare",
      "--mount",
      "--propagation",
      "private",
      "--",
      "sh",
      "-c",
      ENTER_ROOT,
      "sh",
      root,
      ...argv,
    ],
    // OpenSSH 9.8+ would refuse loopback for a while after failed logins, which tests make.
    versionConfig: ["PerSourcePenalties no"],
  }, options);
}

/**
 * Resolves user ids to names from the passwd file of the process's own root (/proc/PID/root),
 * so users of a chroot or container resolve to their own names, then from the host's user
 * database (NSS: LDAP, SSSD…) for users no passwd file lists.
 */

import { lookupUser } from "../../ffi/libc.ts";

interface PasswdCache {
  mtimeMs: number;
  byUid: Map<number, string>;
  byName: Map<string, number>;
  /** [home, name], longest home first. */
  homes: [string, string][];
}

const caches = new Map<string, PasswdCache>();

/**
 * The parsed passwd file at `path`, cached by the file's identity (device, inode, mtime): the
 * host's and each chroot's file are read once however many /proc/PID/root paths lead to them.
 */
function load(path: string): PasswdCache | undefined {
  let key: string;
  let mtimeMs: number;
  let text: string;
  try {
    const stat = Deno.statSync(path);
    mtimeMs = stat.mtime?.getTime() ?? 0;
    key = `${stat.dev}:${stat.ino}:${mtimeMs}`;
    const cached = caches.get(key);
    if (cached) return cached;
    text = Deno.readTextFileSync(path);
  } catch {
    return undefined; // the process ended, or no passwd in its root
  }
  const byUid = new Map<number, string>();
  const byName = new Map<string, number>();
  const homes: [string, string][] = [];
  for (const line of text.split("\n")) {
    const [name, , uid, , , home] = line.split(":");
    if (!name || uid === undefined || !/^\d+$/.test(uid)) continue;
    if (!byUid.has(Number(uid))) byUid.set(Number(uid), name);
    if (!byName.has(name)) byName.set(name, Number(uid));
    if (home && home !== "/") homes.push([home.replace(/\/+$/, ""), name]);
  }
  homes.sort((a, b) => b[0].length - a[0].length);
  const entry = { mtimeMs, byUid, byName, homes };
  if (caches.size >= 64) caches.delete(caches.keys().next().value!); // a few roots at most
  caches.set(key, entry);
  return entry;
}

function passwdPaths(pid: number | undefined): string[] {
  return pid ? [`/proc/${pid}/root/etc/passwd`, "/etc/passwd"] : ["/etc/passwd"];
}

/** How long an answer of the system's user database (NSS) is kept, ms. */
const DIRECTORY_TTL_MS = 10 * 60_000;
const directory = new Map<number, { at: number; user: ReturnType<typeof lookupUser> }>();

/**
 * A user of the system's user database (LDAP, SSSD… through NSS) for a uid no passwd file has
 * (uids come from the kernel, so only real users are asked for); answers, "no such user"
 * included, are cached so a directory server is asked rarely.
 */
function directoryUser(key: number): ReturnType<typeof lookupUser> {
  const now = Date.now();
  const cached = directory.get(key);
  if (cached && now - cached.at < DIRECTORY_TTL_MS) return cached.user;
  let user: ReturnType<typeof lookupUser>;
  try {
    user = lookupUser(key);
  } catch {
    user = undefined; // no NSS here (static runtime): passwd files only
  }
  if (directory.size >= 4096) directory.delete(directory.keys().next().value!);
  directory.set(key, { at: now, user });
  return user;
}

/**
 * The name of `uid` as seen by process `pid` (its root's passwd, then the host's user database),
 * or the number as text.
 */
export function userName(uid: number, pid?: number): string {
  for (const path of passwdPaths(pid)) {
    const name = load(path)?.byUid.get(uid);
    if (name !== undefined) return name;
  }
  return directoryUser(uid)?.name ?? String(uid);
}

/**
 * The uid of `name` as seen by process `pid` (its passwd files), or -1 when none. Names come from
 * failed logins, chosen by whoever connects: they are never sent to a directory server, where each
 * new one would be a blocking query.
 */
export function userId(name: string, pid?: number): number {
  for (const path of passwdPaths(pid)) {
    const uid = load(path)?.byName.get(name);
    if (uid !== undefined) return uid;
  }
  return -1;
}

/** The user whose home directory holds `path`, as seen by process `pid`; undefined if none. */
export function userOfHomePath(path: string, pid?: number): string | undefined {
  for (const passwd of passwdPaths(pid)) {
    const found = load(passwd)?.homes.find(([home]) => path.startsWith(home + "/"));
    if (found) return found[1];
  }
  return undefined;
}

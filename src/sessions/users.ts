/**
 * Resolves user ids to names from the passwd file of the process's own root (/proc/PID/root),
 * so users of a chroot or container resolve to their own names.
 */

interface PasswdCache {
  mtimeMs: number;
  byUid: Map<number, string>;
  byName: Map<string, number>;
  /** [home, name], longest home first. */
  homes: [string, string][];
}

const caches = new Map<string, PasswdCache>();

function load(path: string): PasswdCache | undefined {
  let stat: Deno.FileInfo;
  try {
    stat = Deno.statSync(path);
  } catch {
    return undefined;
  }
  const mtimeMs = stat.mtime?.getTime() ?? 0;
  const cached = caches.get(path);
  if (cached && cached.mtimeMs === mtimeMs) return cached;
  const byUid = new Map<number, string>();
  const byName = new Map<string, number>();
  const homes: [string, string][] = [];
  for (const line of Deno.readTextFileSync(path).split("\n")) {
    const [name, , uid, , , home] = line.split(":");
    if (!name || uid === undefined || !/^\d+$/.test(uid)) continue;
    if (!byUid.has(Number(uid))) byUid.set(Number(uid), name);
    if (!byName.has(name)) byName.set(name, Number(uid));
    if (home && home !== "/") homes.push([home.replace(/\/+$/, ""), name]);
  }
  homes.sort((a, b) => b[0].length - a[0].length);
  const entry = { mtimeMs, byUid, byName, homes };
  caches.set(path, entry);
  return entry;
}

function passwdPaths(pid: number | undefined): string[] {
  return pid ? [`/proc/${pid}/root/etc/passwd`, "/etc/passwd"] : ["/etc/passwd"];
}

/** The name of `uid` as seen by process `pid` (its root's passwd), or the number as text. */
export function userName(uid: number, pid?: number): string {
  for (const path of passwdPaths(pid)) {
    const name = load(path)?.byUid.get(uid);
    if (name !== undefined) return name;
  }
  return String(uid);
}

/** The uid of `name` as seen by process `pid`, or -1 when no such user exists. */
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

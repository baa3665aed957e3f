/**
 * Failed public-key logins, which btmp does not record. sshd reads the user's authorized_keys to
 * check an offered key; the connection's pre-authentication child (its first child: `[net]` on
 * 9.x, `sshd-auth` on 10.x) exits 0 once a user is authenticated and non-zero otherwise. A
 * connection that read a user's keys, whose pre-authentication failed and that never ran a
 * session is a failed login of that user.
 */
import type { ConnectionAuthFailedEvent } from "../events/types.ts";
import type { OpenRecord } from "../tracer/records.ts";
import type { Conn } from "./_tables.ts";
import { authFailedEvent } from "./auth_failed.ts";
import { userOfHomePath } from "./users.ts";

const decoder = new TextDecoder("utf-8", { fatal: false });
/** How long after a connection ends a public-key failure waits for btmp to report it instead. */
const BTMP_WAIT_MS = 1500;

/** Notes the user whose authorized_keys sshd opened (or tried to: it may not exist). */
export function noteKeyLookup(conn: Conn, r: OpenRecord): void {
  const path = decoder.decode(r.path);
  if (!/\/authorized_keys2?$/.test(path)) return;
  const user = userOfHomePath(path, conn.tgid) ?? userOfHomePath(path);
  if (user) conn.keyUser = user;
}

/** The failed public-key login of an ended connection, or undefined when there was none. */
export function keyFailure(
  conn: Conn,
  hostname: string,
  ms: number,
): ConnectionAuthFailedEvent | undefined {
  if (!conn.keyUser || !conn.preauthFailed || conn.hadSession || conn.reportedFailure) {
    return undefined;
  }
  return {
    ...authFailedEvent(
      { pid: conn.tgid, username: conn.keyUser, ip: "", timeMs: ms },
      conn,
      hostname,
    ),
    auth_method: "publickey",
  };
}

/** Publishes the connection's failed public-key login, if any, once btmp had time to speak. */
export function reportKeyFailure(
  conn: Conn,
  hostname: string,
  ms: number,
  publish: (event: ConnectionAuthFailedEvent) => void,
): void {
  if (!conn.keyUser || conn.hadSession) return;
  setTimeout(() => {
    const event = keyFailure(conn, hostname, ms);
    if (event) publish(event);
  }, BTMP_WAIT_MS);
}

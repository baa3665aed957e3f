/** The connection_auth_failed event for a failed login. */
import type { ConnectionAuthFailedEvent, TcpInfo } from "../events/types.ts";
import type { Conn } from "./_tables.ts";
import type { FailedLogin } from "./btmp.ts";
import { userId } from "./users.ts";

/**
 * Builds the event; `conn` (the connection that failed, when still known) gives the full TCP
 * endpoints, else only the client address btmp holds is known.
 */
export function authFailedEvent(
  login: FailedLogin,
  conn: { tgid: number; tcp?: TcpInfo } | undefined,
  hostname: string,
): ConnectionAuthFailedEvent {
  return {
    event_type: "connection_auth_failed",
    timestamp: login.timeMs,
    hostname,
    username: login.username,
    user_id: userId(login.username, conn?.tgid),
    ptm_pid: conn?.tgid ?? login.pid,
    tcp_info: conn?.tcp ?? { client_ip: login.ip, client_port: 0, server_ip: "", server_port: 0 },
  };
}

/**
 * The event for a failed login btmp recorded, marking its connection as reported (so no
 * public-key failure is added); an unknown user is reported once per connection.
 */
export function btmpFailure(
  login: FailedLogin,
  conn: Conn | undefined,
  hostname: string,
): ConnectionAuthFailedEvent | undefined {
  const event = authFailedEvent(login, conn, hostname);
  if (!conn) return event;
  conn.reportedFailure = true;
  if (event.user_id !== -1) return event;
  if (conn.reportedUnknown?.has(login.username)) return undefined;
  (conn.reportedUnknown ??= new Set()).add(login.username);
  return event;
}

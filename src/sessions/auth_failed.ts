/** The connection_auth_failed event for a failed login. */
import type { ConnectionAuthFailedEvent, TcpInfo } from "../events/types.ts";
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

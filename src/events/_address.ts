/** Formatting of connection endpoints. */

import { escapeValue } from "./text.ts";
import type { TcpInfo } from "./types.ts";

/** Formats the client side of a connection as `ip:port` (`[ip]:port` for IPv6), escaped. */
export function formatClientAddress(tcp: TcpInfo | undefined | null): string {
  if (tcp === undefined || tcp === null) return "-";
  const ip = escapeValue(tcp.client_ip);
  return `${ip.includes(":") ? `[${ip}]` : ip}:${escapeValue(tcp.client_port)}`;
}

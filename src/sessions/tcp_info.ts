/** Finds a connection's TCP endpoints from the sockets a process holds (/proc/PID/fd, net/tcp*). */
import type { TcpInfo } from "../events/types.ts";
import type { SockIdent } from "../tracer/records.ts";

/** Decodes the hex address:port of /proc/net/tcp{,6} into text and a port number. */
export function decodeProcNetAddress(hex: string): { ip: string; port: number } {
  const [addr = "", port = "0"] = hex.split(":");
  const bytes: number[] = [];
  // Each 32-bit word is printed in host (little-endian) order.
  for (let w = 0; w < addr.length; w += 8) {
    const word = addr.slice(w, w + 8);
    for (let b = 6; b >= 0; b -= 2) bytes.push(parseInt(word.slice(b, b + 2), 16));
  }
  return { ip: formatIp(bytes), port: parseInt(port, 16) };
}

/** Formats 4 or 16 address bytes (IPv4-mapped IPv6 as IPv4; IPv6 compressed per RFC 5952). */
export function formatIp(bytes: number[]): string {
  if (bytes.length === 4) return bytes.join(".");
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff &&
    bytes[11] === 0xff;
  if (mapped) return bytes.slice(12).join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) {
    groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  }
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen && j - i > 1) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
}

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  try {
    for (const entry of Deno.readDirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/${pid}/fd/${entry.name}`));
        if (m?.[1]) inodes.add(m[1]);
      } catch { /* the fd closed meanwhile */ }
    }
  } catch { /* the process is gone */ }
  return inodes;
}

/** The endpoints of an exec record's fd-0 socket, or undefined when it had none. */
export function tcpInfoFromSock(sock: SockIdent): TcpInfo | undefined {
  if (sock.family !== 2 && sock.family !== 10) return undefined;
  const n = sock.family === 2 ? 4 : 16;
  return {
    client_ip: formatIp([...sock.remoteAddr.subarray(0, n)]),
    client_port: sock.remotePort,
    server_ip: formatIp([...sock.localAddr.subarray(0, n)]),
    server_port: sock.localPort,
  };
}

/** The established TCP connection held by process `pid`, or undefined. */
export function tcpInfoOf(pid: number): TcpInfo | undefined {
  const inodes = socketInodes(pid);
  if (inodes.size === 0) return undefined;
  for (const table of ["tcp", "tcp6"]) {
    let text: string;
    try {
      text = Deno.readTextFileSync(`/proc/${pid}/net/${table}`);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== "01" || !inodes.has(f[9] ?? "")) continue; // 01 = ESTABLISHED
      const local = decodeProcNetAddress(f[1] ?? "");
      const remote = decodeProcNetAddress(f[2] ?? "");
      return {
        client_ip: remote.ip,
        client_port: remote.port,
        server_ip: local.ip,
        server_port: local.port,
      };
    }
  }
  return undefined;
}

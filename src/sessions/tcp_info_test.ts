import assert from "node:assert/strict";
import type { SockIdent } from "../tracer/records.ts";
import { decodeProcNetAddress, formatIp, tcpInfoFromSock, tcpInfoOf } from "./tcp_info.ts";

/** The 16 bytes of an IPv6 address written as 8 groups. */
function v6(...groups: number[]): number[] {
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

Deno.test("decodeProcNetAddress() decodes an IPv4 address of /proc/net/tcp", () => {
  assert.deepEqual(decodeProcNetAddress("0100007F:0016"), { ip: "127.0.0.1", port: 22 });
  assert.deepEqual(decodeProcNetAddress("3201A8C0:C822"), { ip: "192.168.1.50", port: 51234 });
  assert.deepEqual(decodeProcNetAddress("00000000:0000"), { ip: "0.0.0.0", port: 0 });
  assert.deepEqual(decodeProcNetAddress("FFFFFFFF:FFFF"), { ip: "255.255.255.255", port: 65535 });
});

Deno.test("decodeProcNetAddress() decodes an IPv6 address of /proc/net/tcp6", () => {
  assert.deepEqual(
    decodeProcNetAddress("00000000000000000000000001000000:0016"),
    { ip: "::1", port: 22 },
  );
  assert.deepEqual(
    decodeProcNetAddress("B80D0120000000000000000001000000:01BB"),
    { ip: "2001:db8::1", port: 443 },
  );
  assert.deepEqual(
    decodeProcNetAddress("000080FE00000000FF005002DAB2E4FE:C822"),
    { ip: "fe80::250:ff:fee4:b2da", port: 51234 },
  );
  assert.deepEqual(
    decodeProcNetAddress("00000000000000000000000000000000:0000"),
    { ip: "::", port: 0 },
  );
});

Deno.test("decodeProcNetAddress() decodes an IPv4-mapped IPv6 address as IPv4", () => {
  assert.deepEqual(
    decodeProcNetAddress("0000000000000000FFFF00003201A8C0:0016"),
    { ip: "192.168.1.50", port: 22 },
  );
});

Deno.test("formatIp() compresses zero groups as RFC 5952 section 4 says", () => {
  // 4.1: no leading zeros; 4.3: lower case.
  assert.equal(formatIp(v6(0x2001, 0x0db8, 0, 0, 0, 0, 0, 0xaaaa)), "2001:db8::aaaa");
  // 4.2.1: the longest possible "::".
  assert.equal(formatIp(v6(0x2001, 0xdb8, 0, 0, 0, 0, 2, 1)), "2001:db8::2:1");
  // 4.2.2: never "::" for one 0 group.
  assert.equal(formatIp(v6(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1)), "2001:db8:0:1:1:1:1:1");
  // 4.2.3: the longest run; on a tie, the first.
  assert.equal(formatIp(v6(0x2001, 0, 0, 1, 0, 0, 0, 1)), "2001:0:0:1::1");
  assert.equal(formatIp(v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1)), "2001:db8::1:0:0:1");
  // Runs at either end, and the whole address.
  assert.equal(formatIp(v6(0, 0, 0, 0, 0, 0, 0, 1)), "::1");
  assert.equal(formatIp(v6(1, 0, 0, 0, 0, 0, 0, 0)), "1::");
  assert.equal(formatIp(v6(0, 0, 0, 0, 0, 0, 0, 0)), "::");
  assert.equal(formatIp(v6(0xfe80, 0, 0, 0, 0, 0, 0, 1)), "fe80::1");
  assert.equal(formatIp(v6(1, 2, 3, 4, 5, 6, 7, 8)), "1:2:3:4:5:6:7:8");
});

Deno.test("formatIp() formats IPv4 and IPv4-mapped IPv6 as dotted quads", () => {
  assert.equal(formatIp([10, 0, 0, 2]), "10.0.0.2");
  assert.equal(formatIp(v6(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201)), "192.0.2.1");
  // Only ::ffff:0:0/96 is mapped; ::a.b.c.d (deprecated "compatible") stays IPv6.
  assert.equal(formatIp(v6(0, 0, 0, 0, 0, 0, 0xc000, 0x0201)), "::c000:201");
});

function sock(family: number, local: number[], remote: number[]): SockIdent {
  const pad = (b: number[]) => {
    const out = new Uint8Array(16);
    out.set(b);
    return out;
  };
  return {
    family,
    localPort: 22,
    remotePort: 51234,
    localAddr: pad(local),
    remoteAddr: pad(remote),
  };
}

Deno.test("tcpInfoFromSock() gives client and server endpoints of an IPv4 socket", () => {
  assert.deepEqual(tcpInfoFromSock(sock(2, [10, 0, 0, 2], [192, 168, 1, 50])), {
    "client_ip": "192.168.1.50",
    "client_port": 51234,
    "server_ip": "10.0.0.2",
    "server_port": 22,
  });
});

Deno.test("tcpInfoFromSock() gives client and server endpoints of an IPv6 socket", () => {
  const local = v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);
  const mapped = v6(0, 0, 0, 0, 0, 0xffff, 0xc0a8, 0x0132);
  assert.deepEqual(tcpInfoFromSock(sock(10, local, v6(0xfe80, 0, 0, 0, 0, 0, 0, 9))), {
    "client_ip": "fe80::9",
    "client_port": 51234,
    "server_ip": "2001:db8::2",
    "server_port": 22,
  });
  assert.deepEqual(tcpInfoFromSock(sock(10, local, mapped))?.client_ip, "192.168.1.50");
});

Deno.test("tcpInfoFromSock() returns undefined when fd 0 was no TCP socket", () => {
  assert.equal(tcpInfoFromSock(sock(0, [], [])), undefined);
  assert.equal(tcpInfoFromSock(sock(1, [1, 2, 3, 4], [5, 6, 7, 8])), undefined);
});

Deno.test("tcpInfoOf() finds the established connection a live process holds", async () => {
  // A child process holds the only socket it has: this test process may hold
  // other tests' connections at the same time.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const child = new Deno.Command("bash", {
    args: ["-c", `exec 3<>/dev/tcp/127.0.0.1/${listener.addr.port}; read -r _`],
    stdin: "piped",
  }).spawn();
  const server = await listener.accept();
  try {
    const found = tcpInfoOf(child.pid);
    const ports = [(server.remoteAddr as Deno.NetAddr).port, listener.addr.port];
    assert.ok(found, "no established connection found");
    assert.equal(found.client_ip, "127.0.0.1");
    assert.equal(found.server_ip, "127.0.0.1");
    const byNumber = (a: number, b: number) => a - b;
    assert.deepEqual([found.client_port, found.server_port].sort(byNumber), ports.sort(byNumber));
  } finally {
    await child.stdin.close();
    await child.status;
    server.close();
    listener.close();
  }
});

Deno.test("tcpInfoOf() returns undefined for a process that does not exist", () => {
  assert.equal(tcpInfoOf(4_000_000_123), undefined);
});

import assert from "node:assert/strict";
import { BtmpWatcher, parseBtmp, UTMP_SIZE } from "./btmp.ts";

function utmp(o: { type: number; pid: number; user: string; host: string; addr: number[] }) {
  const b = new Uint8Array(UTMP_SIZE);
  const v = new DataView(b.buffer);
  v.setInt16(0, o.type, true);
  v.setInt32(4, o.pid, true);
  b.set(new TextEncoder().encode(o.user).subarray(0, 32), 44);
  b.set(new TextEncoder().encode(o.host), 76);
  v.setInt32(340, 1_800_000_000, true);
  v.setInt32(344, 250_000, true);
  o.addr.forEach((w, i) => v.setUint32(348 + i * 4, w, false));
  return b;
}

Deno.test("parseBtmp() decodes a failed login with its IPv4 address", () => {
  const rec = utmp({ type: 6, pid: 42, user: "alice", host: "10.1.2.3", addr: [0x0a010203] });
  // glibc stores the IPv4 address in network order in the first word
  new DataView(rec.buffer).setUint32(348, 0x0302010a, true);
  const [login] = parseBtmp(rec);
  assert.deepEqual(login, {
    pid: 42,
    username: "alice",
    ip: "10.1.2.3",
    timeMs: 1_800_000_000_250,
  });
});

Deno.test("parseBtmp() keeps a hostile user name as text and truncates at 32 bytes", () => {
  const name = "$(touch /tmp/pwned)" + "x".repeat(40);
  const [login] = parseBtmp(utmp({ type: 6, pid: 1, user: name, host: "", addr: [] }));
  assert.equal(login?.username, name.slice(0, 32));
});

Deno.test("parseBtmp() skips records that are no failed login and partial records", () => {
  const other = utmp({ type: 7, pid: 1, user: "bob", host: "", addr: [] });
  const half = new Uint8Array(100);
  const both = new Uint8Array(UTMP_SIZE + 100);
  both.set(other);
  both.set(half, UTMP_SIZE);
  assert.deepEqual(parseBtmp(both), []);
});

Deno.test("BtmpWatcher reports only records appended after start", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/btmp`;
  await Deno.writeFile(path, utmp({ type: 6, pid: 1, user: "old", host: "", addr: [] }));
  const seen: string[] = [];
  const w = new BtmpWatcher(path);
  w.start((l) => seen.push(l.username));
  try {
    await Deno.writeFile(path, utmp({ type: 6, pid: 2, user: "new", host: "", addr: [] }), {
      append: true,
    });
    const deadline = Date.now() + 5000;
    while (!seen.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(seen, ["new"]);
  } finally {
    w.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

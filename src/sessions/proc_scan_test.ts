import assert from "node:assert/strict";
import { scanProc } from "./proc_scan.ts";

Deno.test("scanProc() leaves out the caller and never reports it as a listener", () => {
  const result = scanProc(Deno.pid);
  assert.ok(!result.listeners.includes(Deno.pid));
  for (const c of result.connections) {
    assert.ok(c.procs.every((p) => p.tgid !== Deno.pid));
    assert.equal(c.procs[0]?.tgid, c.conn, "a connection lists its first process first");
  }
});

/** End-to-end: `sshlog doctor` on this machine (as root) finds everything it needs. */
import assert from "node:assert/strict";
import { runSshlog } from "./_harness/daemon.ts";

Deno.test("sshlog doctor passes every check on a machine that runs sshlog", async () => {
  const result = await runSshlog(["doctor", "--socket", "/nonexistent/sshlogd.sock"]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  const checks = ["kernel", "kernel BTF", "privileges", "libbpf", "ring buffer", "sshd"];
  for (const check of [...checks, "BPF programs", "daemon"]) {
    assert.match(result.stdout, new RegExp(`^ok +${check} `, "m"));
  }
  assert.match(result.stdout, /This machine can run sshlog/);
  const bad = await runSshlog(["doctor", "--bogus"]);
  assert.equal(bad.code, 2);
});

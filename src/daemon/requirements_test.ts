import assert from "node:assert/strict";
import { checkKernel } from "./requirements.ts";

Deno.test("checkKernel() refuses a kernel older than 5.17 and says how to fix it", () => {
  const [kernel] = checkKernel("5.15.0-150-generic", "/sys/kernel/btf/vmlinux");
  assert.equal(kernel?.ok, false);
  assert.match(kernel?.detail ?? "", /^Linux 5\.15\.0-150-generic is older than 5\.17/);
  assert.ok(kernel?.fix);
});

Deno.test("checkKernel() accepts 5.17 and later, and reports missing BTF", () => {
  assert.equal(checkKernel("5.17.0", "/sys/kernel/btf/vmlinux")[0]?.ok, true);
  assert.equal(checkKernel("6.1.0-28-amd64", "/sys/kernel/btf/vmlinux")[0]?.ok, true);
  const [, btf] = checkKernel("6.1.0", "/nonexistent/vmlinux");
  assert.equal(btf?.ok, false);
  assert.match(btf?.fix ?? "", /CONFIG_DEBUG_INFO_BTF/);
});

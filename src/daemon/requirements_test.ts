import assert from "node:assert/strict";
import { EventBus } from "../events/mod.ts";
import { IpcServer } from "../ipc/mod.ts";
import { checkCapabilities, checkDaemon, checkKernel, checkSocket } from "./requirements.ts";

Deno.test("checkKernel() refuses a kernel older than 5.17 and says how to fix it", () => {
  const [kernel] = checkKernel("5.15.0-150-generic", "/sys/kernel/btf/vmlinux", () => false);
  assert.equal(kernel?.ok, false);
  assert.match(kernel?.detail ?? "", /^Linux 5\.15\.0-150-generic is older than 5\.17/);
  assert.ok(kernel?.fix);
  const unknown = checkKernel("5.15.0", "/sys/kernel/btf/vmlinux", () => undefined)[0];
  assert.equal(unknown?.ok, false, "without a probe (not root) the release decides");
});

Deno.test("checkKernel() accepts an older kernel whose bpf_loop() the probe finds (RHEL 9)", () => {
  const [kernel] = checkKernel("5.14.0-427.el9.x86_64", "/sys/kernel/btf/vmlinux", () => true);
  assert.deepEqual(kernel, {
    name: "kernel",
    ok: true,
    detail: "Linux 5.14.0-427.el9.x86_64 (bpf_loop() backported)",
  });
});

Deno.test("checkKernel() accepts 5.17 and later, and reports missing BTF", () => {
  assert.equal(checkKernel("5.17.0", "/sys/kernel/btf/vmlinux")[0]?.ok, true);
  assert.equal(checkKernel("6.1.0-28-amd64", "/sys/kernel/btf/vmlinux")[0]?.ok, true);
  const [, btf] = checkKernel("6.1.0", "/nonexistent/vmlinux");
  assert.equal(btf?.ok, false);
  assert.match(btf?.fix ?? "", /CONFIG_DEBUG_INFO_BTF/);
});

Deno.test("checkCapabilities() accepts root's set or the needed capabilities, names what is missing", () => {
  assert.equal(checkCapabilities("Name:\tsshlog\nCapEff:\t000001ffffffffff\n").ok, true);
  // CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAP_SYS_ADMIN, CAP_PERFMON, CAP_BPF and nothing else.
  const needed = (1n << 2n) | (1n << 19n) | (1n << 21n) | (1n << 38n) | (1n << 39n);
  assert.equal(checkCapabilities(`CapEff:\t${needed.toString(16).padStart(16, "0")}\n`).ok, true);
  const user = checkCapabilities("CapInh:\t0000000000000000\nCapEff:\t0000000000000000\n");
  assert.equal(user.ok, false);
  assert.equal(
    user.detail,
    "missing CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAP_SYS_ADMIN, CAP_PERFMON, CAP_BPF",
  );
  const noBpf = needed & ~(1n << 39n);
  assert.equal(checkCapabilities(`CapEff:\t${noBpf.toString(16)}\n`).detail, "missing CAP_BPF");
});

Deno.test("checkSocket() wants mode 0660 or less, owner root and group sshlog", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-doctor-" });
  try {
    const path = `${dir}/sshlogd.sock`;
    assert.equal(checkSocket(path, 1234).ok, true, "not there yet: the daemon creates it");
    await Deno.writeTextFile(path, "");
    await Deno.chmod(path, 0o666);
    const { uid, gid } = await Deno.stat(path);
    const owner = uid === 0 ? "" : `, owner uid ${uid}`;
    assert.equal(checkSocket(path, gid!).detail, `${path} has mode 666${owner}`);
    assert.equal(
      checkSocket(path, gid! + 1).detail,
      `${path} has mode 666${owner}, group gid ${gid}`,
    );
    await Deno.chmod(path, 0o660);
    assert.equal(checkSocket(path, gid!).ok, uid === 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkDaemon() is fine without a daemon, and names one that answers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-doctor-" });
  try {
    const absent = await checkDaemon(`${dir}/none.sock`);
    assert.equal(absent.ok, true);
    assert.match(absent.detail, /^not running/);
    const server = new IpcServer({
      path: `${dir}/sshlogd.sock`,
      bus: new EventBus(),
      version: "9.9.9",
      sessions: { list: () => [], find: () => undefined },
    });
    await server.start();
    try {
      const running = await checkDaemon(`${dir}/sshlogd.sock`);
      assert.deepEqual(running, {
        name: "daemon",
        ok: true,
        detail: `sshlog 9.9.9 answers on ${dir}/sshlogd.sock`,
      });
    } finally {
      await server.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

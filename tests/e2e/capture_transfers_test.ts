/**
 * End-to-end: scp (SFTP protocol and legacy `-O`) and sftp uploads and downloads are reported as
 * exactly one file_upload / file_download with the absolute path and the file's mode. Needs root.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type SshdHandle, startSshd } from "./_harness/sshd.ts";
import {
  commonSessionFields,
  type DaemonHandle,
  isType,
  type SshlogEvent,
  startDaemon,
} from "./_harness/daemon.ts";

const USER = "sshlogtest";

/** One transfer and the path and direction the daemon must report. */
interface Transfer {
  name: string;
  run(local: string): Promise<{ code: number; stderr: string }>;
  type: "file_upload" | "file_download";
  /** Absolute path on the server. */
  target: string;
}

/**
 * Waits for the single file event of `transfer` and the close of its session, and checks both.
 * Returns the session's events.
 */
async function checkTransfer(
  daemon: DaemonHandle,
  transfer: Transfer,
  expected: { username: string; uid: number; port: number; mode: string },
): Promise<SshlogEvent[]> {
  const file = await daemon.events.waitForType(
    transfer.type,
    (event) => event.target_path === transfer.target,
    { what: `${transfer.type} of ${transfer.target} (${transfer.name})` },
  );
  const events = await daemon.events.waitForSession((event) =>
    event.session_id === file.session_id
  );
  commonSessionFields(events, {
    username: expected.username,
    user_id: expected.uid,
    tty_id: -1,
  });
  assert.equal(file.tcp_info.server_port, expected.port);
  assert.equal(file.tcp_info.client_ip, "127.0.0.1");
  assert.equal(file.file_mode, expected.mode, JSON.stringify(file));
  const same = events.filter((event) =>
    (event.event_type === "file_upload" || event.event_type === "file_download") &&
    event.target_path === transfer.target
  );
  assert.deepEqual(
    same.map((event) => event.event_type),
    [transfer.type],
    `exactly one ${transfer.type} of ${transfer.target}: ${JSON.stringify(same)}`,
  );
  assert.equal(events.filter(isType("connection_established")).length, 1);
  return events;
}

/** The six transfers (scp SFTP, scp -O, sftp; each way) of one user into and out of `home`. */
function transfers(sshd: SshdHandle, user: string, home: string, tag: string): Transfer[] {
  const up = (name: string) => `cap-${tag}-up-${name}.bin`;
  const down = (name: string) => `cap-${tag}-down-${name}.bin`;
  return [
    ...[false, true].flatMap((legacy): Transfer[] => {
      const name = legacy ? "scp-legacy" : "scp-sftp";
      return [
        {
          name: `${name} upload`,
          type: "file_upload",
          target: `${home}/${up(name)}`,
          run: (local) =>
            sshd.scp(user, { direction: "upload", local, remote: up(name) }, { legacy }),
        },
        {
          name: `${name} download`,
          type: "file_download",
          target: `${home}/${down(name)}`,
          run: (local) =>
            sshd.scp(user, {
              direction: "download",
              local: `${local}.back`,
              remote: down(name),
            }, { legacy }),
        },
      ];
    }),
    {
      name: "sftp put",
      type: "file_upload",
      target: `${home}/${up("sftp")}`,
      run: (local) => sshd.sftp(user, [`put ${local} ${up("sftp")}`]),
    },
    {
      name: "sftp get",
      type: "file_download",
      target: `${home}/${down("sftp")}`,
      run: (local) => sshd.sftp(user, [`get ${home}/${down("sftp")} ${local}.back`]),
    },
  ];
}

/**
 * Runs every transfer of `transfers()` for `user` of `sshd` (whose root is `root`) and checks
 * its events; the files to download are made first with mode 640.
 */
async function checkAllTransfers(
  t: Deno.TestContext,
  sshd: SshdHandle,
  daemon: DaemonHandle,
  user: { name: string; uid: number; gid: number; home: string },
  tag: string,
  only?: (transfer: Transfer) => boolean,
): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: "sshlog-capture-transfer-" });
  const list = transfers(sshd, user.name, user.home, tag).filter(only ?? (() => true));
  try {
    const local = join(work, "payload.bin");
    await Deno.writeFile(local, new Uint8Array(50_000).map((_, i) => i % 251));
    await Deno.chmod(local, 0o640);
    for (const transfer of list) {
      if (transfer.type !== "file_download") continue;
      const path = join(sshd.root, transfer.target);
      await Deno.copyFile(local, path);
      await Deno.chown(path, user.uid, user.gid);
      await Deno.chmod(path, 0o640);
    }
    for (const transfer of list) {
      await t.step(
        `capture: ${transfer.name} is one ${transfer.type} with path and mode`,
        async () => {
          const result = await transfer.run(local);
          assert.equal(result.code, 0, result.stderr);
          await checkTransfer(daemon, transfer, {
            username: user.name,
            uid: user.uid,
            port: sshd.port,
            mode: "640",
          });
        },
      );
    }
  } finally {
    for (const transfer of list) {
      await Deno.remove(join(sshd.root, transfer.target)).catch(() => {});
    }
    await Deno.remove(work, { recursive: true });
  }
}

Deno.test({
  name: "capture: scp and sftp transfers over the host's sshd",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using sshd = await startSshd();
    const user = await sshd.ensureUser(USER);
    await using daemon = await startDaemon();
    await checkAllTransfers(t, sshd, daemon, user, "host");
  },
});

Deno.test({
  name: "capture: sftp transfers over internal-sftp",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using sshd = await startSshd({ internalSftp: true });
    const user = await sshd.ensureUser(USER);
    await using daemon = await startDaemon();
    await checkAllTransfers(
      t,
      sshd,
      daemon,
      user,
      "internal",
      (transfer) => transfer.name.startsWith("sftp"),
    );
  },
});

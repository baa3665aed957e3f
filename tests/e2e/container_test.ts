/**
 * End-to-end: the container of the quick start. Builds the image with podman from the .deb
 * (its base imported from the cached debootstrap Debian 12 root: there is no registry here), runs
 * it privileged in the host's PID and network namespaces with the quick start's variables, and
 * checks that `podman exec NAME sshlog sessions` lists a live ssh session of the host, the event
 * log in the mounted folder records it, and the web interface answers (and wants a login).
 * Needs root, podman and runc.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { freePort } from "../../src/actions/_test_receivers.ts";
import { VERSION } from "../../src/version.ts";
import { run } from "./_harness/_process.ts";
import { ensureDebianRoot } from "./_harness/debian_root.ts";
import { type SshSession, startSshd, waitFor } from "./_harness/sshd.ts";
import { REPO_ROOT } from "./_harness/daemon.ts";

const USER = "sshlogtest";
const IMAGE = "localhost/sshlog:e2e";

/** podman settings this machine needs (DESIGN.md): runc, cgroupfs, no default ulimits. */
const CONTAINERS_CONF = `[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
`;

Deno.test({
  name: "container: the quick start's container records the host's sessions; exec sshlog works",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "sshlog-container-" });
    const conf = join(work, "containers.conf");
    await Deno.writeTextFile(conf, CONTAINERS_CONF);
    const env = { CONTAINERS_CONF: conf };
    const podman = async (...args: string[]) => {
      const result = await run(["podman", ...args], { env, timeoutMs: 5 * 60_000 });
      assert.equal(result.code, 0, `podman ${args.join(" ")}:\n${result.stdout}${result.stderr}`);
      return result.stdout;
    };
    const name = `sshlog-e2e-${crypto.randomUUID().slice(0, 8)}`;
    let ssh: SshSession | undefined;
    try {
      const deb = join(REPO_ROOT, `build/dist/sshlog_${VERSION}_amd64.deb`);
      if (!(await Deno.stat(deb).then(() => true, () => false))) {
        const built = await run(["bash", join(REPO_ROOT, "scripts/build_packages.sh")], {
          timeoutMs: 5 * 60_000,
        });
        assert.equal(built.code, 0, built.stderr);
      }
      const base = await ensureDebianRoot({
        suite: "bookworm",
        include: ["bash"],
        markers: ["usr/bin/apt-get", "bin/bash"],
      });
      const image = await run([
        "bash",
        join(REPO_ROOT, "scripts/build_container.sh"),
        "--tag",
        IMAGE,
        "--base-root",
        base,
      ], { env, timeoutMs: 10 * 60_000 });
      assert.equal(image.code, 0, image.stderr);

      const logs = join(work, "logs");
      await Deno.mkdir(logs, { mode: 0o700 });
      // As docker leaves it on a fresh host: an empty folder for -v /etc/sshlog:/etc/sshlog.
      const etc = join(work, "etc-sshlog");
      await Deno.mkdir(etc);
      const webPort = freePort();
      await podman(
        "run",
        "-d",
        "--name",
        name,
        "--privileged",
        "--pid=host",
        "--network=host",
        "-v",
        "/sys/kernel:/sys/kernel",
        "-v",
        `${logs}:/var/log/sshlog`,
        "-v",
        `${etc}:/etc/sshlog`,
        "-e",
        "SSHLOG_ENABLE_DIAGNOSTIC_WEB=1",
        "-e",
        "SSHLOG_WEB_USER=admin",
        "-e",
        "SSHLOG_WEB_PASS=container-secret",
        "-e",
        `SSHLOG_DIAGNOSTIC_WEB_PORT=${webPort}`,
        IMAGE,
      );
      await waitFor("sshlog sessions in the container", async () => {
        const r = await run(["podman", "exec", name, "sshlog", "sessions"], { env });
        return r.code === 0 ? r.stdout : undefined;
      }, { timeoutMs: 60_000, intervalMs: 500 }).catch(async (error) => {
        const logsOut = await run(["podman", "logs", name], { env });
        throw new Error(`${error.message}\n${logsOut.stdout}${logsOut.stderr}`);
      });

      await using sshd = await startSshd();
      await sshd.ensureUser(USER);
      ssh = await sshd.spawnSsh(USER, ["/bin/echo container-marker-$((6*7)); exec sleep 60"]);
      const listed = await waitFor("the session in podman exec sshlog sessions", async () => {
        const r = await run(["podman", "exec", name, "sshlog", "sessions", "--json"], { env });
        if (r.code !== 0) return undefined;
        const { sessions } = JSON.parse(r.stdout) as {
          sessions: { username: string; tcp_info: { server_port: number } }[];
        };
        return sessions.find((s) => s.username === USER && s.tcp_info.server_port === sshd.port);
      }, { timeoutMs: 30_000, intervalMs: 500 });
      assert.equal(listed.username, USER);
      await waitFor("the session in the mounted event log", async () => {
        const text = await Deno.readTextFile(join(logs, "event.log")).catch(() => "");
        return text.includes("container-marker-42") ? text : undefined;
      }, { timeoutMs: 30_000 });

      // The empty host folder got the packaged configuration, ready to edit.
      assert.ok((await Deno.stat(join(etc, "conf.d", "log_events.yaml"))).isFile);
      assert.ok((await Deno.stat(join(etc, "samples"))).isDirectory);

      const web = await fetch(`http://127.0.0.1:${webPort}/api/sessions`);
      await web.body?.cancel();
      assert.equal(web.status, 401, "the web interface is up and wants a login");
    } finally {
      await ssh?.[Symbol.asyncDispose]();
      await run(["podman", "rm", "-f", "-t", "5", name], { env, timeoutMs: 60_000 });
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});

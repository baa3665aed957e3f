/**
 * End-to-end: the packages and repositories as an administrator uses them. Builds the .deb, the
 * .rpm and the signed apt and yum repositories; checks them with lintian and rpmlint; then, in a
 * clean Debian 12 root made with debootstrap, adds the apt repository as a `file:` source,
 * `apt-get install sshlog`, runs the installed daemon with the packaged configuration and records
 * an ssh session (served by the host's sshd, seen through the shared kernel), upgrades to a
 * rebuilt package keeping an edited conffile, then removes and purges it. Needs root, network to
 * the Debian mirror, and debootstrap (the root is cached).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { run } from "./_harness/_process.ts";
import { chrootArgv, ensureDebianRoot } from "./_harness/debian_root.ts";
import { startSshd, waitFor } from "./_harness/sshd.ts";
import { REPO_ROOT, startDaemon } from "./_harness/daemon.ts";

const USER = "sshlogtest";
const REPO_IN_ROOT = "/srv/sshlog-repo";

async function ok(argv: string[], env: Record<string, string> = {}): Promise<string> {
  const result = await run(argv, { env, timeoutMs: 10 * 60_000 });
  assert.equal(result.code, 0, `${argv.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout + result.stderr;
}

/** argv run chrooted in `root` with a clean environment, the host's /sys and the repository. */
function inRoot(root: string, argv: string[]): string[] {
  const env = [
    "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
    "DEBIAN_FRONTEND=noninteractive",
    "LANG=C.UTF-8",
  ];
  return chrootArgv(root, ["env", "-i", ...env, ...argv], {
    sys: true,
    binds: [[join(REPO_ROOT, "build/repo"), REPO_IN_ROOT]],
  });
}

let built: string | undefined;

/** Builds the packages of `version` and the repositories serving them (once per version). */
async function buildPackages(version: string): Promise<void> {
  if (built === version) return;
  await ok(["bash", join(REPO_ROOT, "scripts/build_packages.sh")], { SSHLOG_PKG_VERSION: version });
  await ok(["bash", join(REPO_ROOT, "scripts/build_repos.sh")]);
  built = version;
}

async function fileText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

Deno.test({
  name: "packaging: lintian and rpmlint find no error; the repositories are signed",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await buildPackages("0.1.0");
    const deb = join(REPO_ROOT, "build/dist/sshlog_0.1.0_amd64.deb");
    const lintian = await run(["lintian", "--fail-on", "error", deb], { timeoutMs: 120_000 });
    assert.equal(lintian.code, 0, lintian.stdout + lintian.stderr);
    assert.doesNotMatch(lintian.stdout, /^E: /m);

    const yum = join(REPO_ROOT, "build/repo/yum");
    const rpm = join(yum, "sshlog-0.1.0-1.x86_64.rpm");
    const listing = await ok(["rpm", "-qlp", rpm]);
    for (
      const path of ["/usr/bin/sshlog", "/usr/lib/sshlog/sshtrace.bpf.o", "/etc/sshlog/conf.d"]
    ) {
      assert.match(listing, new RegExp(`^${path}$`, "m"));
    }
    assert.match(await ok(["rpm", "-qp", "--scripts", rpm]), /groupadd --system sshlog/);
    assert.match(
      await ok(["rpm", "-qpc", rpm]),
      /\/etc\/sshlog\/conf.d\/log_events.yaml/,
      "conffiles are %config",
    );

    // The rpm's signature checks against the published key; rpmlint (run with that key known,
    // as on a machine that added the repository) finds no error.
    const home = await Deno.makeTempDir({ prefix: "sshlog-rpmdb-" });
    try {
      const db = join(home, "rpmdb");
      await Deno.writeTextFile(join(home, ".rpmmacros"), `%_dbpath ${db}\n`);
      await ok(["rpm", "--dbpath", db, "--import", join(yum, "RPM-GPG-KEY-sshlog")]);
      assert.match(await ok(["rpm", "--dbpath", db, "-K", rpm]), /digests signatures OK/);
      const rpmlintrc = join(REPO_ROOT, "packaging/rpm/sshlog.rpmlintrc");
      const rpmlint = await run(["rpmlint", "-r", rpmlintrc, rpm], {
        env: { HOME: home },
        timeoutMs: 120_000,
      });
      assert.match(rpmlint.stdout, / 0 errors/, rpmlint.stdout);
    } finally {
      await Deno.remove(home, { recursive: true });
    }
    const gnupg = await Deno.makeTempDir({ prefix: "sshlog-gpg-" });
    try {
      const env = { GNUPGHOME: gnupg };
      await ok(["gpg", "--batch", "--import", join(yum, "RPM-GPG-KEY-sshlog")], env);
      await ok([
        "gpg",
        "--batch",
        "--verify",
        `${yum}/repodata/repomd.xml.asc`,
        `${yum}/repodata/repomd.xml`,
      ], env);
      const primary = (await Array.fromAsync(Deno.readDir(`${yum}/repodata`)))
        .find((e) => e.name.endsWith("-primary.xml.gz"))!;
      assert.match(
        await ok(["sh", "-c", `zcat ${yum}/repodata/${primary.name}`]),
        /<name>sshlog<\/name>/,
      );
    } finally {
      await Deno.remove(gnupg, { recursive: true });
    }
  },
});

Deno.test({
  name: "packaging: apt install from the repository, record a session, upgrade, remove, purge",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const pristine = await ensureDebianRoot({
      suite: "bookworm",
      include: ["bash"],
      markers: ["usr/bin/apt-get", "bin/bash"],
    });
    await buildPackages("0.1.0");
    const work = await Deno.makeTempDir({ prefix: "sshlog-pkg-" });
    const root = join(work, "root");
    let daemon: Deno.ChildProcess | undefined;
    try {
      await ok(["cp", "-a", pristine, root]);
      await Deno.mkdir(join(root, REPO_IN_ROOT), { recursive: true });
      await Deno.copyFile("/etc/resolv.conf", join(root, "etc/resolv.conf"));
      // No service starts inside the root (it has no systemd anyway).
      await Deno.writeTextFile(join(root, "usr/sbin/policy-rc.d"), "#!/bin/sh\nexit 101\n", {
        mode: 0o755,
      });
      // The two lines of the README, with a file: URI.
      await Deno.copyFile(
        join(REPO_ROOT, "build/repo/apt/sshlog-archive-keyring.gpg"),
        join(root, "usr/share/keyrings/sshlog-archive-keyring.gpg"),
      );
      await Deno.writeTextFile(
        join(root, "etc/apt/sources.list.d/sshlog.list"),
        `deb [signed-by=/usr/share/keyrings/sshlog-archive-keyring.gpg] file:${REPO_IN_ROOT}/apt stable main\n`,
      );
      const apt = (...args: string[]) =>
        ok(
          inRoot(root, ["apt-get", "-y", "-q", "-o", "Dpkg::Options::=--force-confold", ...args]),
        );
      await apt("update");
      await apt("install", "--no-install-recommends", "sshlog");

      // Installed as documented.
      for (
        const path of [
          "usr/bin/sshlog",
          "lib/systemd/system/sshlog.service",
          "etc/logrotate.d/sshlog",
        ]
      ) {
        await Deno.stat(join(root, path));
      }
      assert.equal((await Deno.stat(join(root, "var/log/sshlog"))).mode! & 0o777, 0o700);
      assert.match(await Deno.readTextFile(join(root, "etc/group")), /^sshlog:x:\d+:/m);
      assert.match(await ok(inRoot(root, ["sshlog", "version"])), /sshlog 0\.1\.0/);
      await Deno.stat(join(root, "usr/share/man/man8/sshlog.8.gz"));
      await Deno.stat(join(root, "usr/share/bash-completion/completions/sshlog"));
      const unit = await Deno.readTextFile(join(root, "lib/systemd/system/sshlog.service"));
      assert.match(unit, /^Restart=on-failure$/m);
      assert.match(unit, /^RestartPreventExitStatus=2$/m);
      const verify = await run(["systemd-analyze", "verify", `--root=${root}`, "sshlog.service"]);
      assert.doesNotMatch(verify.stdout + verify.stderr, /sshlog\.service:\d+: /, verify.stderr);

      // A plug-in in /etc/sshlog/plugins works in the packaged layout (written against the API
      // the package ships as documentation).
      await Deno.writeTextFile(
        join(root, "etc/sshlog/plugins/user_prefix.ts"),
        `import type { FilterPlugin } from "/usr/share/doc/sshlog/plugin-api/plugins/api.ts";
const userPrefix: FilterPlugin = {
  kind: "filter",
  name: "user_prefix",
  triggers: ["command_start"],
  create(argument) {
    const prefix = String(argument);
    return (event) => (event.username ?? "").startsWith(prefix);
  },
};
export const filters = [userPrefix];
`,
      );
      await Deno.writeTextFile(
        join(root, "etc/sshlog/conf.d/50-local.yaml"),
        `events:
  - event: test_user_commands
    triggers: [command_start]
    filters:
      user_prefix: "sshlogt"
    actions:
      - action: test_user_log
        plugin: eventlogfile_action
        log_file_path: /var/log/sshlog/test-user.log
`,
      );
      assert.match(await ok(inRoot(root, ["sshlog", "config", "check"])), / 1 plug-in,/);
      // The shipped API types are complete: the plug-in type-checks against them alone.
      const runtime = await Deno.stat(join(root, "usr/lib/sshlog/deno")).catch(() => undefined);
      if (runtime?.isFile) {
        await ok(inRoot(root, [
          "env",
          "DENO_DIR=/tmp/sshlog-api-check",
          "/usr/lib/sshlog/deno",
          "check",
          "--no-config",
          "--quiet",
          "/etc/sshlog/plugins/user_prefix.ts",
        ]));
      }

      // The installed daemon, default configuration, records a session of the host's sshd.
      await using sshd = await startSshd();
      await sshd.ensureUser(USER);
      const [program, ...args] = inRoot(root, ["sshlog", "daemon"]);
      daemon = new Deno.Command(program!, {
        args,
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      })
        .spawn();
      let stderr = "";
      const pump = daemon.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
        new WritableStream({ write: (chunk) => void (stderr += chunk) }),
      );
      const socket = join(root, "run/sshlogd.sock");
      await waitFor("the packaged daemon's socket", async () => {
        try {
          return (await Deno.lstat(socket)).isSocket ? true : undefined;
        } catch {
          return undefined;
        }
      }, { timeoutMs: 60_000 }).catch((error) => {
        throw new Error(`${error.message}\n${stderr}`);
      });
      const result = await sshd.ssh(USER, ["/bin/echo packaged-marker-$((6*7))"]);
      assert.equal(result.code, 0, result.stderr);
      const eventLog = join(root, "var/log/sshlog/event.log");
      await waitFor("the session in the packaged event log", async () => {
        const text = await fileText(eventLog);
        return text?.includes("packaged-marker-42") && text.includes("connection_close")
          ? text
          : undefined;
      }, { timeoutMs: 30_000 });
      assert.equal((await Deno.stat(eventLog)).mode! & 0o777, 0o600);
      await waitFor("the plug-in filter's rule to log the command", async () => {
        const text = await fileText(join(root, "var/log/sshlog/test-user.log"));
        return text?.includes("packaged-marker-42") ? text : undefined;
      }, { timeoutMs: 15_000 }).catch(async (error) => {
        throw new Error(`${error.message}\n${stderr}\n${await fileText(eventLog)}`);
      });
      const recordings = await Array.fromAsync(Deno.readDir(join(root, "var/log/sshlog/sessions")));
      assert.ok(recordings.some((e) => e.name.endsWith(".cast")), "a session recording");
      daemon.kill("SIGTERM");
      const status = await daemon.status;
      await pump;
      daemon = undefined;
      assert.equal(status.code, 0, stderr);

      // Upgrade to a rebuilt package: the edited conffile stays as the administrator left it.
      const conffile = join(root, "etc/sshlog/conf.d/log_events.yaml");
      const edited = (await Deno.readTextFile(conffile)) + "# edited by the administrator\n";
      await Deno.writeTextFile(conffile, edited);
      await buildPackages("0.1.0+rebuild1");
      await apt("update");
      await apt("install", "--no-install-recommends", "sshlog");
      assert.match(
        await ok(inRoot(root, ["dpkg-query", "-W", "-f", "${Version}", "sshlog"])),
        /^0\.1\.0\+rebuild1/,
      );
      assert.equal(await Deno.readTextFile(conffile), edited);

      // Remove keeps the configuration; purge removes it and the logs.
      await apt("remove", "sshlog");
      await assert.rejects(Deno.stat(join(root, "usr/bin/sshlog")), Deno.errors.NotFound);
      assert.equal(await Deno.readTextFile(conffile), edited);
      await apt("purge", "sshlog");
      for (const gone of ["etc/sshlog", "var/log/sshlog", "usr/lib/sshlog"]) {
        await assert.rejects(Deno.stat(join(root, gone)), Deno.errors.NotFound, gone);
      }
      const status2 = await run(inRoot(root, ["dpkg-query", "-W", "sshlog"]));
      assert.notEqual(status2.code, 0, "sshlog is no longer known to dpkg");
    } finally {
      if (daemon) {
        daemon.kill("SIGKILL");
        await daemon.status;
      }
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "packaging: the unit's capability bounding set is enough to capture sessions",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const unit = await Deno.readTextFile(join(REPO_ROOT, "packaging/sshlog.service"));
    const caps = /^CapabilityBoundingSet=(.*)$/m.exec(unit)![1]!.trim().split(/\s+/);
    const bounding = ["-all", ...caps.map((c) => `+${c.replace(/^CAP_/, "").toLowerCase()}`)];
    await using sshd = await startSshd();
    await sshd.ensureUser(USER);
    await using daemon = await startDaemon({
      wrapper: [
        "setpriv",
        "--no-new-privs",
        `--bounding-set=${bounding.join(",")}`,
        "--inh-caps=-all",
      ],
    });
    const result = await sshd.ssh(USER, ["/bin/echo bounded-marker-$((6*7))"]);
    assert.equal(result.code, 0, result.stderr);
    const finish = await daemon.events.waitForType(
      "command_finish",
      (e) => e.args.includes("bounded-marker-42") && e.tcp_info.server_port === sshd.port,
    );
    assert.equal(finish.stdout, "bounded-marker-42\n");
    assert.doesNotMatch(daemon.stderr, /Cannot hook|Permission denied/);
  },
});

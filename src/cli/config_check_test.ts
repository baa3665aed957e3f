import assert from "node:assert/strict";

const MODULE = new URL("./config_check.ts", import.meta.url).href;
const RUNNER = `import { run } from ${JSON.stringify(MODULE)}; Deno.exit(await run(Deno.args));`;

async function check(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", RUNNER, ...args],
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

async function configDir(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-check-" });
  await Deno.mkdir(`${dir}/conf.d`);
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/conf.d/${name}`, text);
  }
  return dir;
}

Deno.test("run() prints a one-line summary and exits 0 for a valid configuration", async () => {
  const samples = new URL("../../config_samples/", import.meta.url);
  const files: Record<string, string> = {};
  for (const entry of Deno.readDirSync(samples)) {
    files[entry.name] = Deno.readTextFileSync(new URL(entry.name, samples));
  }
  const result = await check("config", "check", "--config-dir", await configDir(files));
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout,
    "Configuration OK: 7 files, 8 rules, 7 actions, 0 plug-ins, 0 warnings\n",
  );
});

Deno.test("run() prints every problem as FILE:LINE:COL and exits 2", async () => {
  const fixtures = new URL("../../tests/fixtures/config/", import.meta.url);
  const dir = await configDir({
    "a.yaml": Deno.readTextFileSync(new URL("unknown_trigger.yaml", fixtures)),
    "b.yaml": Deno.readTextFileSync(new URL("empty.yaml", fixtures)),
    "c.yaml": Deno.readTextFileSync(new URL("legacy_style.yaml", fixtures)),
  });
  const result = await check("--config-dir", dir);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  const lines = result.stderr.trimEnd().split("\n");
  assert.match(
    lines[0]!,
    new RegExp(`^${dir}/conf\\.d/a\\.yaml:3:31: Unknown trigger "comand_finish"`),
  );
  assert.equal(
    lines[1],
    `${dir}/conf.d/b.yaml:1:1: Configuration file is empty: add an "events:" list or remove the file`,
  );
  assert.match(
    lines[2]!,
    new RegExp(`^${dir}/conf\\.d/c\\.yaml:6:9: warning: Trigger "connection_new"`),
  );
  assert.equal(lines[3], "Configuration is invalid: 2 errors, 1 warning");
});

Deno.test("run() takes its flags before or after check, and refuses other words", async () => {
  const dir = await configDir({ "a.yaml": "events: []\n" });
  const before = await check("config", "--config-dir", dir, "check");
  const after = await check("config", "check", "--config-dir", dir);
  assert.equal(before.code, after.code, before.stderr);
  assert.deepEqual(before, after);
  const extra = await check("config", "check", "now", "--config-dir", dir);
  assert.equal(extra.code, 2);
  assert.match(extra.stderr, /^sshlog config check: Unexpected argument "now"\n/);
});

Deno.test("run() refuses unknown flags with a usage line and exit 2", async () => {
  const result = await check("--colour");
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /^sshlog config check: Unknown option "--colour"\nUsage: sshlog config check /,
  );
});

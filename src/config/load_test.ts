import assert from "node:assert/strict";
import { loadConfig } from "./mod.ts";

async function configDir(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-config-" });
  await Deno.mkdir(`${dir}/conf.d`);
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/conf.d/${name}`, text);
  }
  return dir;
}

const RULE = (name: string) =>
  `events:\n  - event: ${name}\n    triggers: [command_start]\n    actions:\n      - action: shared\n`;
const SHARED =
  "actions:\n  - action: shared\n    plugin: eventlogfile_action\n    log_file_path: /tmp/x.log\n";

Deno.test("loadConfig() reads conf.d/*.yaml and *.yml in sorted order and ignores other files", async () => {
  const dir = await configDir({
    "20-b.yml": RULE("b"),
    "10-a.yaml": RULE("a"),
    "30-defs.yaml": SHARED,
    "README.md": "not yaml",
    "40-c.yaml.disabled": "events: [oops",
  });
  const result = await loadConfig(dir);
  assert.ok(result.ok, result.ok ? "" : result.errors.join("\n"));
  assert.deepEqual(result.config.files, [
    `${dir}/conf.d/10-a.yaml`,
    `${dir}/conf.d/20-b.yml`,
    `${dir}/conf.d/30-defs.yaml`,
  ]);
  assert.deepEqual(result.config.rules.map((rule) => rule.name), ["a", "b"]);
  assert.equal(result.config.actions.length, 1);
});

Deno.test("loadConfig() reports duplicate event names across files with both places", async () => {
  const dir = await configDir({
    "a.yaml": RULE("same") + SHARED.replace("actions:\n", "actions:\n"),
    "b.yaml": RULE("same"),
  });
  const result = await loadConfig(dir);
  assert.equal(result.ok, false);
  assert.deepEqual(result.ok ? [] : result.errors.map(String), [
    `${dir}/conf.d/b.yaml:2:12: Duplicate event name "same": first defined at ${dir}/conf.d/a.yaml:2:12`,
  ]);
});

Deno.test("loadConfig() reports a missing conf.d without a line", async () => {
  const result = await loadConfig("/nonexistent/sshlog");
  assert.equal(result.ok, false);
  const error = result.ok ? undefined : result.errors[0]!;
  assert.match(
    String(error),
    /^\/nonexistent\/sshlog\/conf\.d: Cannot read configuration directory: /,
  );
  assert.equal(error?.line, 0);
});

Deno.test("loadConfig() warns about an empty conf.d and a broken plug-in, and still loads", async () => {
  const dir = await configDir({});
  await Deno.mkdir(`${dir}/plugins`);
  await Deno.writeTextFile(`${dir}/plugins/broken.ts`, "export const filters = [;\n");
  const result = await loadConfig(dir);
  assert.ok(result.ok);
  const warnings = result.config.warnings.map(String);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!, /plugins\/broken\.ts: Plug-in not \(fully\) loaded: Cannot load: /);
  assert.match(warnings[1]!, /conf\.d: No \*\.yaml or \*\.yml files: no rules are active$/);
});

Deno.test("loadConfig() names the failed plug-in when a rule uses its filter", async () => {
  const dir = await configDir({
    "a.yaml":
      "events:\n  - event: e\n    triggers: [command_start]\n    filters:\n      from_plugin: 1\n" +
      "    actions:\n      - { action: l, plugin: eventlogfile_action, log_file_path: /tmp/l.log }\n",
  });
  const pluginDir = `${dir}/my-plugins`;
  await Deno.mkdir(pluginDir);
  await Deno.writeTextFile(`${pluginDir}/mine.ts`, 'throw new Error("oops");\n');
  const result = await loadConfig(dir, { pluginDir });
  assert.equal(result.ok, false);
  assert.match(
    result.ok ? "" : String(result.errors[0]),
    /5:7: Unknown filter "from_plugin" .*failed to load: mine\.ts\)$/,
  );
});

Deno.test("loadConfig() validates every shipped sample", async () => {
  const samples = new URL("../../config_samples/", import.meta.url);
  const files: Record<string, string> = {};
  for (const entry of Deno.readDirSync(samples)) {
    files[entry.name] = Deno.readTextFileSync(new URL(entry.name, samples));
  }
  assert.equal(Object.keys(files).length, 7);
  const result = await loadConfig(await configDir(files));
  assert.ok(result.ok, result.ok ? "" : result.errors.join("\n"));
  assert.deepEqual(result.config.warnings, []);
  assert.equal(result.config.rules.length, 8);
});

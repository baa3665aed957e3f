import assert from "node:assert/strict";
import { loadPlugins, PluginRegistry } from "./mod.ts";

const GOOD = `export const filters = [{
  kind: "filter", name: "always", triggers: ["command_start"],
  create: () => () => true,
}];
export const actions = [{
  kind: "action", name: "nothing_action", params: { level: { type: "integer", default: 1 } },
  create: () => ({ handle() {} }),
}];
`;

async function pluginDir(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-plugins-" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dir;
}

Deno.test("loadPlugins() registers the filters and actions of a plug-in file", async () => {
  const registry = new PluginRegistry();
  const reports = await loadPlugins(
    await pluginDir({ "good.ts": GOOD, "notes.txt": "ignored" }),
    registry,
  );
  assert.deepEqual(reports, [{
    file: "good.ts",
    filters: ["always"],
    actions: ["nothing_action"],
    problems: [],
  }]);
  assert.ok(registry.filter("always"));
  assert.ok(registry.action("nothing_action"));
});

Deno.test("loadPlugins() follows a symbolic link to a plug-in file, not a dangling one", async () => {
  const source = await pluginDir({ "shared.ts": GOOD });
  const dir = await pluginDir({});
  await Deno.symlink(`${source}/shared.ts`, `${dir}/linked.ts`);
  await Deno.symlink(`${source}/missing.ts`, `${dir}/dangling.ts`);
  const registry = new PluginRegistry();
  const reports = await loadPlugins(dir, registry);
  assert.deepEqual(reports.map((r) => [r.file, r.problems]), [["linked.ts", []]]);
  assert.ok(registry.action("nothing_action"));
});

Deno.test("loadPlugins() reports broken plug-ins by name and keeps loading the others", async () => {
  const registry = new PluginRegistry();
  const dir = await pluginDir({
    "a_syntax.ts": "export const filters = [;\n",
    "b_throws.ts": 'throw new Error("boom at import");\n',
    "c_shape.ts": 'export const filters = [{ kind: "filter", name: "Bad Name" }];\n',
    "d_nothing.ts": "export const x = 1;\n",
    "e_good.ts": GOOD,
    "f_dup.ts": GOOD,
    "g_not_array.ts": "export const actions = {};\n",
  });
  const reports = await loadPlugins(dir, registry);
  const problems = Object.fromEntries(reports.map((r) => [r.file, r.problems.join(" | ")]));
  assert.match(problems["a_syntax.ts"]!, /^Cannot load: /);
  assert.match(problems["b_throws.ts"]!, /^Cannot load: Error: boom at import/);
  assert.match(problems["c_shape.ts"]!, /"name" must be a lower-case identifier/);
  assert.equal(problems["d_nothing.ts"], 'Exports neither "filters" nor "actions"');
  assert.equal(problems["e_good.ts"], "");
  assert.match(problems["f_dup.ts"]!, /Filter "always" is already defined by "e_good.ts"/);
  assert.equal(problems["g_not_array.ts"], 'Export "actions" must be an array');
  assert.deepEqual([...registry.failures().keys()].sort(), [
    "a_syntax.ts",
    "b_throws.ts",
    "c_shape.ts",
    "d_nothing.ts",
    "f_dup.ts",
    "g_not_array.ts",
  ]);
});

Deno.test({
  name: "loadPlugins() gives up on a plug-in whose import does not finish",
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const registry = new PluginRegistry();
  const slow = "await new Promise((r) => setTimeout(r, 1500));\nexport const filters = [];\n";
  const dir = await pluginDir({ "hangs.ts": slow });
  const reports = await loadPlugins(dir, registry, { importTimeoutMs: 200 });
  assert.match(reports[0]!.problems[0]!, /No result after 200 ms/);
});

Deno.test("loadPlugins() treats a missing directory as no plug-ins", async () => {
  assert.deepEqual(await loadPlugins("/nonexistent/sshlog/plugins", new PluginRegistry()), []);
});

Deno.test("loadPlugins() imports an edited file again on reload", async () => {
  const dir = await pluginDir({ "p.ts": GOOD });
  await loadPlugins(dir, new PluginRegistry());
  await Deno.writeTextFile(`${dir}/p.ts`, GOOD.replace('"always"', '"sometimes"'));
  await Deno.utime(`${dir}/p.ts`, new Date(), new Date(Date.now() + 5000));
  const registry = new PluginRegistry();
  await loadPlugins(dir, registry);
  assert.deepEqual(registry.filterNames(), ["sometimes"]);
});

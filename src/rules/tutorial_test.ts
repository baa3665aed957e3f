import assert from "node:assert/strict";
import { loadConfig } from "../config/mod.ts";
import { EventBus } from "../events/mod.ts";
import { sampleEvent } from "../plugins/mod.ts";
import { RuleEngine } from "./mod.ts";

const ROOT = new URL("../../", import.meta.url);
const PLUGINS = ["client_ip_prefix.ts", "tally_action.ts"];

Deno.test("docs/plugins.md shows exactly the tutorial plug-ins the tests load", () => {
  const doc = Deno.readTextFileSync(new URL("docs/plugins.md", ROOT));
  const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
  for (const name of PLUGINS) {
    const code = Deno.readTextFileSync(new URL(`tests/fixtures/plugins/${name}`, ROOT));
    assert.ok(
      blocks.includes(code),
      `docs/plugins.md lacks the code of tests/fixtures/plugins/${name}`,
    );
  }
});

Deno.test("RuleEngine runs the tutorial's plug-in filter and action from a plug-in directory", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-tutorial-" });
  await Deno.mkdir(`${dir}/conf.d`);
  const doc = Deno.readTextFileSync(new URL("docs/plugins.md", ROOT));
  const yaml = doc.match(/```yaml\n([\s\S]*?)```/)![1]!.replace(
    "/var/log/sshlog/tally.json",
    `${dir}/tally.json`,
  );
  await Deno.writeTextFile(`${dir}/conf.d/tally.yaml`, yaml);
  const result = await loadConfig(dir, {
    pluginDir: new URL("tests/fixtures/plugins", ROOT).pathname,
  });
  assert.ok(result.ok, result.ok ? "" : result.errors.join("\n"));
  assert.deepEqual(result.config.plugins.map((p) => [p.file, p.problems.length]), [
    ["client_ip_prefix.ts", 0],
    ["tally_action.ts", 0],
  ]);
  const engine = new RuleEngine(result.config);
  const bus = new EventBus();
  await engine.start(bus);
  const login = (username: string, client_ip: string) =>
    sampleEvent("connection_established", {
      username,
      tcp_info: { client_ip, client_port: 1, server_ip: "::1", server_port: 22 },
    });
  bus.publish(login("alice", "10.1.2.3"));
  bus.publish(login("alice", "10.9.9.9"));
  bus.publish(login("bob", "192.168.1.5"));
  bus.publish(login("eve", "203.0.113.7"));
  bus.publish(sampleEvent("connection_established", { username: "mallory", tcp_info: undefined }));
  await engine.stop();
  assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/tally.json`)), { alice: 2, bob: 1 });
});

import assert from "node:assert/strict";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { builtinRegistry, compileConfig, type CompiledConfig } from "../config/mod.ts";
import { EventBus } from "../events/mod.ts";
import {
  type ActionPlugin,
  type FilterPlugin,
  sampleEvent,
  type SshlogEvent,
} from "../plugins/mod.ts";
import { RuleEngine } from "./mod.ts";

interface Probe {
  events: Map<string, SshlogEvent[]>;
  created: string[];
  closed: string[];
}

function testRegistry(probe: Probe) {
  const registry = builtinRegistry();
  const collect: ActionPlugin = {
    kind: "action",
    name: "collect_action",
    params: {
      hang: { type: "boolean", default: false },
      fail_create: { type: "boolean", default: false },
      follow: { type: "boolean", default: false },
    },
    create(params, context) {
      if (params.fail_create) throw new Error("cannot open");
      probe.created.push(context.name);
      return {
        timeoutMs: 100,
        ...(params.follow
          ? { followSessions: ["terminal_update", "connection_close", "capture_gap"] as const }
          : {}),
        handle(event) {
          if (params.hang) return new Promise(() => {});
          if ((event as { pid?: number }).pid === -1) throw new Error("bad event");
          probe.events.set(context.name, [...(probe.events.get(context.name) ?? []), event]);
        },
        close() {
          probe.closed.push(context.name);
        },
      };
    },
  };
  const explode: FilterPlugin = {
    kind: "filter",
    name: "explode",
    triggers: ["command_start"],
    create: () => (event) => {
      if ((event as { pid?: number }).pid! % 2 === 0) throw new Error("cannot judge even pids");
      return true;
    },
  };
  registry.addAction(collect, "test");
  registry.addFilter(explode, "test");
  return registry;
}

function compile(probe: Probe, yaml: string): CompiledConfig {
  const result = compileConfig([{ path: "test.yaml", text: yaml }], testRegistry(probe));
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.config;
}

function newProbe(): Probe {
  return { events: new Map(), created: [], closed: [] };
}

const pids = (events: SshlogEvent[] | undefined) =>
  (events ?? []).map((e) => (e as { pid: number }).pid);

Deno.test("RuleEngine keeps feeding an action in order while another action hangs", async () => {
  const probe = newProbe();
  const config = compile(
    probe,
    `events:
  - event: commands
    triggers: [command_start]
    actions:
      - { action: stuck, plugin: collect_action, hang: true }
      - { action: fine, plugin: collect_action }
`,
  );
  const engine = new RuleEngine(config, { drainTimeoutMs: 100 });
  const bus = new EventBus();
  await engine.start(bus);
  const started = performance.now();
  for (let pid = 0; pid < 500; pid++) {
    bus.publish(sampleEvent("command_start", { pid, session_id: `s${pid % 7}` }));
  }
  const publishMs = performance.now() - started;
  assert.ok(publishMs < 500, `publishing took ${publishMs} ms`);
  const deadline = Date.now() + 5000;
  while (pids(probe.events.get("fine")).length < 500 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.deepEqual(pids(probe.events.get("fine")), [...Array(500).keys()]);
  const stuck = () => engine.stats().find((s) => s.action === "stuck")!;
  while (stuck().timedOut < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(stuck().delivered, 0);
  assert.ok(stuck().timedOut >= 2);
  await engine.stop();
});

Deno.test("RuleEngine drops events a filter cannot evaluate and logs why once", async () => {
  const records: LogRecord[] = [];
  await configure({
    sinks: { memory: (record) => records.push(record) },
    loggers: [{ category: ["sshlog", "rules"], sinks: ["memory"], lowestLevel: "warning" }],
    reset: true,
  });
  try {
    const probe = newProbe();
    const config = compile(
      probe,
      `events:
  - event: odd_only
    triggers: [command_start, command_finish]
    filters: { explode: true }
    actions: [{ action: sink, plugin: collect_action }]
`,
    );
    const engine = new RuleEngine(config);
    const bus = new EventBus();
    await engine.start(bus);
    for (let pid = 0; pid < 6; pid++) bus.publish(sampleEvent("command_start", { pid }));
    bus.publish(sampleEvent("command_finish", { pid: 2 })); // the filter does not judge command_finish
    await engine.stop();
    assert.deepEqual(pids(probe.events.get("sink")), [1, 3, 5, 2]);
    const warnings = records.filter((r) => String(r.message.join("")).includes("cannot evaluate"));
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.properties.reason, "cannot judge even pids");
  } finally {
    await reset();
  }
});

Deno.test("RuleEngine delivers an event once per action even when two rules match", async () => {
  const probe = newProbe();
  const config = compile(
    probe,
    `actions:
  - { action: sink, plugin: collect_action }
events:
  - { event: a, triggers: [command_start], actions: [{ action: sink }] }
  - { event: b, triggers: [command_start, command_finish], filters: { username: billy }, actions: [{ action: sink }] }
  - { event: c, triggers: [command_start], filters: { username: nobody }, actions: [{ action: other, plugin: collect_action }] }
`,
  );
  const engine = new RuleEngine(config);
  const bus = new EventBus();
  await engine.start(bus);
  bus.publish(sampleEvent("command_start", { pid: 1 }));
  bus.publish(sampleEvent("command_finish", { pid: 2 }));
  bus.publish(sampleEvent("connection_established", { pid: 3 }));
  await engine.stop();
  assert.deepEqual(pids(probe.events.get("sink")), [1, 2]);
  assert.equal(probe.events.get("other"), undefined);
});

Deno.test("RuleEngine gives an action that follows sessions the rest of the sessions it got", async () => {
  const probe = newProbe();
  const config = compile(
    probe,
    `events:
  - event: rec
    triggers: [command_start]
    filters: { command_name: sudo }
    actions:
      - { action: follower, plugin: collect_action, follow: true }
      - { action: plain, plugin: collect_action }
`,
  );
  const engine = new RuleEngine(config);
  const bus = new EventBus();
  await engine.start(bus);
  const on = (
    id: string,
    type: "command_start" | "terminal_update" | "connection_close",
    pid: number,
    filename = "ls",
  ) =>
    bus.publish(
      sampleEvent(type, { session_id: id, pid, filename, exec_path: `/bin/${filename}` }),
    );
  const gap = (pid: number) =>
    bus.publish(
      { ...sampleEvent("capture_gap"), session_id: undefined, pid } as unknown as SshlogEvent,
    );
  on("s1", "terminal_update", 1); // before the rule matched: not followed yet
  gap(10); // no session followed yet: nobody to tell
  on("s1", "command_start", 2, "sudo");
  on("s1", "terminal_update", 3);
  gap(11); // a gap while s1 is followed
  on("s1", "command_start", 4); // not a followed type, and the filter drops it
  on("s2", "terminal_update", 5); // another session
  on("s1", "connection_close", 6);
  on("s1", "terminal_update", 7); // after the close: no longer followed
  gap(12);
  await engine.stop();
  assert.deepEqual(pids(probe.events.get("follower")), [2, 3, 11, 6]);
  assert.deepEqual(pids(probe.events.get("plain")), [2]);
});

Deno.test("RuleEngine.reload() lets an action finish the sessions it follows", async () => {
  const probe = newProbe();
  const yaml = (rule: string, trigger: string) =>
    `events:
  - event: ${rule}
    triggers: [${trigger}]
    actions:
      - { action: follower, plugin: collect_action, follow: true }
`;
  const engine = new RuleEngine(compile(probe, yaml("rec", "command_start")));
  const bus = new EventBus();
  await engine.start(bus);
  const publish = (type: "command_start" | "terminal_update" | "connection_close", pid: number) =>
    bus.publish(sampleEvent(type, { session_id: "s1", pid }));
  publish("command_start", 1);
  publish("terminal_update", 2);
  // The rule that started the recording is gone, the action stays: the recording still ends.
  await engine.reload(compile(probe, yaml("other", "connection_established")));
  publish("terminal_update", 3);
  publish("connection_close", 4);
  publish("terminal_update", 5);
  await engine.stop();
  assert.deepEqual(pids(probe.events.get("follower")), [1, 2, 3, 4]);
  assert.deepEqual(probe.created, ["follower"], "the same action kept running");
});

Deno.test("RuleEngine isolates an action that throws or cannot start", async () => {
  const probe = newProbe();
  const config = compile(
    probe,
    `events:
  - event: all
    triggers: [command_start]
    actions:
      - { action: broken, plugin: collect_action, fail_create: true }
      - { action: sink, plugin: collect_action }
`,
  );
  const engine = new RuleEngine(config);
  const bus = new EventBus();
  await engine.start(bus);
  for (const pid of [1, -1, 2]) bus.publish(sampleEvent("command_start", { pid }));
  const stats = engine.stats();
  await engine.stop();
  assert.deepEqual(pids(probe.events.get("sink")), [1, 2]);
  assert.deepEqual(stats.map((s) => s.action), ["sink"]);
});

Deno.test("RuleEngine.reload() keeps unchanged actions running and closes removed ones", async () => {
  const probe = newProbe();
  const rule = (actions: string) =>
    `events:\n  - { event: r, triggers: [command_start], actions: [${actions}] }\n`;
  const engine = new RuleEngine(
    compile(
      probe,
      rule("{ action: keep, plugin: collect_action }, { action: gone, plugin: collect_action }"),
    ),
  );
  const bus = new EventBus();
  await engine.start(bus);
  bus.publish(sampleEvent("command_start", { pid: 1 }));
  await engine.reload(
    compile(
      probe,
      rule("{ action: keep, plugin: collect_action }, { action: new, plugin: collect_action }"),
    ),
  );
  bus.publish(sampleEvent("command_start", { pid: 2 }));
  await engine.stop();
  assert.deepEqual(probe.created, ["keep", "gone", "new"]);
  assert.deepEqual(probe.closed.sort(), ["gone", "keep", "new"]);
  assert.deepEqual(pids(probe.events.get("keep")), [1, 2]);
  assert.deepEqual(pids(probe.events.get("gone")), [1]);
  assert.deepEqual(pids(probe.events.get("new")), [2]);
});

import assert from "node:assert/strict";
import { builtinRegistry, compileConfig, ConfigError } from "./mod.ts";

const FIXTURES = new URL("../../tests/fixtures/config/", import.meta.url);

function compileFixture(name: string) {
  const text = Deno.readTextFileSync(new URL(name, FIXTURES));
  return compileConfig([{ path: name, text }], builtinRegistry());
}

function problemsOf(name: string): string[] {
  const result = compileFixture(name);
  assert.equal(result.ok, false, `${name} should be refused`);
  return result.ok ? [] : result.errors.map(String);
}

const CASES: [string, string, string][] = [
  [
    "an unknown key",
    "unknown_key.yaml",
    `unknown_key.yaml:4:5: Unknown key "filter" in event "log_logins"`,
  ],
  [
    "an unknown top-level key",
    "unknown_top_key.yaml",
    `unknown_top_key.yaml:1:1: Unknown top-level key "event"`,
  ],
  [
    "an unknown trigger",
    "unknown_trigger.yaml",
    `unknown_trigger.yaml:3:31: Unknown trigger "comand_finish"`,
  ],
  [
    "a filter that cannot apply to the triggers",
    "filter_not_applicable.yaml",
    `filter_not_applicable.yaml:5:7: Filter "command_exit_code" cannot apply to triggers ` +
    `connection_established, connection_close: it judges only command_finish`,
  ],
  [
    "a missing action parameter",
    "missing_parameter.yaml",
    `missing_parameter.yaml:5:9: Action "log_events" (eventlogfile_action) is missing parameter "log_file_path"`,
  ],
  [
    "an unknown action parameter",
    "unknown_parameter.yaml",
    `unknown_parameter.yaml:8:9: Unknown parameter "log_path" for "eventlogfile_action"`,
  ],
  [
    "a parameter of the wrong type",
    "bad_parameter_value.yaml",
    `bad_parameter_value.yaml:8:30: Parameter "number_of_log_files" of "eventlogfile_action" must be an integer`,
  ],
  [
    "an unknown action plug-in",
    "unknown_action_plugin.yaml",
    `unknown_action_plugin.yaml:6:17: Unknown action plug-in "pagerduty_action"`,
  ],
  [
    "an unknown filter",
    "unknown_filter.yaml",
    `unknown_filter.yaml:5:7: Unknown filter "user_name"`,
  ],
  [
    "a bad regular expression",
    "bad_regex.yaml",
    `bad_regex.yaml:5:23: Filter "username_regex": Invalid regular expression "^(admin|root"`,
  ],
  [
    "a bad comparison",
    "bad_comparison.yaml",
    `bad_comparison.yaml:5:26: Filter "command_exit_code": Cannot parse comparison "not zero"`,
  ],
  [
    "a reference to an undefined action",
    "undefined_action.yaml",
    `undefined_action.yaml:5:17: Action "send_to_slack" is not defined`,
  ],
  [
    "an empty file",
    "empty.yaml",
    `empty.yaml:1:1: Configuration file is empty`,
  ],
  ["invalid YAML", "invalid_yaml.yaml.txt", `invalid_yaml.yaml.txt:4:5: Invalid YAML: `],
  ["a duplicate key", "duplicate_key.yaml", `duplicate_key.yaml:4:5: Duplicate key`],
  [
    "a {{field}} inside a shell script",
    "shell_template.yaml",
    `shell_template.yaml:6:9: Action "greet" (run_command_action): "{{…}}" inside a "bash -c" script`,
  ],
];

for (const [what, file, expected] of CASES) {
  Deno.test(`compileConfig() reports ${what} with line and column`, () => {
    const problems = problemsOf(file);
    assert.equal(problems.length, 1, problems.join("\n"));
    assert.ok(problems[0]!.startsWith(expected), `got: ${problems[0]}`);
  });
}

Deno.test("compileConfig() reports duplicate event and action names with both places", () => {
  assert.deepEqual(problemsOf("duplicate_names.yaml"), [
    `duplicate_names.yaml:12:12: Duplicate event name "log_logins": first defined at duplicate_names.yaml:7:12`,
    `duplicate_names.yaml:15:17: Duplicate action name "log_events": first defined at duplicate_names.yaml:2:5`,
  ]);
});

Deno.test("compileConfig() gives ConfigError objects carrying file, line and column", () => {
  const result = compileFixture("unknown_trigger.yaml");
  assert.equal(result.ok, false);
  const error = result.ok ? undefined : result.errors[0];
  assert.ok(error instanceof ConfigError && error instanceof SyntaxError);
  assert.deepEqual([error.file, error.line, error.col], ["unknown_trigger.yaml", 3, 31]);
});

Deno.test("compileConfig() reports every problem of a file, not only the first", () => {
  const text = [
    "events:",
    "  - event: a",
    "    triggers: [nope]",
    "    filters: { user_name: x }",
    "    actions:",
    "      - action: missing",
    "  - colour: red",
  ].join("\n");
  const result = compileConfig([{ path: "many.yaml", text }], builtinRegistry());
  assert.equal(result.ok, false);
  const lines = result.ok ? [] : result.errors.map((error) => `${error.line}:${error.col}`);
  assert.deepEqual(lines, ["3:16", "4:16", "6:17", "7:5", "7:5", "7:5", "7:5"]);
});

Deno.test("compileConfig() accepts configs written for the original agent, warning about connection_new", () => {
  const result = compileFixture("legacy_style.yaml");
  assert.ok(result.ok, result.ok ? "" : result.errors.join("\n"));
  const rule = result.config.rules[0]!;
  assert.deepEqual([...rule.triggers], ["connection_established", "command_finish"]);
  assert.equal(rule.filters.length, 3);
  assert.deepEqual(result.config.warnings.map((w) => `${w.line}:${w.col}`), ["6:9"]);
  const syslog = result.config.actions.find((a) => a.name === "legacy_syslog")!;
  assert.equal(syslog.params.udp, true);
});

Deno.test("compileConfig() takes a quoted number as the number, as the original did", () => {
  const text = `events:
  - event: to_syslog
    triggers: [command_start]
    actions:
      - action: syslog
        plugin: syslog_action
        server_address: 127.0.0.1
        port: "1514"
        facility: ' 4 '
`;
  const result = compileConfig([{ path: "quoted.yaml", text }], builtinRegistry());
  assert.ok(result.ok, result.ok ? "" : result.errors.join("\n"));
  assert.equal(result.config.actions[0]!.params.port, 1514);
  assert.equal(result.config.actions[0]!.params.facility, 4);
  const bad = compileConfig(
    [{ path: "bad.yaml", text: text.replace('"1514"', '"15x4"') }],
    builtinRegistry(),
  );
  assert.equal(bad.ok, false);
});

Deno.test("compileConfig() shares one binding per action and parameters, overrides make another", () => {
  const result = compileFixture("full.yaml");
  assert.ok(result.ok, result.ok ? "" : result.errors.join("\n"));
  assert.deepEqual(result.config.rules.map((rule) => rule.name), ["logins", "commands", "uploads"]);
  const logs = result.config.actions.filter((a) => a.name === "log_text");
  assert.deepEqual(logs.map((a) => a.params.output_json), [false, true]);
  assert.equal(logs[0]!.params.max_size_mb, 20);
  assert.equal(logs[0]!.params.number_of_log_files, 2);
  const run = result.config.actions.find((a) => a.name === "run_it")!;
  assert.deepEqual(run.params.args, ["-t", "sshlog", "{{username}} ran {{args}}"]);
});

Deno.test("compileConfig() resolves references to actions defined in another file", () => {
  const defs =
    "actions:\n  - action: shared\n    plugin: eventlogfile_action\n    log_file_path: /tmp/x.log\n";
  const uses =
    "events:\n  - event: e\n    triggers: [command_start]\n    actions:\n      - action: shared\n";
  const result = compileConfig(
    [{ path: "10-uses.yaml", text: uses }, { path: "20-defs.yaml", text: defs }],
    builtinRegistry(),
  );
  assert.ok(result.ok, result.ok ? "" : result.errors.join("\n"));
  assert.equal(result.config.rules[0]!.actions[0]!.params.log_file_path, "/tmp/x.log");
});

Deno.test("compileConfig() never repeats the value of a secret parameter in a problem", () => {
  const registry = builtinRegistry();
  registry.addAction({
    kind: "action",
    name: "pin_action",
    params: { pin: { type: "integer", required: true, secret: true } },
    create: () => ({ handle() {} }),
  });
  const text = `actions:
  - action: door
    plugin: pin_action
    pin: hunter2-secret
`;
  const result = compileConfig([{ path: "pin.yaml", text }], registry);
  assert.equal(result.ok, false);
  const problems = result.ok ? "" : result.errors.map(String).join("\n");
  assert.match(problems, /Parameter "pin" of "pin_action" must be an integer, not the value given/);
  assert.ok(!problems.includes("hunter2"), problems);
});

import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import { type EventTest, sampleEvent, type SshlogEvent } from "../plugins/mod.ts";
import { builtinFilters } from "./mod.ts";

const CONTEXT = { rule: "test", logger: getLogger(["sshlog", "filters", "test"]) };

function filterTest(name: string, argument: unknown): EventTest {
  const plugin = builtinFilters().find((filter) => filter.name === name);
  assert.ok(plugin, `no filter ${name}`);
  return plugin.create(argument, CONTEXT);
}

function passes(name: string, argument: unknown, event: SshlogEvent): boolean {
  return filterTest(name, argument)(event);
}

const finish = (fields: Record<string, unknown>) => sampleEvent("command_finish", fields);

Deno.test("command_exit_code filter accepts !=0, != 0, >1, = 0, plain integers and lists", () => {
  const cases: [unknown, number, boolean][] = [
    ["!=0", 1, true],
    ["!= 0", 0, false],
    [">1", 2, true],
    ["> 1", 1, false],
    ["= 0", 0, true],
    ["== 0", 3, false],
    ["<= -1", -1, true],
    [0, 0, true],
    [0, 1, false],
    [[1, 2], 2, true],
    [[1, 2], 0, false],
    [["!= 0", 0], 0, true],
  ];
  for (const [argument, code, expected] of cases) {
    assert.equal(
      passes("command_exit_code", argument, finish({ exit_code: code })),
      expected,
      `${argument} vs ${code}`,
    );
  }
});

Deno.test("command_exit_code filter refuses text that is no comparison", () => {
  for (const bad of ["zero", "!== 0", ">", "", [], true, { a: 1 }]) {
    assert.throws(() => filterTest("command_exit_code", bad), /Cannot parse comparison|empty list/);
  }
});

Deno.test("command_exit_code filter throws (fails closed) on an event without exit_code", () => {
  assert.throws(() => passes("command_exit_code", 0, finish({ exit_code: undefined })), TypeError);
});

Deno.test("command_name filter matches argv[0], its base name or the executable's base name", () => {
  assert.equal(passes("command_name", "sudo", finish({ filename: "/usr/bin/sudo" })), true);
  assert.equal(passes("command_name", "sudo", finish({ filename: "sudo" })), true);
  assert.equal(
    passes("command_name", ["su", "sudo"], finish({ filename: "x", exec_path: "/bin/sudo" })),
    true,
  );
  assert.equal(
    passes("command_name", "sudo", finish({ filename: "sudoedit", exec_path: "/x/sudoedit" })),
    false,
  );
});

Deno.test("*_regex filters search anywhere in the value; a list means any of", () => {
  assert.equal(passes("username_regex", "ill", sampleEvent("connection_established")), true);
  assert.equal(passes("username_regex", "^ill$", sampleEvent("connection_established")), false);
  assert.equal(
    passes("username_regex", ["^root$", "^bil"], sampleEvent("connection_established")),
    true,
  );
  assert.equal(passes("command_name_regex", "do$", finish({})), true);
  assert.equal(passes("command_output_contains_regex", "tot.l", finish({})), true);
  assert.equal(passes("upload_file_path_regex", "\\.txt$", sampleEvent("file_upload")), true);
  assert.throws(() => filterTest("username_regex", "(unclosed"), SyntaxError);
});

Deno.test("*_regex filters accept the Python syntax of the original's configs", () => {
  const login = sampleEvent("connection_established"); // username billy
  assert.equal(passes("username_regex", "(?i)^BILLY$", login), true);
  assert.equal(passes("username_regex", "\\Abilly\\Z", login), true);
  assert.equal(passes("username_regex", "\\Abill\\Z", login), false);
  assert.equal(passes("username_regex", "^(?P<first>b)il(?P=first)?ly$", login), true);
  assert.equal(passes("username_regex", "(?im)^billy$", login), true);
  assert.equal(passes("upload_file_path_regex", "\\.txt\\Z", sampleEvent("file_upload")), true);
  assert.throws(() => filterTest("username_regex", "(?x)b i l l y"), SyntaxError);
  assert.throws(() => filterTest("username_regex", "b(?P=n"), SyntaxError);
  // Python's $ also matches before a final newline: command output ends with one.
  assert.equal(
    passes("command_output_contains_regex", "total$", finish({ stdout: "total\n" })),
    true,
  );
  assert.equal(
    passes("command_output_contains_regex", "total$", finish({ stdout: "total\nx" })),
    false,
  );
  assert.equal(
    passes("command_output_contains_regex", "(?m)^total$", finish({ stdout: "total\nx" })),
    true,
  );
  // Inside a class nothing is translated; a leading ] is a literal as in Python.
  assert.equal(passes("username_regex", "^[(?P<]", login), false);
  assert.equal(passes("username_regex", "[]b]illy", login), true);
  // Only \n ends a line: terminal output has \r\n.
  const crlf = finish({ stdout: "total\r\nx" });
  assert.equal(passes("command_output_contains_regex", "(?m)^total$", crlf), false);
  assert.equal(passes("command_output_contains_regex", "(?m)^total\r$", crlf), true);
  assert.equal(passes("command_output_contains_regex", "l.\nx", crlf), true);
  assert.equal(passes("command_output_contains_regex", "(?s)l.\nx", crlf), true);
});

Deno.test("a username filter also judges resizes, so a recording rule records only its users", () => {
  const resize = sampleEvent("terminal_resize");
  assert.equal(passes("username", "billy", resize), true);
  assert.equal(passes("username", "alice", resize), false);
  assert.equal(passes("username_regex", "^alice$", resize), false);
  assert.equal(passes("require_tty", true, sampleEvent("terminal_resize", { tty_id: -1 })), false);
});

Deno.test("username filter matches exact names, lists, '*' and an empty value", () => {
  const event = sampleEvent("command_start");
  assert.equal(passes("username", "billy", event), true);
  assert.equal(passes("username", "bill", event), false);
  assert.equal(passes("username", ["root", "billy"], event), true);
  assert.equal(passes("username", "*", event), true);
  assert.equal(passes("username", "", event), true, "an empty name matches anyone, as before");
  assert.equal(passes("username", null, event), true);
});

Deno.test("command_output_contains filter looks for text in stdout", () => {
  assert.equal(
    passes(
      "command_output_contains",
      "Permission denied",
      finish({ stdout: "x: Permission denied\n" }),
    ),
    true,
  );
  assert.equal(passes("command_output_contains", ["nope", "total"], finish({})), true);
  assert.equal(passes("command_output_contains", "nope", finish({})), false);
});

Deno.test("require_tty filter drops sessions without a terminal only when true", () => {
  const noTty = sampleEvent("command_start", { tty_id: -1 });
  assert.equal(passes("require_tty", true, noTty), false);
  assert.equal(passes("require_tty", true, sampleEvent("command_start")), true);
  assert.equal(passes("require_tty", false, noTty), true);
  assert.throws(() => filterTest("require_tty", "yes please"), TypeError);
});

Deno.test("ignore_existing_logins filter drops only the login report of sessions open before", () => {
  const login = sampleEvent("connection_established", { existing: true });
  assert.equal(passes("ignore_existing_logins", true, login), false);
  assert.equal(passes("ignore_existing_logins", false, login), true);
  assert.equal(passes("ignore_existing_logins", true, sampleEvent("connection_established")), true);
  for (const type of ["command_start", "terminal_update", "connection_close"] as const) {
    assert.equal(
      passes("ignore_existing_logins", true, sampleEvent(type, { existing: true })),
      true,
      `${type} of an existing session is new activity`,
    );
  }
  assert.throws(
    () =>
      passes(
        "ignore_existing_logins",
        true,
        sampleEvent("connection_established", { existing: "yes" }),
      ),
    TypeError,
  );
});

Deno.test("upload_file_path filter compares normalized paths", () => {
  const upload = sampleEvent("file_upload", { target_path: "/etc//ssh/../passwd" });
  assert.equal(passes("upload_file_path", "/etc/passwd", upload), true);
  assert.equal(passes("upload_file_path", ["/tmp/x", "/etc/./passwd"], upload), true);
  assert.equal(passes("upload_file_path", "/etc/shadow", upload), false);
});

Deno.test("filters throw (fail closed) when the event lacks the field they judge", () => {
  const broken = sampleEvent("command_start", { username: undefined, filename: 42, tty_id: "3" });
  assert.throws(() => passes("username", "billy", broken), /no text field "username"/);
  assert.throws(() => passes("command_name", "sudo", broken), /no text field "filename"/);
  assert.throws(() => passes("require_tty", true, broken), /no number field "tty_id"/);
});

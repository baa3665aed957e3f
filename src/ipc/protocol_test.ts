import assert from "node:assert/strict";
import {
  encodeMessage,
  isEventMessage,
  isIpcRequest,
  parseEnvelope,
  parseRequest,
  parseServerMessage,
  parseWatchRequest,
} from "./protocol.ts";

function assertTypeError(fn: () => unknown, start: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TypeError);
    assert.ok(error.message.startsWith(start), error.message);
    return true;
  });
}

Deno.test("parseRequest() accepts the built-in ops and ignores unknown fields", () => {
  assert.deepEqual(parseRequest({ op: "sessions", extra: 1 }), { op: "sessions" });
  assert.deepEqual(parseRequest({ op: "version" }), { op: "version" });
  assert.deepEqual(
    parseRequest({ op: "watch", types: ["command_start"], user: "bob", session: "3" }),
    { op: "watch", types: ["command_start"], user: "bob", session: "3" },
  );
  assert.deepEqual(parseRequest({ op: "watch", user: null }), { op: "watch" });
});

Deno.test("parseEnvelope() throws TypeError for values without a string op", () => {
  for (const value of [null, 3, "op", [], {}, { op: 1 }, { op: "" }]) {
    assertTypeError(() => parseEnvelope(value), "Malformed request: expected an object");
  }
  assertTypeError(
    () => parseEnvelope({ op: "x".repeat(65) }),
    'Malformed request: "op" is too long',
  );
});

Deno.test("parseWatchRequest() throws TypeError for malformed filters", () => {
  assertTypeError(
    () => parseWatchRequest({ op: "watch", types: "command_start" }),
    'Malformed "watch"',
  );
  assertTypeError(() => parseWatchRequest({ op: "watch", types: [] }), 'Malformed "watch"');
  assertTypeError(
    () => parseWatchRequest({ op: "watch", injected_input_only: "yes" }),
    'Malformed "watch" request: "injected_input_only"',
  );
  assertTypeError(
    () => parseWatchRequest({ op: "watch", types: ["bogus"] }),
    'Unknown event type "bogus"',
  );
  assertTypeError(
    () => parseWatchRequest({ op: "watch", user: 5 }),
    'Malformed "watch" request: "user"',
  );
  assertTypeError(
    () => parseWatchRequest({ op: "watch", session: "" }),
    'Malformed "watch" request: "session"',
  );
  assertTypeError(
    () => parseWatchRequest({ op: "watch", user: "u".repeat(257) }),
    'Malformed "watch" request: "user"',
  );
});

Deno.test("parseRequest() throws TypeError for an unknown op", () => {
  assertTypeError(() => parseRequest({ op: "attach" }), 'Unknown op "attach"');
});

Deno.test("isIpcRequest() tells well-formed requests from the rest", () => {
  assert.equal(isIpcRequest({ op: "sessions" }), true);
  assert.equal(isIpcRequest({ op: "watch", types: [1] }), false);
  assert.equal(isIpcRequest("sessions"), false);
});

Deno.test("parseServerMessage() accepts answers and events and refuses the rest", () => {
  assert.deepEqual(parseServerMessage({ ok: true, version: "1" }), { ok: true, version: "1" });
  assert.deepEqual(parseServerMessage({ ok: false, error: "No" }), { ok: false, error: "No" });
  const event = parseServerMessage({ event: { "event_type": "command_start", timestamp: 1 } });
  assert.ok(isEventMessage(event));
  assert.equal(isEventMessage({ ok: true }), false);
  for (const value of [null, [], { ok: false }, { event: { "event_type": 1 } }, { event: null }]) {
    assertTypeError(() => parseServerMessage(value), "Malformed answer from the sshlog daemon");
  }
});

Deno.test("encodeMessage() writes one JSON line with escaped control characters", () => {
  const text = new TextDecoder().decode(encodeMessage({ ok: false, error: "a\nb\u2028\ud800" }));
  assert.equal(text, '{"ok":false,"error":"a\\nb\u2028\\ud800"}\n');
  assert.equal(text.indexOf("\n"), text.length - 1);
});
